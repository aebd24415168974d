"""Saved or fetched bytes to one lxml tree: decoding as a browser would, one parse, bounded depth.

Page objects read a plain ``lxml.etree`` tree: no parsel ``Selector`` (its wrapper objects and
CSS translation cost more than the reads themselves) and no ``lxml.html`` element classes (their
Python class lookup runs for every element a walk touches). The parse itself is parsel's: the
text stripped, NUL characters dropped, UTF-8 into libxml2's HTML parser with ``recover`` and
``huge_tree``; so the tree is the one ``response.selector`` held.

Depth. libxml2 stops building the tree at 2,048 levels even with ``huge_tree`` (256 without),
and drops everything after that point: a page of 100,000 nested ``div`` lost its last
paragraphs. A page it stops on is read again with the tags nested deeper than
:data:`MAX_DEPTH` removed, their text kept where it was (``textContent`` adds nothing for a
tag), so no text is lost and no tree is deeper than that. The walkers over the tree
(``text.py``, ``body.py``, ``layout.py``) never recurse either, so depth costs no stack.
"""

from __future__ import annotations

import codecs
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from lxml import etree
from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
)

if TYPE_CHECKING:
    from scrapy.http import TextResponse

Element = etree._Element

#: Nesting kept when a page is too deep for libxml2: tags past this many levels are dropped
#: (their text stays). Real article pages nest a few dozen levels; 512 leaves libxml2's own
#: 2,048 far enough away that the estimate below (which cannot know every implied end tag)
#: never reaches it, and keeps the re-read fast (libxml2's cost grows with depth squared).
MAX_DEPTH: Final = 512

#: Codec names ``<meta charset>`` may resolve to that the HTML standard reads as UTF-8: a
#: declaration found by scanning the bytes as ASCII proves the page is not UTF-16 ("get an
#: encoding" turns a declared UTF-16BE/LE into UTF-8, and so do browsers).
UTF16_CODECS: Final = frozenset({"utf-16", "utf-16-be", "utf-16-le"})

_local = threading.local()


def _parser() -> etree.HTMLParser:
    """One parser per thread: a parser is reusable but not shareable between threads."""
    parser: etree.HTMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
        _local.parser = parser
    return parser


# --- decoding ---------------------------------------------------------------------------------


def _declares_utf16(body: bytes, content_type: str | None) -> bool:
    """True when the page's encoding comes from its own ``<meta>`` and that names UTF-16: no
    byte order mark, no charset in the HTTP header."""
    return (
        read_bom(body)[0] is None
        and http_content_type_encoding(content_type) is None
        and html_body_declared_encoding(body) in UTF16_CODECS
    )


def _as_utf8(body: bytes) -> tuple[str, str]:
    return html_to_unicode("charset=utf-8", body)


