"""Mutations of saved article pages, and the invariants every extracted record must keep.

Each mutation is a plain function of explicit choices (which element, which child, which ad
shape, which byte offset), so two drivers share it: the hypothesis strategies at the bottom of
this module (``tests/fuzz/test_extract_properties.py``) and the atheris harness
(``fuzz/fuzz_extract.py``), which draws the same choices from libFuzzer's bytes.

Tree mutations work on the lxml tree of a seed page and serialise it back in the page's own
encoding, so a mutated page differs from its seed only by the mutation. Injected ads and
non-text elements (scripts, styles...) carry marker text (:data:`AD_MARKER`,
:data:`HIDDEN_MARKER`) in their labels, promotional copy and attributes: a record that contains
a marker leaked text that SITE.md says never reaches a record.
"""

from __future__ import annotations

import codecs
import copy
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import lxml.html
from hypothesis import strategies as st
from lxml import etree
from lxml.html import HtmlElement

from crawler.contract import violation
from crawler.pages.tree import decode_page

# --- seed pages ----------------------------------------------------------------------------

REPO: Final = Path(__file__).resolve().parents[2]
FIXTURES: Final = REPO / "tests" / "fixtures" / "article"
#: CI has ../shared beside the clone; used only while tests/fixtures/article/specimen is absent.
SHARED_SPECIMEN: Final = REPO.parent / "shared" / "site" / "specimen" / "article-0211227.html"
SPECIMEN_URL: Final = "https://articles.example/page.php?p=0211227"
#: Larger fixtures (the thousands-of-paragraphs page) would make each example slow; the fixture
#: test already reads them whole.
MAX_SEED_BYTES: Final = 256_000


@dataclass(frozen=True, slots=True)
class Seed:
    """A saved page and the URL it was fetched from."""

    name: str
    body: bytes = field(repr=False)
    url: str


def load_seeds(max_bytes: int = MAX_SEED_BYTES) -> tuple[Seed, ...]:
    """Every fixture page under ``tests/fixtures/article`` no larger than ``max_bytes``, and the
    specimen (from the fixtures, else from ``../shared``), in name order."""
    seeds: dict[str, Seed] = {}
    if FIXTURES.is_dir():
        for folder in sorted(FIXTURES.iterdir()):
            page, url = folder / "page.html", folder / "url.txt"
            if page.is_file() and url.is_file() and page.stat().st_size <= max_bytes:
                seeds[folder.name] = Seed(
                    folder.name, page.read_bytes(), url.read_text(encoding="utf-8").strip()
                )
    if "specimen" not in seeds and SHARED_SPECIMEN.is_file():
        seeds["specimen"] = Seed("specimen", SHARED_SPECIMEN.read_bytes(), SPECIMEN_URL)
    return tuple(seeds[name] for name in sorted(seeds))


# --- parsing and serialising ---------------------------------------------------------------

#: What parsel does with a decoded page: UTF-8 bytes into lxml's HTML parser.
_PARSER: Final = lxml.html.HTMLParser(encoding="utf-8")
_BOMS: Final[Mapping[str, bytes]] = {
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
}


@dataclass(slots=True)
class Document:
    """A seed's tree being mutated, the codec to write it back with, and what was done."""

    root: HtmlElement
    codec: str
    bom: bool
    steps: list[str] = field(default_factory=list)
    injected: int = 0

    def marker(self, prefix: str) -> str:
        self.injected += 1
        return f"{prefix}x{self.injected}"


def parse(body: bytes) -> Document:
    """The page as a browser decodes it (BOM, ``<meta charset>``, else UTF-8), with the
    extractor's own decoding."""
    codec, text = decode_page(body)
    root = etree.fromstring(text.encode("utf-8"), _PARSER)
    if not isinstance(root, HtmlElement):
        raise ValueError("not an HTML page")
    bom = any(body.startswith(mark) for mark in _BOMS.values())
    return Document(root, _python_codec(codec), bom)


@cache
def parsed(seed: Seed) -> Document:
    """The seed's parsed document; callers mutate a :func:`fresh` copy."""
    return parse(seed.body)


