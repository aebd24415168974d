"""Fields read from their second-best source when the first is missing.

The ``redesign-*`` pages print the article with every class renamed to names the extractor
has never seen, so each field comes from the page's structure or its head.
"""

from __future__ import annotations

from pathlib import Path

from crawler.items import Block, RelatedLink
from crawler.pages import ArticlePage

HTML = Path(__file__).parent / "html"
URL = "https://articles.example/page.php?p=0500001"


def page(name: str) -> ArticlePage:
    return ArticlePage.from_bytes((HTML / name).read_bytes(), URL)


def test_category_is_the_second_breadcrumb_without_its_class() -> None:
    assert page("category-fallbacks.html").category() == "Film history"


def test_date_from_time_text_without_datetime() -> None:
    assert page("category-fallbacks.html").published() == "2025-03-03"


# --- title -----------------------------------------------------------------------------------


def test_title_is_the_articles_h1_without_its_class() -> None:
    assert page("redesign-article.html").title() == "A redesigned title."


def test_title_is_the_json_ld_headline_without_an_h1() -> None:
    assert page("redesign-head-only.html").title() == "Title from JSON-LD."


def test_title_is_og_title_without_an_h1_or_json_ld() -> None:
    assert page("redesign-og-only.html").title() == "Title from OpenGraph."


# --- summary ---------------------------------------------------------------------------------


def test_summary_is_the_paragraph_right_after_the_h1_past_a_script() -> None:
    assert page("redesign-article.html").summary() == "The dek, printed on the page."


def test_a_date_line_right_after_the_h1_is_not_a_dek() -> None:
    assert page("redesign-no-dek.html").summary() == "The head's description."


def test_an_ad_right_after_the_h1_is_not_a_dek() -> None:
    assert page("redesign-ad-after-title.html").summary() == "The head's description."


def test_a_dek_that_mentions_a_date_is_still_the_dek() -> None:
    assert page("redesign-dated-dek.html").summary() == (
        "What happened on June 5, 1968, and after: a dek whose prose holds a date."
    )


# --- published -------------------------------------------------------------------------------


def test_date_from_the_time_in_the_line_after_the_dek_before_the_head() -> None:
    assert page("redesign-article.html").published() == "2025-03-03"


def test_date_from_a_date_line_without_time() -> None:
    assert page("redesign-no-dek.html").published() == "2025-01-30"


def test_a_date_in_the_deks_prose_is_not_the_date() -> None:
    assert page("redesign-dated-dek.html").published() == "2025-04-04"


# --- category --------------------------------------------------------------------------------


def test_category_is_the_second_link_of_the_articles_nav() -> None:
    assert page("redesign-article.html").category() == "Film history"


def test_category_is_article_section_when_the_nav_has_one_link() -> None:
    assert page("redesign-no-dek.html").category() == "Section from meta"


def test_category_is_the_json_ld_section_without_nav_or_meta() -> None:
    assert page("redesign-head-only.html").category() == "Section from JSON-LD"


# --- body ------------------------------------------------------------------------------------


def test_body_is_the_container_of_the_paragraphs_without_ads_or_furniture() -> None:
    assert page("redesign-article.html").blocks() == [
        Block("paragraph", "First paragraph."),
        Block("heading", "A heading"),
        Block("paragraph", "Second paragraph."),
        Block("paragraph", "Third paragraph."),
    ]


def test_body_is_the_json_ld_article_body_without_a_container() -> None:
    assert page("redesign-head-only.html").blocks() == [
        Block("paragraph", "First line of the body."),
        Block("paragraph", "Second line."),
        Block("paragraph", "Third line."),
    ]


# --- related ---------------------------------------------------------------------------------


def test_related_cards_are_the_items_of_the_related_articles_section() -> None:
    assert page("redesign-article.html").related() == [
        RelatedLink(
            url="https://articles.example/page.php?p=0500002",
            category="Documentary",
            summary="First teaser.",
            published="2025-02-01",
        ),
        RelatedLink(
            url="https://articles.example/page.php?p=0500003",
            category="Film history",
            summary="Second teaser.",
            published="2025-03-02",
        ),
    ]


def test_a_related_articles_heading_inside_the_body_is_not_the_related_list() -> None:
    assert page("redesign-related-in-body.html").related() == []
