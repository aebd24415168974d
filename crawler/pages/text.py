"""Text of an element as SITE.md defines it: the browser's ``textContent``, minus subtrees that
carry no article text, then whitespace-normalised."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lxml import etree
from lxml.html import HtmlElement

#: Elements whose content is never article text (SITE.md: "carry no text of the article").
NON_TEXT_TAGS: frozenset[str] = frozenset(
    {"script", "style", "noscript", "iframe", "template", "img", "svg", "object", "embed"}
)

Skip = Callable[[HtmlElement], bool]


def normalize_space(text: str) -> str:
    """Every run of whitespace becomes one space, ends stripped.

    >>> normalize_space("  a\\n\\t b\\u00a0c ")
    'a b c'
    """
    return " ".join(text.split())


def is_non_text(element: HtmlElement) -> bool:
    tag = element.tag
    # Comments and processing instructions have non-str tags; textContent ignores them.
    return not isinstance(tag, str) or tag.lower() in NON_TEXT_TAGS


def _text_parts(root: HtmlElement, skip: Skip) -> Iterator[str]:
    # iterwalk instead of recursion: pages with 100,000 nested elements must not hit
    # Python's recursion limit.
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, element in walker:
        if event in ("comment", "pi"):
            # textContent leaves out a comment's own text but not what follows it.
            if element.tail:
                yield element.tail
        elif event == "start":
            if element is not root and (is_non_text(element) or skip(element)):
                walker.skip_subtree()
            elif element.text:
                yield element.text
        elif element is not root and element.tail:
            yield element.tail


def raw_text(element: HtmlElement, skip: Skip | None = None) -> str:
    """``textContent`` of ``element``, leaving out non-text elements and any subtree for which
    ``skip`` is true (the tails after skipped elements are kept, as they are outside them)."""
    return "".join(_text_parts(element, skip or _never))


def text_content(element: HtmlElement, skip: Skip | None = None) -> str:
    """:func:`raw_text`, whitespace-normalised: the text value SITE.md defines."""
    return normalize_space(raw_text(element, skip))


def _never(_element: HtmlElement) -> bool:
    return False
