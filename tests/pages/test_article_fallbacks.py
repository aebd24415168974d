"""Fields read from their second-best source when the first is missing."""

from __future__ import annotations

from pathlib import Path

from crawler.pages import ArticlePage

HTML = Path(__file__).parent / "html"
URL = "https://articles.example/page.php?p=0500001"


def page(name: str) -> ArticlePage:
    return ArticlePage.from_bytes((HTML / name).read_bytes(), URL)


def test_category_is_the_second_breadcrumb_without_its_class() -> None:
    assert page("category-fallbacks.html").category() == "Film history"


def test_date_from_time_text_without_datetime() -> None:
    assert page("category-fallbacks.html").published() == "2025-03-03"
