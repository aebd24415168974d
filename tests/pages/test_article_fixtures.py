"""Every saved article page under tests/fixtures/article/<case>/ against its expected record.

Adding a case is adding a folder (page.html, url.txt, expected.json); a failure names the case
and the field, e.g. ``windows-1252: title``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler import extract_article
from crawler.contract import ARTICLE_FIELDS

FIXTURES = Path(__file__).parent.parent / "fixtures" / "article"


def discover(root: Path = FIXTURES) -> list[str]:
    """The cases under ``root``: every folder with a ``page.html``."""
    return sorted(path.name for path in root.iterdir() if (path / "page.html").exists())


CASES = discover()
SPECIMEN_EXPECTED = (
    Path(__file__).parents[3] / "shared" / "site" / "expected" / "article-0211227.json"
)


def read_case(folder: Path) -> tuple[bytes, str, Any]:
    """A case folder's page, the URL it was fetched from, and its expected record."""
    url = (folder / "url.txt").read_text(encoding="utf-8").strip()
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return (folder / "page.html").read_bytes(), url, expected


@cache
def load(case: str) -> tuple[bytes, str, Any]:
    return read_case(FIXTURES / case)


@cache
def record_for(case: str) -> tuple[dict[str, Any] | None, Any]:
    body, url, expected = load(case)
    return extract_article(body, url), expected


@pytest.mark.parametrize("case", CASES)
def test_article_or_not(case: str) -> None:
    record, expected = record_for(case)
    assert (record is None) == (expected is None), f"{case}: article? {record is not None}"


FIELD_CASES = [
    (case, field) for case in CASES if load(case)[2] is not None for field in ARTICLE_FIELDS
]


@pytest.mark.parametrize(("case", "field"), FIELD_CASES, ids=[f"{c}:{f}" for c, f in FIELD_CASES])
def test_field(case: str, field: str) -> None:
    record, expected = record_for(case)
    assert record is not None
    assert record[field] == expected[field], f"{case}: {field}"


def test_specimen_record_is_exactly_the_shared_expected_record() -> None:
    record, expected = record_for("specimen")
    assert record == expected
    if SPECIMEN_EXPECTED.exists():  # ../shared sits beside the clone on every machine here
        assert record == json.loads(SPECIMEN_EXPECTED.read_text(encoding="utf-8"))
        assert json.dumps(record, ensure_ascii=False, indent=2) == SPECIMEN_EXPECTED.read_text(
            encoding="utf-8"
        ).rstrip("\n")


def test_every_fixture_has_a_url_and_expected_record() -> None:
    for folder in FIXTURES.iterdir():
        assert (folder / "url.txt").exists(), folder.name
        assert (folder / "expected.json").exists(), folder.name
    assert len(CASES) >= 20
