"""Every saved listing page under tests/fixtures/category/<case>/ against its expected fields.

Expected: the category's name, its own (page 1) URL, this page's number, the canonical article
URLs in listing order, and the canonical next-page URL (page 1 again where pagination loops).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler.pages import CategoryPage

FIXTURES = Path(__file__).parent.parent / "fixtures" / "category"
CASES = sorted(path.name for path in FIXTURES.iterdir() if (path / "page.html").exists())
FIELDS = ("name", "url", "page", "articles", "next")


@cache
def load(case: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = FIXTURES / case
    url = (folder / "url.txt").read_text(encoding="utf-8").strip()
    page = CategoryPage.from_bytes((folder / "page.html").read_bytes(), url)
    found = {
        "name": page.name(),
        "url": page.url(),
        "page": page.page(),
        "articles": page.articles(),
        "next": page.next_page(),
    }
    return found, json.loads((folder / "expected.json").read_text(encoding="utf-8"))


CASE_FIELDS = [(case, field) for case in CASES for field in FIELDS]


@pytest.mark.parametrize(("case", "field"), CASE_FIELDS, ids=[f"{c}:{f}" for c, f in CASE_FIELDS])
def test_field(case: str, field: str) -> None:
    found, expected = load(case)
    assert found[field] == expected[field], f"{case}: {field}"


def test_cases_cover_the_pagination_shapes() -> None:
    assert {"specimen", "last-page", "last-page-loops", "last-page-loops-relative"} <= set(CASES)
