from __future__ import annotations

from pathlib import Path

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