def fresh(seed: Seed) -> Document:
    base = parsed(seed)
    return Document(copy.deepcopy(base.root), base.codec, base.bom, [f"seed {seed.name}"])


def _python_codec(name: str) -> str:
    return codecs.lookup(name).name


#: Attributes libxml2's HTML serialiser rewrites (URI-escaped, leading blanks dropped):
#: ``"  /page.php?p=1 \n"`` would come out as ``"/page.php?p=1%20%0A"``. :func:`to_text`
#: writes them itself so a round trip keeps every href byte for byte.
_URI_ATTRIBUTES: Final = ("href", "src", "action", "name")
_URI_TOKEN: Final = re.compile(r"zzuri(\d+)zz")


def to_text(doc: Document) -> str:
    """The tree as HTML text, attribute values exactly as they are in the tree."""
    saved: list[tuple[etree._Element, str, str]] = []
    for element in doc.root.iter():
        for name in _URI_ATTRIBUTES if isinstance(element.tag, str) else ():
            value = element.get(name)
            if value is not None:
                element.set(name, f"zzuri{len(saved)}zz")
                saved.append((element, name, value))
    text = str(
        lxml.html.tostring(doc.root, encoding="unicode", method="html", doctype="<!DOCTYPE html>")
    )
    for element, name, value in saved:
        element.set(name, value)
    return _URI_TOKEN.sub(lambda match: html.escape(saved[int(match[1])][2]), text)


def serialize(doc: Document) -> bytes:
    """The tree as bytes in the document's codec; characters the codec cannot hold become
    character references (JSON ``\\u`` escapes inside scripts, where references are not
    decoded)."""
    _escape_scripts(doc.root, doc.codec)
    data = to_text(doc).encode(doc.codec, errors="xmlcharrefreplace")
    return (_BOMS.get(doc.codec, b"") if doc.bom else b"") + data


def _escape_scripts(root: HtmlElement, codec: str) -> None:
    encoder = codecs.getencoder(codec)

    def fits(char: str) -> bool:
        try:
            encoder(char)
        except UnicodeEncodeError:
            return False
        return True

    def escape(char: str) -> str:
        if fits(char):
            return char
        data = char.encode("utf-16-be", errors="surrogatepass")
        return "".join(f"\\u{data[i] << 8 | data[i + 1]:04x}" for i in range(0, len(data), 2))

    for script in root.iter("script"):
        if script.text and not script.text.isascii():
            script.text = "".join(escape(char) for char in script.text)


# --- tree mutations ------------------------------------------------------------------------

#: Elements whose content is raw text, or that have no content: nothing is inserted into them.
_NO_CHILDREN: Final = frozenset(
    {
        "script", "style", "title", "textarea", "xmp", "iframe", "noscript", "template",
        "noembed", "noframes", "plaintext", "area", "base", "br", "col", "embed", "hr", "img",
        "input", "link", "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip
#: Where a block-level ad can stand: between blocks, not inside a line of text.
_BLOCK_CONTAINERS: Final = frozenset(
    {"body", "main", "article", "section", "aside", "header", "footer", "nav", "div", "ul", "ol"}
)
_POST_BODY: Final = etree.XPath(
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' post-body ')]"
)
#: Attributes an ``attr`` mutation may rewrite: links, dates, metadata, charset. Never
#: ``class`` or ``id``, which make an ad an ad.
MUTABLE_ATTRIBUTES: Final = ("href", "datetime", "content", "charset", "rel")


def _elements(root: HtmlElement) -> list[HtmlElement]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


def _children(parent: HtmlElement) -> list[HtmlElement]:
    return [child for child in parent if isinstance(child.tag, str)]


def post_body(root: HtmlElement) -> HtmlElement | None:
    found = _POST_BODY(root)
    return found[0] if isinstance(found, list) and found else None


_T = TypeVar("_T")


def _pick(items: Sequence[_T], index: int) -> _T | None:
    return items[index % len(items)] if items else None


