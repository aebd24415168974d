"""The article body: ``div.post-body`` read into ordered heading/paragraph blocks."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

from crawler.boilerplate import NOISE_ELEMENTS, is_ad_label
from crawler.items import Block, BlockKind
from crawler.pages.text import Skip, is_non_text, normalize_space, raw_text, text_content

HEADING_TAGS: frozenset[str] = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Elements whose whole text is one paragraph block; a list's items are one block each.
PARAGRAPH_TAGS: frozenset[str] = frozenset({"p", "li", "pre", "dt", "dd", "figcaption"})
#: Elements that flow inside a line of text: loose text around them stays in one block.
INLINE_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em",
        "font", "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong",
        "sub", "sup", "time", "u", "var", "wbr",
    }
)  # fmt: skip


def _kind(tag: str) -> BlockKind | None:
    if tag in HEADING_TAGS:
        return "heading"
    if tag in PARAGRAPH_TAGS:
        return "paragraph"
    return None


def body_blocks(body: HtmlElement) -> list[Block]:
    """Blocks of ``body`` in page order, without ads, ad labels, page furniture or non-text
    elements."""
    found = NOISE_ELEMENTS(body)
    noise = (
        {el for el in found if isinstance(el, etree._Element)} if isinstance(found, list) else set()
    )

    def skipped(element: HtmlElement) -> bool:
        return element in noise

    blocks = []
    for kind, text in _BodyWalk(body, skipped).blocks():
        if text and not is_ad_label(text):
            blocks.append(Block(kind=kind, text=text))
    return blocks


class _BodyWalk:
    """One pass over the body. Text that no block element wraps (loose text left by malformed
    markup, e.g. after a list that closed an unclosed ``<p>``) becomes a paragraph of its own,
    as a browser would show it."""

    def __init__(self, body: HtmlElement, skip: Skip) -> None:
        self._body = body
        self._skip = skip
        self._loose: list[str] = []

    def _flush(self) -> Iterator[tuple[BlockKind, str]]:
        text = normalize_space("".join(self._loose))
        self._loose.clear()
        if text:
            yield "paragraph", text

    def _role(self, element: HtmlElement) -> str:
        if is_non_text(element) or self._skip(element):
            return "skip"
        tag = element.tag.lower()
        if _kind(tag):
            return "block"
        return "inline" if tag in INLINE_TAGS else "container"

    def blocks(self) -> Iterator[tuple[BlockKind, str]]:
        walker = etree.iterwalk(self._body, events=("start", "end", "comment", "pi"))
        for event, element in walker:
            if event in ("comment", "pi"):
                self._loose.append(element.tail or "")
            elif element is self._body:
                if event == "start":
                    self._loose.append(element.text or "")
            elif event == "start":
                yield from self._start(walker, element)
            else:
                if self._role(element) == "container":
                    yield from self._flush()
                self._loose.append(element.tail or "")
        yield from self._flush()

    def _start(
        self, walker: etree.iterwalk, element: HtmlElement
    ) -> Iterator[tuple[BlockKind, str]]:
        role = self._role(element)
        if role == "container":
            yield from self._flush()
            self._loose.append(element.text or "")
            return
        walker.skip_subtree()
        if role == "block":
            yield from self._flush()
            kind = _kind(element.tag.lower())
            assert kind is not None
            yield kind, text_content(element, self._skip)
        elif role == "inline":
            self._loose.append(raw_text(element, self._skip))
