"""Bytes to tree: decoded as a browser decodes them, parsed once, at bounded depth."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from lxml import etree
from scrapy.http import HtmlResponse

from crawler.extract import extract_article
from crawler.pages import ArticlePage
from crawler.pages.text import text_content
from crawler.pages.tree import (
    MAX_DEPTH,
    Element,
    decode_html,
    flatten_deep,
    parse_bytes,
    parse_html,
    parse_response,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "article"
PAGES = sorted(FIXTURES.glob("*/page.html"))
UTF16_DECLARED = FIXTURES / "utf8-declared-utf16"
SPECIMEN = FIXTURES / "specimen"


@cache
def fixture(folder: Path) -> tuple[bytes, str, object]:
    url = (folder / "url.txt").read_text(encoding="utf-8").strip()
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return (folder / "page.html").read_bytes(), url, expected


def serialized(root: Element) -> bytes:
    return etree.tostring(root, encoding="utf-8")


def depth(root: Element) -> int:
    """Levels below ``root`` (walked without recursion, as deep trees are the point)."""
    deepest, level, walker = 0, 0, etree.iterwalk(root, events=("start", "end"))
    for event, _element in walker:
        level += 1 if event == "start" else -1
        deepest = max(deepest, level)
    return deepest


def nested(levels: int, tag: str = "div") -> str:
    return (
        "<html><body><p>Before the frames.</p>"
        + f"<{tag}>" * levels
        + "The innermost frame."
        + f"</{tag}>" * levels
        + "<p>After the frames.</p></body></html>"
    )


# --- a <meta> declaring UTF-16 on a UTF-8 page ---------------------------------------------------


@pytest.mark.parametrize("label", ["utf-16", "UTF-16", "utf-16le", "utf-16be", "utf16"])
@pytest.mark.parametrize(
    "markup",
    ['<meta charset="{}">', '<meta http-equiv="Content-Type" content="text/html; charset={}">'],
)
def test_a_meta_declaring_utf16_is_read_as_utf8(label: str, markup: str) -> None:
    page = markup.format(label) + "<p>Café — 日本語"
    assert decode_html(page.encode("utf-8")) == page


def test_a_utf16_page_with_a_byte_order_mark_is_still_utf16() -> None:
    page = '<meta charset="utf-16"><p>Café — 日本語'
    assert decode_html(page.encode("utf-16")) == page


def test_an_http_charset_still_wins_over_a_meta_declaring_utf16() -> None:
    page = '<meta charset="utf-16"><p>Caf\xe9'
    assert decode_html(page.encode("cp1252"), "text/html; charset=windows-1252") == page


def test_the_utf16_declared_fixture_extracts_its_record() -> None:
    body, url, expected = fixture(UTF16_DECLARED)
    assert extract_article(body, url) == expected


@pytest.mark.parametrize("case", ["utf8-declared-utf16", "windows-1252", "entities-non-latin"])
def test_a_response_decodes_as_saved_bytes_do(case: str) -> None:
    """Scrapy's own encoding detection, with the same UTF-16 rule."""
    body, url, expected = fixture(FIXTURES / case)
    response = HtmlResponse(url=url, body=body)
    assert ArticlePage.from_response(response).to_item().to_record() == expected


# --- one parse: the page's own bytes stand in for its re-encoded text ----------------------------