def _describe(element: etree._Element) -> str:
    if not isinstance(element.tag, str):
        return "comment"
    classes = ".".join((element.get("class") or "").split())
    return f"{element.tag}.{classes}" if classes else element.tag


def _parents(root: HtmlElement) -> list[HtmlElement]:
    """Elements with element children, ``div.post-body`` first so that index 0 (where
    hypothesis shrinks to) mutates the article body."""
    body = post_body(root)
    others = [el for el in _elements(root) if el is not body and _children(el)]
    return ([body] if body is not None else []) + others


def drop(doc: Document, target: int, child: int) -> None:
    """Remove one child element (its tail text stays, as when a template omits a block)."""
    parent = _pick(_parents(doc.root), target)
    victim = _pick(_children(parent), child) if parent is not None else None
    if parent is not None and victim is not None:
        doc.steps.append(f"drop {_describe(victim)} from {_describe(parent)}")
        victim.drop_tree()


def duplicate(doc: Document, target: int, child: int) -> None:
    """Print one child element twice in a row."""
    parent = _pick(_parents(doc.root), target)
    original = _pick(_children(parent), child) if parent is not None else None
    if parent is not None and original is not None:
        doc.steps.append(f"duplicate {_describe(original)} in {_describe(parent)}")
        original.addnext(copy.deepcopy(original))


def move(doc: Document, target: int, child: int, to: int) -> None:
    """Move one child element (with its tail text) to another position among its siblings."""
    parent = _pick(_parents(doc.root), target)
    moved = _pick(_children(parent), child) if parent is not None else None
    if parent is None or moved is None:
        return
    parent.remove(moved)
    position = to % (len(parent) + 1)
    parent.insert(position, moved)
    doc.steps.append(f"move {_describe(moved)} to #{position} of {_describe(parent)}")


def set_attribute(doc: Document, target: int, attribute: int, value: str) -> None:
    """Rewrite one link/date/metadata attribute (``link[rel=canonical]`` first)."""
    candidates = [
        (el, name)
        for el in _elements(doc.root)
        for name in MUTABLE_ATTRIBUTES
        if el.get(name) is not None
    ]
    canonical = [pair for pair in candidates if pair[1] == "href" and pair[0].tag == "link"]
    picked = _pick(canonical + candidates, target + attribute)
    if picked is not None:
        element, name = picked
        clean = _xml_safe(value)
        element.set(name, clean)
        doc.steps.append(f"set {_describe(element)}[{name}] = {clean!r}")


#: Characters outside XML's ``Char`` production, which lxml refuses in attribute values.
_NON_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    return _NON_XML.sub("", text)


# --- injected ads and non-text elements -----------------------------------------------------

AD_MARKER: Final = "ZZADMARKER42"
HIDDEN_MARKER: Final = "ZZHIDDENMARKER42"
MARKERS: Final = (AD_MARKER, HIDDEN_MARKER)

#: SITE.md's five advertisement shapes; ``{m}`` is the marker, ``{pre}``/``{post}`` pad the
#: class attribute (extra tokens, stray whitespace).
AD_SHAPES: Final[tuple[str, ...]] = (
    # 1. div.ad-container: label and an AdSense slot (the specimen prints each one twice).
    '<div class="{pre}ad-container ad-desktop{post}" data-ad-position="{m}">'
    '<span class="ad-label">ADVERTISEMENT {m}</span><div class="ad-slot">'
    '<ins class="adsbygoogle" style="display:block" data-ad-slot="{m}"></ins>'
    '<script>(adsbygoogle = window.adsbygoogle || []).push({{"slot": "{m}"}});</script>'
    "</div></div>",
    # 2. aside.advertisement: label and an iframe.
    '<aside class="{pre}advertisement{post}" data-slot="{m}">'
    '<p class="ad-note">Advertisement {m}</p>'
    '<iframe src="https://ads.example/{m}" title="Advertisement {m}">{m}</iframe></aside>',
    # 3. Google Publisher Tag slot.
    '<div id="div-gpt-ad-{m}-0" class="{pre}gpt-slot{post}" data-slot="{m}">'
    "<span>{m} from our partners</span>"
    '<script>googletag.cmd.push(function() {{ googletag.display("div-gpt-ad-{m}-0"); }});'
    "</script></div>",
    # 4. a bare p.ad-label.
    '<p class="{pre}ad-label{post}" data-slot="{m}">ADVERTISEMENT {m}</p>',
    # 5. div.sponsored-content: label, a line of promotion, a link.
    '<div class="{pre}sponsored-content{post}" data-sponsor="{m}">'
    '<span class="sponsored-label">Sponsored {m}</span>'
    '<p class="sponsored-text">{m} Stream every festival winner this month.</p>'
    '<a class="sponsored-link" href="https://sponsor.example/offer?id={m}">Learn more {m}</a>'
    "</div>",
)
#: Ad shapes that sit inside a line of text (a paragraph of the body).
INLINE_AD_SHAPES: Final[tuple[str, ...]] = (
    '<span class="{pre}ad-label{post}" data-slot="{m}">ADVERTISEMENT {m}</span>',
    '<ins class="{pre}adsbygoogle{post}" data-ad-slot="{m}">{m}</ins>',
)
_CLASS_PADDING: Final = (("", ""), (" ", "  "), ("\n\t", "\n"), ("js-slot ", " is-loaded"))

