"""CSS selectors of a template, compiled once to XPath, and the ways a value is read.

Selectors are CSS (cssselect translates them, as parsel does): the template's JSON stays
readable (``div.story``, ``div.trail a:nth-of-type(2)``). A selector is evaluated either from
the document (the first match in document order, or every match) or inside an element.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from cssselect import GenericTranslator, SelectorError
from lxml.etree import XPath, XPathError

from crawler.pages.dates import parse_date
from crawler.pages.text import text_content
from crawler.pages.tree import Element
from crawler.templates.model import Field, Read, TemplateError

_TRANSLATOR = GenericTranslator()


@lru_cache(maxsize=4096)
def compiled(css: str, inside: bool = False) -> XPath:
    """``css`` as an XPath over the document (``inside``: over an element's descendants)."""
    try:
        prefix = "descendant::" if inside else "descendant-or-self::"
        return XPath(_TRANSLATOR.css_to_xpath(css, prefix=prefix))
    except (SelectorError, XPathError) as exc:
        raise TemplateError(f"bad selector {css!r}: {exc}") from exc


def select_all(root: Element, css: str, inside: bool = False) -> list[Element]:
    found = compiled(css, inside)(root)
    return [node for node in found if isinstance(node, Element)] if isinstance(found, list) else []


def select_first(root: Element, css: str, inside: bool = False) -> Element | None:
    found = select_all(root, css, inside)
    return found[0] if found else None


def read_text(element: Element) -> str | None:
    return text_content(element) or None


def read_date(element: Element) -> str | None:
    """The ``datetime`` of the element (or of its first ``<time>``), else its text's date."""
    for candidate in (element, *element.iterdescendants("time")):
        if (value := candidate.get("datetime")) is not None and (found := parse_date(value)):
            return found
    return parse_date(text_content(element))


Link = Callable[[str | None], str | None]


def read_value(element: Element, read: Read, link: Link) -> str | None:
    if read == "date":
        return read_date(element)
    if read == "href":
        href = element.get("href")
        if href is None:
            inner = next(element.iterdescendants("a"), None)
            href = inner.get("href") if inner is not None else None
        return link(href)
    return read_text(element)


def read_field(root: Element, rule: Field, link: Link, inside: bool = False) -> str | None:
    """The value of ``rule`` under ``root``: each selector's first match, read, until one
    gives a value."""
    for css in rule.select:
        element = select_first(root, css, inside)
        if element is not None and (value := read_value(element, rule.read, link)) is not None:
            return value
    return None
