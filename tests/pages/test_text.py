from __future__ import annotations

import pytest
from parsel import Selector

from crawler.pages.text import normalize_space, text_content


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>a<em>b</em>c</p>", "abc"),
        ("<p>a <em> b </em> c</p>", "a b c"),
        ("<p>a<!-- hidden -->b</p>", "ab"),
        ("<p>a<script>x()</script>b</p>", "ab"),
        ("<p>caf&eacute; &amp; &#8212; &#x2019;</p>", "café & — ’"),
        ("<p>non&nbsp;breaking</p>", "non breaking"),
        ("<p>Ελληνικά 日本語 русский</p>", "Ελληνικά 日本語 русский"),
    ],
)
def test_text_content_is_normalised_textcontent(html: str, expected: str) -> None:
    assert text_content(Selector(text=html).css("p")[0].root) == expected


def nested(depth: int) -> Selector:
    return Selector(text="<div id=r>" + "<span>" * depth + "deep" + "</span>" * depth + "</div>")


def test_deep_nesting_is_read_without_recursion() -> None:
    # 2,000 levels is past Python's default recursion limit but within what lxml keeps.
    assert text_content(nested(2000).css("#r")[0].root) == "deep"


def test_nesting_deeper_than_the_parser_keeps_yields_no_text_and_no_error() -> None:
    # libxml2 stops building the tree at its depth limit: the text is lost, nothing raises.
    assert text_content(nested(100_000).css("#r")[0].root) == ""


def test_normalize_space() -> None:
    assert normalize_space(" a \n\t b ") == "a b"