#: Elements that carry no article text (SITE.md), each with marker text where a naive
#: ``textContent`` would pick it up. The last entry is a comment.
HIDDEN_SHAPES: Final[tuple[str, ...]] = (
    '<script>window.dataLayer = ["{m}"];</script>',
    '<script>document.write("<p class=\\"post-summary\\">{m}</p>");</script>',
    '<script type="application/ld+json">'
    '{{"@context": "https://schema.org", "@type": "WebPage", "name": "{m}"}}</script>',
    '<style>.post-body::after {{ content: "{m}"; }}</style>',
    '<noscript><img src="https://pixel.example/{m}.gif" alt="{m}">{m}</noscript>',
    '<img src="/static/{m}.png" alt="{m}" title="{m}">',
    '<iframe src="https://embed.example/{m}" title="{m}">{m}</iframe>',
    "<template><p>{m}</p></template>",
    "<!-- {m} -->",
)

AdPlace = Literal["between", "inline", "anywhere"]


def ad_element(shape: int, marker: str, padding: int = 0, inline: bool = False) -> HtmlElement:
    shapes = INLINE_AD_SHAPES if inline else AD_SHAPES
    pre, post = _CLASS_PADDING[padding % len(_CLASS_PADDING)]
    markup = shapes[shape % len(shapes)].format(m=marker, pre=pre, post=post)
    element: HtmlElement = lxml.html.fragment_fromstring(markup)
    return element


def hidden_element(shape: int, marker: str) -> etree._Element:
    markup = HIDDEN_SHAPES[shape % len(HIDDEN_SHAPES)].format(m=marker)
    if markup.startswith("<!--"):
        comment: etree._Element = etree.Comment(markup.removeprefix("<!--").removesuffix("-->"))
        return comment
    element: etree._Element = lxml.html.fragment_fromstring(markup)
    return element


def _ad_parents(root: HtmlElement, place: AdPlace) -> list[HtmlElement]:
    body = post_body(root)
    if place == "between":
        return [body] if body is not None else []
    if place == "inline":
        # Paragraphs, headings, list items of the body and the inline elements inside them.
        return [
            el
            for el in (body.iterdescendants() if body is not None else ())
            if isinstance(el.tag, str)
            and el.tag not in _NO_CHILDREN
            and el.tag not in _BLOCK_CONTAINERS
        ]
    return [
        el
        for el in ([body] if body is not None else []) + _elements(root)
        if el.tag in _BLOCK_CONTAINERS
    ]


def _insert(parent: HtmlElement, position: int, element: etree._Element) -> int:
    where = position % (len(parent) + 1)
    parent.insert(where, element)
    return where


