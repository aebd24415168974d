from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parsel import Selector

from crawler.pages.text import normalize_space, text_content
from crawler.pages.tree import parse_html


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


def test_nesting_deeper_than_libxml2_keeps_is_read_with_its_text() -> None:
    # libxml2 stops building the tree at 2,048 levels; the page is read again flattened.
    root = parse_html("<div id=r>" + "<span>" * 100_000 + "deep" + "</span>" * 100_000 + "</div>")
    found = root.find(".//div")
    assert found is not None
    assert text_content(found) == "deep"


def test_normalize_space() -> None:
    assert normalize_space(" a \n\t b ") == "a b"


def test_no_whitespace_but_the_space_is_printable() -> None:
    """What normalize_space's shortcut rests on: a printable string splits on " " alone."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert not (char.isspace() and char != " " and char.isprintable()), hex(code)


@given(st.text(st.sampled_from([" ", "\t", "\n", "\xa0", "\u2003", "\x1c", "a", "é", "日"])))
def test_normalize_space_is_splitting_and_joining(text: str) -> None:
    assert normalize_space(text) == " ".join(text.split())


@given(st.text())
def test_normalize_space_is_splitting_and_joining_any_text(text: str) -> None:
    assert normalize_space(text) == " ".join(text.split())
