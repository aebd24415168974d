"""Text of an element as SITE.md defines it: the browser's ``textContent``, minus subtrees that
carry no article text, then whitespace-normalised."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lxml import etree

from crawler.pages.tree import Element

#: Elements whose content is never article text (SITE.md: "carry no text of the article").
NON_TEXT_TAGS: frozenset[str] = frozenset(
    {"script", "style", "noscript", "iframe", "template", "img", "svg", "object", "embed"}
)

Skip = Callable[[Element], bool]


def normalize_space(text: str) -> str:
    """Every run of whitespace becomes one space, ends stripped.

    >>> normalize_space("  a\\n\\t b\\u00a0c ")
    'a b c'
    """
    # A printable string holds no whitespace but " " (every other character ``str.split``
    # splits on is a control or a separator, never printable): without a doubled space, only
    # its ends can need a change. These C checks cost far less than building and joining the
    # word list of a long paragraph.
    if text.isprintable() and "  " not in text:
        return text.strip(" ")
    return " ".join(text.split())


def is_non_text_tag(tag: object) -> bool:
    """Comments and processing instructions (whose tags are not strings) and
    :data:`NON_TEXT_TAGS`; ``textContent`` leaves out the former's own text."""
    if not isinstance(tag, str):
        return True
    return tag in NON_TEXT_TAGS or tag.lower() in NON_TEXT_TAGS


def is_non_text(element: Element) -> bool:
    tag = element.tag  # is_non_text_tag written out: walks call this for every element
    return not isinstance(tag, str) or tag in NON_TEXT_TAGS or tag.lower() in NON_TEXT_TAGS


def _never(_element: Element) -> bool:
    return False


def _text_parts(root: Element, skip: Skip) -> Iterator[str]:
    """``root``'s own text and every descendant's text and tail, in document order, outside
    non-text and skipped subtrees (a skipped element's tail is outside it, so it is kept).

    An explicit stack of child iterators instead of recursion: pages with thousands of nested
    elements must not hit Python's recursion limit."""
    if root.text:
        yield root.text
    stack = [iter(root)]
    parents: list[Element] = []
    while stack:
        for element in stack[-1]:
            if not is_non_text_tag(element.tag) and not skip(element):
                if element.text:
                    yield element.text
                if len(element):
                    parents.append(element)
                    stack.append(iter(element))
                    break
            if element.tail:
                yield element.tail
        else:
            stack.pop()
            if parents:
                tail = parents.pop().tail
                if tail:
                    yield tail


def raw_text(element: Element, skip: Skip | None = None) -> str:
    """``textContent`` of ``element``, leaving out non-text elements and any subtree for which
    ``skip`` is true (the tails after skipped elements are kept, as they are outside them)."""
    if not len(element):  # a leaf: most cards, titles and paragraphs
        return element.text or ""
    return "".join(_text_parts(element, skip or _never))


def text_content(element: Element, skip: Skip | None = None) -> str:
    """:func:`raw_text`, whitespace-normalised: the text value SITE.md defines."""
    return normalize_space(raw_text(element, skip))


def string_value(element: Element) -> str:
    """XPath's ``string()`` of ``element``: all its descendant text nodes, script text
    included and comments left out (what a CSS ``::text``-less ``string()`` read gives)."""
    return str(_STRING(element))


_STRING = etree.XPath("string()")