def inject_ad(
    doc: Document, place: AdPlace, target: int, position: int, shape: int, padding: int
) -> None:
    """Insert one ad of ``shape`` with fresh marker text.

    ``between``: a child of ``div.post-body``, i.e. between two body blocks. ``inline``: inside
    a paragraph, heading or list item of the body (inline shapes only). ``anywhere``: any
    block container of the page (header, article, related list, footer...).
    """
    parent = _pick(_ad_parents(doc.root, place), target)
    if parent is None:
        return
    marker = doc.marker(AD_MARKER)
    inline = place == "inline"
    ad = ad_element(shape, marker, padding, inline=inline)
    where = _insert(parent, position, ad)
    doc.steps.append(f"inject {_describe(ad)} at #{where} of {_describe(parent)}")


def inject_hidden(doc: Document, target: int, position: int, shape: int) -> None:
    """Insert a script/style/noscript/img/iframe/template/comment anywhere it can stand
    (inside headings, paragraphs, links and dates too)."""
    parents = [el for el in _elements(doc.root) if el.tag not in _NO_CHILDREN]
    parent = _pick(parents, target)
    if parent is None:
        return
    element = hidden_element(shape, doc.marker(HIDDEN_MARKER))
    where = _insert(parent, position, element)
    doc.steps.append(f"inject {_describe(element)} at #{where} of {_describe(parent)}")


# --- operations as data, shared by hypothesis and atheris ------------------------------------

OpKind = Literal[
    "drop", "duplicate", "move", "attr", "ad_between", "ad_inline", "ad_anywhere", "hidden"
]
STRUCTURE_OPS: Final[tuple[OpKind, ...]] = ("drop", "duplicate", "move")
INJECTION_OPS: Final[tuple[OpKind, ...]] = ("ad_between", "ad_inline", "ad_anywhere", "hidden")
ALL_OPS: Final[tuple[OpKind, ...]] = (*STRUCTURE_OPS, "attr", *INJECTION_OPS)
_AD_PLACES: Final[Mapping[OpKind, AdPlace]] = {
    "ad_between": "between",
    "ad_inline": "inline",
    "ad_anywhere": "anywhere",
}
#: Injections that must leave the title and every body block exactly as they were.
BLOCK_NEUTRAL_OPS: Final[tuple[OpKind, ...]] = ("ad_between", "ad_inline", "hidden")


@dataclass(frozen=True, slots=True)
class Op:
    """One tree mutation. Indices are taken modulo the number of candidates, so any integers
    make a valid operation (and shrink towards the first candidate)."""

    kind: OpKind
    target: int = 0
    a: int = 0
    b: int = 0
    text: str = ""


def apply(doc: Document, op: Op) -> None:
    match op.kind:
        case "drop":
            drop(doc, op.target, op.a)
        case "duplicate":
            duplicate(doc, op.target, op.a)
        case "move":
            move(doc, op.target, op.a, op.b)
        case "attr":
            set_attribute(doc, op.target, op.a, op.text)
        case "ad_between" | "ad_inline" | "ad_anywhere":
            place = _AD_PLACES[op.kind]
            inject_ad(doc, place, op.target, op.a, op.b, op.b // len(AD_SHAPES))
        case "hidden":
            inject_hidden(doc, op.target, op.a, op.b)


# --- byte-level mutations ------------------------------------------------------------------

#: Declared charsets and the codec a browser (and the extractor) reads them as. A ``<meta>``
#: declaring UTF-16 is read as UTF-8: the HTML standard's "get an encoding" turns it into UTF-8,
#: since a declaration found by scanning the bytes as ASCII proves they are not UTF-16.
CHARSET_LABELS: Final[Mapping[str, str]] = {
    "utf-8": "utf-8",
    "UTF-8": "utf-8",
    "windows-1252": "cp1252",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "utf-16": "utf-8",
}
#: Codecs a page may be written in; ``-sig``/plain ``utf-16`` write a byte order mark.
CODECS: Final = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be")
_FAMILY: Final[Mapping[str, str]] = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "cp1252": "cp1252",
    "latin-1": "cp1252",
    "utf-16": "utf-16",
    "utf-16-le": "utf-16",
    "utf-16-be": "utf-16",
}
_C1_CONTROLS: Final = re.compile("[\x80-\x9f]")


