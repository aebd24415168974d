"""The generator: deterministic output, committed data up to date, expected files consistent."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler.contract import violation
from sample_site.articles import VARIANTS
from sample_site.expected import (
    DEFAULT_ROOT,
    expected_categories,
    expected_duplicates,
    expected_records,
    site_summary,
)
from sample_site.generate import generate
from tests.fixtures import make_fixtures

ORIGIN = "http://127.0.0.1:8123"
SUMMARY: dict[str, Any] = site_summary()
FIXTURES = Path(__file__).parents[1] / "fixtures"
CANONICAL_ARTICLE = re.compile(r"\{\{ORIGIN\}\}/page\.php\?p=\d{7}")


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def differing(left: dict[str, bytes], right: dict[str, bytes]) -> list[str]:
    return sorted(name for name in left.keys() | right.keys() if left.get(name) != right.get(name))


@cache
def records() -> dict[str, dict[str, Any]]:
    return expected_records(ORIGIN)


@cache
def raw_records() -> dict[str, dict[str, Any]]:
    folder = DEFAULT_ROOT / "expected" / "articles"
    return {p.stem: json.loads(p.read_text("utf-8")) for p in folder.glob("*.json")}


def test_two_runs_write_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", articles=48, long_body_paragraphs=80)
    generate(tmp_path / "b", articles=48, long_body_paragraphs=80)
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert len(first) > 48
    assert differing(first, second) == []


def test_another_seed_gives_another_site(tmp_path: Path) -> None:
    generate(tmp_path / "a", articles=48, long_body_paragraphs=80)
    generate(tmp_path / "b", seed=7, articles=48, long_body_paragraphs=80)
    assert differing(tree(tmp_path / "a"), tree(tmp_path / "b")) != []


def test_regeneration_removes_stale_files(tmp_path: Path) -> None:
    stale = tmp_path / "site" / "article" / "0000000.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    generate(tmp_path, articles=48, long_body_paragraphs=80)
    assert not stale.exists()


def test_committed_sample_site_is_what_the_generator_writes(tmp_path: Path) -> None:
    generate(tmp_path)
    assert differing(tree(tmp_path), tree(DEFAULT_ROOT)) == [], "run make sample-site"


def test_site_is_big_enough() -> None:
    assert len(SUMMARY["archived_ids"]) >= 200
    assert len(SUMMARY["categories"]) >= 3
    assert any(c["loops_to_first_page"] for c in SUMMARY["categories"])
    assert len(SUMMARY["sitemap_only_ids"]) >= 5


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_is_carried_by_several_pages(variant: str) -> None:
    assert len(SUMMARY["variants"].get(variant, [])) >= 2


def test_one_expected_record_per_archived_id() -> None:
    assert sorted(raw_records()) == SUMMARY["archived_ids"]


def test_republished_copies_have_records_of_their_own() -> None:
    copies = sorted(copy for _, copy in SUMMARY["duplicates"])
    assert sorted(expected_duplicates(ORIGIN)) == copies


def test_duplicate_pairs_share_title_and_body() -> None:
    copies = expected_duplicates(ORIGIN)
    for original, copy in SUMMARY["duplicates"]:
        assert records()[original]["title"] == copies[copy]["title"]
        assert records()[original]["body"] == copies[copy]["body"]


def test_pages_that_are_not_articles_have_no_record() -> None:
    ids = set(SUMMARY["not_article_ids"]) | set(SUMMARY["not_found_ids"])
    assert ids
    assert not ids & set(raw_records())


@pytest.mark.parametrize("article_id", SUMMARY["archived_ids"][::9])
def test_expected_record_keeps_the_contract(article_id: str) -> None:
    record = records()[article_id]
    assert violation(record) is None
    assert list(record) == [
        "type",
        "url",
        "id",
        "title",
        "summary",
        "published",
        "category",
        "body",
        "blocks",
        "related",
    ]


def test_expected_urls_are_canonical() -> None:
    for article_id, record in raw_records().items():
        assert record["url"] == f"{{{{ORIGIN}}}}/page.php?p={article_id}"
        for link in record["related"]:
            assert CANONICAL_ARTICLE.fullmatch(link["url"]), link["url"]


def test_ad_and_sponsored_text_never_reaches_a_record() -> None:
    banned = ("ADVERTISEMENT", "Advertisement", "Sponsored", "CineVault", "Learn more")
    for record in raw_records().values():
        assert not any(word in record["body"] for word in banned), record["id"]


def test_long_body_has_thousands_of_paragraphs() -> None:
    longest = max(len(record["blocks"]) for record in raw_records().values())
    assert longest >= 3000


def test_expected_records_fill_in_the_origin() -> None:
    records = expected_records("https://articles.example/")
    text = json.dumps(records, ensure_ascii=False)
    assert "{{" not in text
    assert all(
        r["url"].startswith("https://articles.example/page.php?p=") for r in records.values()
    )


def test_category_records_list_existing_pages_once_each() -> None:
    served = {p.stem for p in (DEFAULT_ROOT / "site" / "article").glob("*.html")}
    categories = expected_categories(ORIGIN)
    assert [c["name"] for c in categories.values()] == [c["name"] for c in SUMMARY["categories"]]
    for url, record in categories.items():
        assert list(record) == ["type", "name", "url", "articles"]
        assert url == f"{ORIGIN}/category.php?c={record['url'].rsplit('=', 1)[1]}"
        assert len(set(record["articles"])) == len(record["articles"])
        assert {u.rsplit("=", 1)[1] for u in record["articles"]} <= served


def test_sitemap_only_articles_are_linked_from_nowhere_else() -> None:
    hidden = SUMMARY["sitemap_only_ids"]
    for path in (DEFAULT_ROOT / "site").rglob("*.html"):
        data = path.read_bytes()
        for article_id in hidden:
            if path.stem != article_id:
                assert f"p={article_id}".encode() not in data, (path.name, article_id)


def test_legacy_pages_are_stored_in_windows_1252() -> None:
    for article_id in SUMMARY["windows_1252_ids"]:
        data = (DEFAULT_ROOT / "site" / "article" / f"{article_id}.html").read_bytes()
        assert b'<meta charset="windows-1252">' in data
        assert re.search(rb"[\x80-\x9f]", data)


@pytest.mark.parametrize("kind", ["article", "category"])
def test_committed_fixtures_are_what_the_script_writes(tmp_path: Path, kind: str) -> None:
    writer: Callable[[Path], None] = getattr(make_fixtures, f"{kind}_cases")
    writer(tmp_path)
    committed = tree(FIXTURES / kind)
    committed = {name: data for name, data in committed.items() if not name.startswith("specimen")}
    assert differing(tree(tmp_path), committed) == [], "run tests/fixtures/make_fixtures.py"


def test_article_fixtures_are_small_and_keep_the_contract() -> None:
    for folder in sorted((FIXTURES / "article").iterdir()):
        assert (folder / "page.html").stat().st_size < 1_000_000, folder.name
        expected = json.loads((folder / "expected.json").read_text("utf-8"))
        if expected is not None:
            assert violation(expected) is None, folder.name
            assert expected["url"].startswith("https://articles.example/page.php?p=")
