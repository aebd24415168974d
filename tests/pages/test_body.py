from __future__ import annotations

from pathlib import Path

import pytest
from parsel import Selector

from crawler.items import Block
from crawler.pages.body import body_blocks

HTML = (Path(__file__).parent / "html" / "body-shapes.html").read_text(encoding="utf-8")


def blocks(body_id: str) -> list[Block]:
    return body_blocks(Selector(text=HTML).css(f"#{body_id}")[0].root)


def test_blocks_in_page_order_without_ads_or_non_text() -> None:
    assert blocks("loose") == [
        Block("paragraph", "Intro without a paragraph tag."),
        Block("paragraph", "First linkedword."),
        Block("paragraph", "One"),
        Block("paragraph", "Two bold"),
        Block("paragraph", "After the list, loose again."),
        Block("heading", "Sub heading"),
        Block("paragraph", "Wrapped paragraph."),
        Block("paragraph", "Text with noise."),
    ]


def test_ads_nested_in_ads_are_dropped_once() -> None:
    assert blocks("nested-ad") == [Block("paragraph", "Only this.")]


def test_page_furniture_inside_the_body_is_not_text() -> None:
    assert blocks("furniture") == [Block("paragraph", "Kept.")]


@pytest.mark.parametrize(
    "body_id",
    [
        "labelled-box",
        "labelled-aside",
        "labelled-sponsored",
        "labelled-own-text",
        "labelled-after-script",
    ],
)
def test_a_container_opening_with_an_ad_label_is_dropped_whole(body_id: str) -> None:
    assert blocks(body_id) == [Block("paragraph", "Before."), Block("paragraph", "After.")]


def test_a_container_opening_with_prose_about_ads_is_kept() -> None:
    assert blocks("wrapper-kept") == [
        Block("paragraph", "Advertisement revenue fell, the essay says."),
        Block("paragraph", "Kept too."),
    ]


@pytest.mark.parametrize(
    "body_id", ["renamed-nav", "renamed-date-line", "renamed-share-list", "renamed-related"]
)
def test_furniture_with_renamed_classes_is_not_text(body_id: str) -> None:
    assert blocks(body_id) == [Block("paragraph", "Before."), Block("paragraph", "After.")]


def test_a_list_with_an_editors_mailto_link_is_content() -> None:
    assert blocks("list-with-mailto-kept") == [
        Block("paragraph", "A list item."),
        Block("paragraph", "Write to the editor"),
    ]