@dataclass(frozen=True, slots=True)
class Recode:
    """Write the page in ``codec`` and declare ``declared`` (``None``: no declaration) with
    ``<meta charset>`` or, if ``http_equiv``, ``<meta http-equiv=Content-Type>``."""

    codec: str
    declared: str | None
    http_equiv: bool = False

    def faithful(self, text: str) -> bool:
        """True when a browser decodes the bytes back to ``text``: a byte order mark, or a
        declaration (UTF-8 when absent) of the codec actually used."""
        if self.codec in ("utf-8-sig", "utf-16"):
            return True
        if self.codec in ("utf-16-le", "utf-16-be"):
            return False  # without a byte order mark nothing can read the declaration
        if self.codec == "latin-1" and _C1_CONTROLS.search(text):
            return False  # latin-1 writes C1 controls as bytes cp1252 reads as letters
        read_as = CHARSET_LABELS.get(self.declared, "?") if self.declared else "utf-8"
        return _FAMILY[self.codec] == read_as


def recode(doc: Document, how: Recode) -> tuple[bytes, bool]:
    """The page written as ``how`` says, and whether that encoding is faithful."""
    head = doc.root.find("head")
    for meta in list(doc.root.iter("meta")):
        equiv = (meta.get("http-equiv") or "").lower()
        if meta.get("charset") is not None or equiv == "content-type":
            meta.drop_tree()
    doc.steps.append(f"write as {how.codec}, declare {how.declared!r}")
    _escape_scripts(doc.root, how.codec)
    text = to_text(doc)
    if how.declared is not None:
        # Spliced into the text, not the tree: libxml2's serialiser silently drops a
        # <meta http-equiv="Content-Type"> element, which would leave the page undeclared.
        if how.http_equiv:
            markup = f'<meta http-equiv="Content-Type" content="text/html; charset={how.declared}">'
        else:
            markup = f'<meta charset="{how.declared}">'
        at = text.find("<head>")
        at = (
            at + len("<head>")
            if at >= 0 and head is not None
            else text.find(">", text.find("<html")) + 1
        )
        text = text[:at] + markup + text[at:]
    data = text.encode(how.codec, errors="xmlcharrefreplace")
    # Plain ASCII (no NUL, so not UTF-16) reads the same whatever the page declares.
    plain = data.isascii() and b"\x00" not in data
    return data, plain or how.faithful(text)


def truncate(body: bytes, at: int) -> bytes:
    return body[: at % (len(body) + 1)]


def splice(body: bytes, at: int, delete: int, insert: bytes) -> bytes:
    """Replace ``delete`` bytes at offset ``at`` by ``insert``."""
    start = at % (len(body) + 1)
    return body[:start] + insert + body[start + delete :]


# --- what a test or the fuzzer extracts from --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mutant:
    """A mutated page. Its repr (what hypothesis prints for a failing example) lists the
    steps, not the bytes."""

    seed: Seed
    body: bytes = field(repr=False)
    steps: tuple[str, ...]
    #: The bytes decode to the serialised tree (no byte damage, faithful encoding).
    faithful: bool = True

    @property
    def url(self) -> str:
        return self.seed.url

    def as_seed(self) -> Seed:
        """This page as the starting point of further edits."""
        return Seed(f"{self.seed.name}+{len(self.steps) - 1}", self.body, self.seed.url)


def mutate(seed: Seed, operations: Iterable[Op], how: Recode | None = None) -> Mutant:
    """``seed`` after ``operations``, written back in its own codec or as ``how`` says. An
    ``attr`` operation may rewrite the declared charset, so it makes the mutant unfaithful."""
    doc = fresh(seed)
    faithful = True
    for op in operations:
        apply(doc, op)
        faithful = faithful and op.kind != "attr"
    if how is None:
        return Mutant(seed, serialize(doc), tuple(doc.steps), faithful)
    body, recoded_faithfully = recode(doc, how)
    return Mutant(seed, body, tuple(doc.steps), faithful and recoded_faithfully)


