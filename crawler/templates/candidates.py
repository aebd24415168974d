"""Selectors that could name an element, simplest first: what learning tries in turn.

An element is named by its tag, a class, its id or a ``data-*`` attribute, optionally under
an ancestor named the same way (up to :data:`ANCESTOR_DEPTH` levels up), optionally by its
position among its siblings of the same tag. The simplest selector is the one with the
fewest parts (a position and a bare tag count as more), then the shortest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Final

from crawler.pages.text import is_non_text, normalize_space, string_value, text_content
from crawler.pages.tree import Element

#: How far above an element an ancestor naming its scope is looked for.
ANCESTOR_DEPTH: Final = 4
#: Identifiers written into a selector as they are (anything else would need escaping).
_IDENT = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*")
_VALUE = re.compile(r"[A-Za-z0-9 _.:/-]{1,40}")


def own_selectors(element: Element, positional: bool = True) -> list[str]:
    """The simple selectors naming ``element`` by itself: by attribute, by tag, by position."""
    tag = element.tag
    if not isinstance(tag, str) or not _IDENT.fullmatch(tag):
        return []
    named = [
        f"{tag}.{token}"
        for token in (element.get("class") or "").split()
        if _IDENT.fullmatch(token)
    ]
    ident = element.get("id")
    if ident is not None and _IDENT.fullmatch(ident):
        named.append(f"{tag}#{ident}")
    for key, raw in element.attrib.items():
        name, value = str(key), str(raw)
        if name.startswith("data-") and _IDENT.fullmatch(name) and _VALUE.fullmatch(value):
            named.append(f'{tag}[{name}="{value}"]')
    found = [*named, tag]
    if positional:
        parent = element.getparent()
        if parent is not None:
            same = [child for child in parent if child.tag == tag]
            if len(same) > 1:
                found.append(f"{tag}:nth-of-type({same.index(element) + 1})")
    return found


def distinctive(element: Element) -> list[str]:
    """The selectors naming an ancestor: by attribute only (a bare tag scopes nothing)."""
    return [s for s in own_selectors(element, positional=False) if s != element.tag]


def cost(selector: str) -> tuple[int, int]:
    """Simplicity, smaller first: the parts, plus one for a bare tag alone and for a position
    (three for a position not scoped by an ancestor), then the length."""
    parts = [part for part in selector.split(" ") if part != ">"]
    score = len(parts)
    if len(parts) == 1 and parts[0].isalnum():
        score += 1
    if ":nth-of-type" in selector:
        score += 1 if len(parts) > 1 else 3
    return (score, len(selector))


def selectors_for(element: Element, stop: Element | None = None) -> list[str]:
    """Every selector naming ``element`` (from the document, or from inside ``stop``)."""
    own = own_selectors(element)
    found = list(own)
    for level, ancestor in enumerate(element.iterancestors()):
        if ancestor is stop or ancestor.tag in ("body", "html") or level >= ANCESTOR_DEPTH:
            break
        for scope in distinctive(ancestor):
            for simple in own:
                if level == 0:
                    found.append(f"{scope} > {simple}")
                found.append(f"{scope} {simple}")
    return found


def ranked(selectors: Iterable[str]) -> list[str]:
    return sorted(dict.fromkeys(selectors), key=cost)


def content_elements(root: Element) -> Iterator[Element]:
    """The elements of the page's ``<body>`` (its head holds copies, not what is shown),
    outside non-text elements."""
    body = root.find("body")
    start = body if body is not None else root
    for element in start.iter():
        if isinstance(element.tag, str) and not is_non_text(element) and element is not start:
            yield element


def elements_with_text(
    elements: Iterable[Element], value: str, read: Callable[[Element], str | None] | None = None
) -> list[Element]:
    """The elements whose text (or ``read``'s value) is ``value``. The string value's length
    rules most out before any text is assembled."""
    found = []
    for element in elements:
        if read is not None:
            if read(element) == value:
                found.append(element)
            continue
        whole = string_value(element)
        if len(whole) < len(value) or len(whole) > 2 * len(value) + 200:
            continue
        if normalize_space(whole) == value or text_content(element) == value:
            found.append(element)
    return found