def decode_page(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """The encoding ``body`` is read in, and its text (:func:`decode_html`)."""
    encoding, text = html_to_unicode(content_type, body)
    # Only a UTF-16 result needs the second look, so other pages scan for <meta> once.
    if encoding in UTF16_CODECS and _declares_utf16(body, content_type):
        return _as_utf8(body)
    return encoding, text


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """``body`` decoded as a browser would: byte order mark, then the HTTP charset, then
    ``<meta charset>`` (UTF-16 read as UTF-8), else UTF-8; undecodable bytes become U+FFFD.

    >>> decode_html('<meta charset="utf-16"><p>café'.encode())
    '<meta charset="utf-16"><p>café'
    >>> decode_html(b'<meta charset="windows-1252"><p>caf\\xe9')
    '<meta charset="windows-1252"><p>café'
    """
    return decode_page(body, content_type)[1]


def _response_decoded(response: TextResponse) -> tuple[str, str]:
    """The response's encoding and text as Scrapy decodes them (its own encoding detection),
    but for a page whose ``<meta>`` declares UTF-16, read as UTF-8 as in :func:`decode_html`."""
    if response.encoding in UTF16_CODECS:
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if _declares_utf16(response.body, content_type):
            return _as_utf8(response.body)
    return response.encoding, response.text


# --- parsing ----------------------------------------------------------------------------------

_ENCODING_ERRORS: Final = frozenset(
    {etree.ErrorTypes.ERR_INVALID_CHAR, etree.ErrorTypes.ERR_INVALID_ENCODING}
)


def _parse_bytes(data: bytes) -> tuple[Element, bool, bool]:
    """The root of ``data`` (UTF-8); whether libxml2 stopped at its depth limit; whether it
    met bytes that are not UTF-8."""
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:  # nothing a recovering parser can build on: an empty page
        root = None
    too_deep = bad_bytes = False
    for error in parser.error_log:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT and "depth" in error.message:
            too_deep = True
        elif error.type in _ENCODING_ERRORS:
            bad_bytes = True
    if root is None:
        root = etree.fromstring(b"<html/>", parser)
    return root, too_deep, bad_bytes


def parse_html(text: str) -> Element:
    """The root element of the page ``text``, at most :data:`MAX_DEPTH` levels of the page's
    own nesting deeper than libxml2 keeps (see the module docstring)."""
    # As parsel prepares text: libxml2 stops at a NUL, and a blank page is an empty document.
    cleaned = text.strip().replace("\x00", "")
    root, too_deep, _ = _parse_bytes(cleaned.encode("utf-8") or b"<html/>")
    for strict in (False, True):
        if not too_deep:
            break
        flat = flatten_deep(cleaned, MAX_DEPTH, strict).encode("utf-8")
        root, too_deep, _ = _parse_bytes(flat)
    # Still too deep after the strict estimate: keep what libxml2 built (bounded all the same).
    return root


@lru_cache(maxsize=64)
def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def _encoding_of(body: bytes, content_type: str | None) -> str:
    """The encoding :func:`decode_html` reads ``body`` in, found without decoding it:
    ``html_to_unicode``'s own steps (byte order mark, HTTP charset, ``<meta>``, UTF-8) with
    the UTF-16 rule."""
    bom_encoding, _ = read_bom(body)
    if bom_encoding is not None:
        return bom_encoding
    encoding = http_content_type_encoding(content_type)
    if encoding is None:
        encoding = html_body_declared_encoding(body)
        if encoding in UTF16_CODECS:
            return "utf-8"
    return encoding or "utf-8"


#: The ASCII characters ``str.strip`` strips (``bytes.strip`` leaves out the last four).
_ASCII_SPACE: Final = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _utf8_source(body: bytes, encoding: str) -> bytes | None:
    """The bytes :func:`parse_html` would hand libxml2 for ``body`` decoded as ``encoding``,
    taken from ``body`` itself: when it is read as UTF-8, has no byte order mark and no NUL,
    and the whitespace stripped from its ends is ASCII. (libxml2 reports invalid UTF-8, which
    the decoded text would hold as U+FFFD: the caller then parses the text.) Decoding and
    encoding back a page that is not ASCII costs a sixth of parsing it. ``None`` when the
    bytes cannot stand in for the text."""
    if not _is_utf8(encoding) or read_bom(body)[0] is not None or b"\x00" in body:
        return None
    source = body.strip(_ASCII_SPACE)
    # A byte from 0x80 at either end may start or end a non-ASCII space str.strip removes.
    if source[:1] >= b"\x80" or source[-1:] >= b"\x80":
        return None
    return source or b"<html/>"


def _parse_encoded(body: bytes, encoding: str, text: Callable[[], str]) -> Element:
    """The tree of ``body`` read as ``encoding``: from the bytes themselves where they are
    the text's UTF-8, else from ``text()``."""
    source = _utf8_source(body, encoding)
    if source is not None:
        root, too_deep, bad_bytes = _parse_bytes(source)
        # Invalid UTF-8 (which the text holds as U+FFFD) or a page too deep: from the text.
        if not (too_deep or bad_bytes):
            return root
    return parse_html(text())


def parse_bytes(body: bytes, content_type: str | None = None) -> Element:
    """The tree of saved bytes, decoded by :func:`decode_html`."""
    return _parse_encoded(
        body, _encoding_of(body, content_type), lambda: decode_html(body, content_type)
    )


def parse_response(response: TextResponse) -> Element:
    """The tree of a Scrapy response, decoded as Scrapy does (but for ``<meta>`` UTF-16)."""
    encoding, text = _response_decoded(response)
    return _parse_encoded(response.body, encoding, lambda: text)


# --- flattening pages nested past libxml2's limit -----------------------------------------------

#: Elements never opened: void elements, which take no end tag.
_VOID: Final = frozenset(
    {
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
        "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip
#: Start tags that close an open ``p`` first (HTML's "close a p element").
_CLOSES_P: Final = frozenset(
    {
        "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section",
        "table", "ul",
    }
)  # fmt: skip
#: Start tags that close an open element of the same family (list items, table cells...).
_CLOSES_SIBLING: Final[dict[str, frozenset[str]]] = {
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "option": frozenset({"option"}),
    "tr": frozenset({"tr", "td", "th"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
}
#: Tags of a page that matter to nesting. Comments and raw-text elements (scripts, styles...)
#: are matched whole, so that a tag inside them is not taken for one; so are quoted attribute
#: values. Quoted values are bounded, unquoted attributes end at the next ``<`` and nothing
#: backtracks (possessive repeats), so an unclosed quote cannot make the scan quadratic.
_TAG: Final = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(?P<raw>script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)"
    r"(?=[\s/>])[^<>]*>.*?(?:</(?P=raw)\s*>|\Z)"
    r"|</(?P<end>[A-Za-z][^\s/<>]*)[^<>]*>"
    r"|<(?P<start>[A-Za-z][^\s/<>]*)(?:\"[^\"]{0,4096}+\"|'[^']{0,4096}+'|[^'\"<>])*+>",
    re.IGNORECASE | re.DOTALL,
)


class _Nesting:
    """An estimate of the open elements while scanning a page, capped at ``limit`` levels;
    start tags past the cap are dropped, and so are their end tags."""

    def __init__(self, limit: int, strict: bool) -> None:
        self._limit = limit
        #: Strict: never assume an element closed without its end tag (unclosed ``p``,
        #: ``li``), so the estimate is never below libxml2's depth.
        self._strict = strict
        self._open: list[str] = []
        self._open_count: dict[str, int] = {}
        self._dropped: dict[str, int] = {}

    def start(self, name: str, self_closing: bool) -> bool:
        """Whether the start tag ``name`` is kept."""
        if name in _VOID or (self_closing and not self._strict):
            return True
        if not self._strict:
            self._close_implied(name)
        if len(self._open) >= self._limit:
            self._dropped[name] = self._dropped.get(name, 0) + 1
            return False
        self._open.append(name)
        self._open_count[name] = self._open_count.get(name, 0) + 1
        return True

    def end(self, name: str) -> bool:
        """Whether the end tag ``name`` is kept: the end tag of a dropped element is not."""
        if self._dropped.get(name):
            self._dropped[name] -= 1
            return False
        if self._strict:
            if self._open and self._open[-1] == name:
                self._pop()
        elif self._open_count.get(name):
            while self._pop() != name:
                pass
        return True

    def _close_implied(self, name: str) -> None:
        if name in _CLOSES_P and self._open and self._open[-1] == "p":
            self._pop()
        family = _CLOSES_SIBLING.get(name)
        while family is not None and self._open and self._open[-1] in family:
            self._pop()

    def _pop(self) -> str:
        name = self._open.pop()
        self._open_count[name] -= 1
        return name


def flatten_deep(text: str, limit: int = MAX_DEPTH, strict: bool = False) -> str:
    """``text`` without the start and end tags nested more than ``limit`` levels deep; all
    text, comments and shallower markup are kept byte for byte.

    >>> flatten_deep("<div><div><div>deep</div></div></div><p>after</p>", 2)
    '<div><div>deep</div></div><p>after</p>'
    """
    nesting = _Nesting(limit, strict)
    kept: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        if (name := match["start"]) is not None:
            keep = nesting.start(name.lower(), match[0].endswith("/>"))
        elif (name := match["end"]) is not None:
            keep = nesting.end(name.lower())
        else:
            keep = True  # a comment or a raw-text element, kept whole
        if not keep:
            kept.append(text[position : match.start()])
            position = match.end()
    kept.append(text[position:])
    return "".join(kept)