def _first(doc: Document, xpath: str) -> HtmlElement:
    found = doc.root.xpath(xpath)
    if not isinstance(found, list) or not found or not isinstance(found[0], HtmlElement):
        raise LookupError(f"no element at {xpath}")
    return found[0]


def with_attribute(seed: Seed, xpath: str, attribute: str, value: str) -> Mutant:
    """``seed`` with ``attribute`` of the first element at ``xpath`` set to ``value``: one
    exact edit, for reproducers."""
    doc = fresh(seed)
    _first(doc, xpath).set(attribute, value)
    return Mutant(seed, serialize(doc), (*doc.steps, f"set ({xpath})/@{attribute} = {value!r}"))


def without(seed: Seed, xpath: str) -> Mutant:
    """``seed`` without the elements at ``xpath`` (their tail text stays)."""
    doc = fresh(seed)
    found = doc.root.xpath(xpath)
    for element in found if isinstance(found, list) else ():
        if isinstance(element, HtmlElement):
            element.drop_tree()
    return Mutant(seed, serialize(doc), (*doc.steps, f"drop {xpath}"))


def with_child(seed: Seed, xpath: str, child: etree._Element, position: int = 0) -> Mutant:
    """``seed`` with ``child`` inserted at ``position`` into the first element at ``xpath``."""
    doc = fresh(seed)
    _first(doc, xpath).insert(position, child)
    return Mutant(seed, serialize(doc), (*doc.steps, f"insert {_describe(child)} into {xpath}"))


def damaged(mutant: Mutant, body: bytes, step: str) -> Mutant:
    return replace(mutant, body=body, steps=(*mutant.steps, step), faithful=False)


# --- the record's invariants ----------------------------------------------------------------

#: Element texts (SITE.md: whitespace-normalized); ``url``/``id``/``published`` have formats.
_TEXT_FIELDS: Final = ("title", "category")
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_HTTP_URL: Final = re.compile(r"https?://[^\s/#]+/[^\s#]*")
_AD_LABELS: Final = frozenset({"advertisement", "sponsored", "sponsored content"})


def _is_iso_date(value: object) -> bool:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _normalized(value: str) -> bool:
    return value == " ".join(value.split())