@pytest.mark.parametrize("page", PAGES, ids=[page.parent.name for page in PAGES])
def test_parsing_bytes_builds_the_tree_of_the_decoded_text(page: Path) -> None:
    body = page.read_bytes()
    assert serialized(parse_bytes(body)) == serialized(parse_html(decode_html(body)))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda body: body.replace(b"<p>", b"<p>\xff\xfe", 1), id="invalid-utf8"),
        pytest.param(lambda body: body.replace(b"<p>", b"<p>\xed\xa0\x80", 1), id="surrogate"),
        pytest.param(lambda body: body.replace(b"<p>", b"<p>a\x00b", 1), id="nul"),
        pytest.param(lambda body: b"\xef\xbb\xbf" + body, id="bom"),
        pytest.param(lambda body: b"\x1c\n" + body + b"\x1f", id="ascii-separators"),
        pytest.param(lambda body: "\u3000".encode() + body + "\xa0".encode(), id="unicode-space"),
        pytest.param(lambda body: body[: len(body) // 2] + b"\xe2\x80", id="cut-in-a-character"),
        pytest.param(lambda body: b"  \n ", id="blank"),
    ],
)
def test_bytes_that_are_not_the_texts_utf8_are_parsed_from_the_text(change: object) -> None:
    assert callable(change)
    body = change(fixture(SPECIMEN)[0])
    assert serialized(parse_bytes(body)) == serialized(parse_html(decode_html(body)))


@pytest.mark.parametrize("case", ["specimen", "windows-1252", "utf8-declared-utf16"])
def test_a_response_builds_the_tree_of_its_text(case: str) -> None:
    body, url, _ = fixture(FIXTURES / case)
    response = HtmlResponse(url=url, body=body)
    text = decode_html(body) if case == "utf8-declared-utf16" else response.text
    assert serialized(parse_response(response)) == serialized(parse_html(text))


# --- depth ----------------------------------------------------------------------------------------


def test_a_page_nested_past_libxml2s_limit_keeps_all_its_text() -> None:
    """100,000 nested divs: libxml2 alone stops at 2,048 levels and drops the rest."""
    root = parse_html(nested(100_000))
    body = root.find("body")
    assert body is not None
    assert text_content(body) == "Before the frames.The innermost frame.After the frames."
    assert depth(root) <= MAX_DEPTH + 1


def test_nesting_libxml2_keeps_is_kept_as_it_is() -> None:
    root = parse_html(nested(1_500))
    assert depth(root) == 1_500 + 2  # body, and the divs under it


def test_unclosed_paragraphs_in_a_deep_page_are_not_taken_for_nesting() -> None:
    """The estimate closes what the parser closes: thousands of unclosed ``<p>`` beside the
    deep nesting stay paragraphs."""
    page = nested(5_000).replace("<body>", "<body>" + "<p>Unclosed." * 3_000)
    body = parse_html(page).find("body")
    assert body is not None
    assert len(body.findall("p")) == 3_000 + 2


def test_an_article_nested_past_the_limit_keeps_the_blocks_after_the_nesting() -> None:
    body, url, _ = fixture(SPECIMEN)
    deep = b"<div>" * 100_000 + b"Inside." + b"</div>" * 100_000
    page = body.replace(b'<div class="post-body">', b'<div class="post-body">' + deep, 1)
    record = extract_article(page, url)
    assert record is not None
    texts = [block["text"] for block in record["blocks"]]
    assert texts[0] == "Inside."
    assert texts[-1].startswith("Ultimately, the global reach of South Korean cinema")


def test_flattening_drops_only_the_tags_past_the_limit() -> None:
    assert flatten_deep("<div><span>a</span><div>b<div>c</div>d</div></div>e", 2) == (
        "<div><span>a</span><div>bcd</div></div>e"
    )


def test_flattening_reads_no_tag_in_comments_scripts_or_attribute_values() -> None:
    text = '<div title="<div>"><!-- <div> --><script>"<div>"</script>a<div>b</div></div>'
    assert flatten_deep(text, 1) == (
        '<div title="<div>"><!-- <div> --><script>"<div>"</script>ab</div>'
    )


@pytest.mark.parametrize("page", PAGES[:20], ids=[page.parent.name for page in PAGES[:20]])
def test_flattening_a_shallow_page_changes_nothing(page: Path) -> None:
    text = decode_html(page.read_bytes())
    assert flatten_deep(text) == text
    assert flatten_deep(text, strict=True) == text
