from __future__ import annotations

import hashlib
import json
from pathlib import Path

from crawler.archive.categories import (
    CATEGORIES_FILE,
    first_page_url,
    merge_category_pages,
    write_categories,
)
from crawler.items import Category
from crawler.schema import SCHEMA_VERSION
from tests.factories import article_url, category_url, make_category_page


def test_first_page_url_drops_the_page_number() -> None:
    assert first_page_url(category_url("film-history", 4)) == category_url("film-history")


def test_pages_merge_in_page_order_whatever_the_arrival_order() -> None:
    pages = [
        make_category_page(page=3, articles=(5,)),
        make_category_page(page=1, articles=(1, 2)),
        make_category_page(page=2, articles=(3, 4)),
    ]
    [category] = merge_category_pages(pages)
    assert category.url == category_url("national-cinemas")
    assert category.articles == [article_url(n) for n in (1, 2, 3, 4, 5)]


def test_an_article_listed_twice_keeps_its_first_position() -> None:
    pages = [make_category_page(page=2, articles=(1, 3)), make_category_page(articles=(2, 1))]
    [category] = merge_category_pages(pages)
    assert category.articles == [article_url(n) for n in (2, 1, 3)]


def test_name_comes_from_the_first_page() -> None:
    pages = [make_category_page(page=2, name="Later name"), make_category_page(name="First")]
    assert merge_category_pages(pages)[0].name == "First"


def test_categories_are_sorted_by_url() -> None:
    pages = [make_category_page("zeta"), make_category_page("alpha"), make_category_page("mid")]
    assert [c.url for c in merge_category_pages(pages)] == [
        category_url(slug) for slug in ("alpha", "mid", "zeta")
    ]


def test_write_categories_describes_the_file(tmp_path: Path) -> None:
    categories = [Category(name="Кино", url=category_url("kino"), articles=[article_url(1)])]
    info = write_categories(tmp_path, categories)

    data = (tmp_path / CATEGORIES_FILE).read_bytes()
    assert info.name == CATEGORIES_FILE
    assert info.records == 1
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert json.loads(data) == {
        "type": "category",
        "name": "Кино",
        "url": category_url("kino"),
        "articles": [article_url(1)],
        "schema_version": SCHEMA_VERSION,
    }
    assert "Кино".encode() in data


def test_no_categories_still_writes_an_empty_file(tmp_path: Path) -> None:
    info = write_categories(tmp_path, [])
    assert (tmp_path / CATEGORIES_FILE).read_bytes() == b""
    assert info.records == 0