def _text_problem(where: str, value: object, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        return f"{where}: {type(value).__name__}, not str"
    if not value or not _normalized(value):
        return f"{where}: not whitespace-normalized: {value!r:.80}"
    return None


def _blocks_problem(blocks: object) -> str | None:
    if not isinstance(blocks, list) or not blocks:
        return "blocks: not a non-empty list"
    for i, block in enumerate(blocks):
        if not isinstance(block, dict) or set(block) != {"kind", "text"}:
            return f"blocks[{i}]: not a {{kind, text}} dict: {block!r:.80}"
        if block["kind"] not in ("heading", "paragraph"):
            return f"blocks[{i}].kind: {block['kind']!r}"
        if problem := _text_problem(f"blocks[{i}].text", block["text"]):
            return problem
        if block["text"].strip(" :-|\u00b7\u2013\u2014").lower() in _AD_LABELS:
            return f"blocks[{i}]: an ad label: {block['text']!r}"
    return None


def _related_problem(related: object) -> str | None:
    if not isinstance(related, list):
        return "related: not a list"
    for i, link in enumerate(related):
        if not isinstance(link, dict) or set(link) != {"url", "category", "summary", "published"}:
            return f"related[{i}]: not a {{url, category, summary, published}} dict"
        if not isinstance(link["url"], str) or not _HTTP_URL.fullmatch(link["url"]):
            return f"related[{i}].url: {link['url']!r}"
        for key in ("category", "summary"):
            if problem := _text_problem(f"related[{i}].{key}", link[key], optional=True):
                return problem
        if link["published"] is not None and not _is_iso_date(link["published"]):
            return f"related[{i}].published: {link['published']!r}"
    return None


def record_problem(record: object) -> str | None:
    """The first way ``record`` (what ``extract_article`` returned) breaks SITE.md's record
    contract or leaks marker text, or ``None``. ``None`` itself (not an article) is fine."""
    if record is None:
        return None
    if not isinstance(record, dict):
        return f"record is a {type(record).__name__}"
    if reason := violation(record):
        return f"contract: {reason}"
    if record["type"] != "article":
        return f"type: {record['type']!r}"
    for key in _TEXT_FIELDS:
        if problem := _text_problem(key, record[key]):
            return problem
    if not isinstance(record["id"], str) or not record["id"]:
        return f"id: {record['id']!r}"
    if not _HTTP_URL.fullmatch(record["url"]):
        return f"url: {record['url']!r}"
    if not _is_iso_date(record["published"]):
        return f"published: {record['published']!r}"
    if problem := _text_problem("summary", record["summary"], optional=True):
        return problem
    if problem := _blocks_problem(record["blocks"]) or _related_problem(record["related"]):
        return problem
    if record["body"] != "\n\n".join(block["text"] for block in record["blocks"]):
        return "body: not the blocks' texts joined by blank lines"
    return _leak(record)


def _leak(record: Mapping[str, Any]) -> str | None:
    try:
        line = json.dumps(record, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:  # lone surrogates, non-JSON values
        return f"not writable as a UTF-8 JSON line: {exc}"
    for marker in MARKERS:
        if marker.encode() in line:
            where = [key for key in record if marker in json.dumps(record[key])]
            return f"injected {marker} text leaked into {', '.join(where)}"
    return None


# --- hypothesis strategies ----------------------------------------------------------------

_INDEX: Final = st.one_of(st.just(0), st.integers(0, 1 << 16))
#: Link-ish text: mostly URL punctuation, so ports, brackets and schemes come up often.
_URL_TEXT: Final = st.tuples(
    st.sampled_from(
        [
            "",
            "https://articles.example",
            "https://articles.example:",
            "//articles.example",
            "//[",
            "http://",
            "/page.php?p=",
            "#",
        ]
    ),
    st.text(
        st.one_of(st.sampled_from(list("[]:@%/?#&=.-_~ \t\n0123456789")), st.characters()),
        max_size=24,
    ),
).map("".join)


def ops(kinds: Sequence[OpKind]) -> st.SearchStrategy[Op]:
    return st.builds(
        Op,
        kind=st.sampled_from(kinds),
        target=_INDEX,
        a=_INDEX,
        b=st.integers(0, 1 << 8),
        text=_URL_TEXT,
    )


def recodings() -> st.SearchStrategy[Recode]:
    return st.builds(
        Recode,
        codec=st.sampled_from(CODECS),
        declared=st.one_of(st.none(), st.sampled_from(sorted(CHARSET_LABELS))),
        http_equiv=st.booleans(),
    )


@st.composite
def mutants(
    draw: st.DrawFn,
    seeds: Sequence[Seed],
    kinds: Sequence[OpKind] = ALL_OPS,
    max_ops: int = 6,
    reencode: bool = False,
) -> Mutant:
    """A seed page after up to ``max_ops`` tree operations of ``kinds``, optionally written in
    another encoding."""
    seed = draw(st.sampled_from(seeds))
    chosen = draw(st.lists(ops(kinds), min_size=1, max_size=max_ops))
    how = draw(recodings()) if reencode else None
    return mutate(seed, chosen, how)


@st.composite
def truncated(draw: st.DrawFn, pages: st.SearchStrategy[Mutant]) -> Mutant:
    mutant = draw(pages)
    at = draw(st.integers(0, len(mutant.body)))
    return damaged(mutant, truncate(mutant.body, at), f"truncate at byte {at}")


@st.composite
def spliced(draw: st.DrawFn, pages: st.SearchStrategy[Mutant], max_splices: int = 4) -> Mutant:
    mutant = draw(pages)
    body, steps = mutant.body, []
    for _ in range(draw(st.integers(1, max_splices))):
        at = draw(st.integers(0, len(body)))
        delete = draw(st.integers(0, 16))
        insert = draw(st.binary(max_size=32))
        body = splice(body, at, delete, insert)
        steps.append(f"replace {delete} bytes at {at} by {insert!r}")
    return replace(mutant, body=body, steps=(*mutant.steps, *steps), faithful=False)
