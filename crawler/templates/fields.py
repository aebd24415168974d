"""Learning one value's selector: the simplest one that reads the expected value on every
example page (and reads nothing where the value is missing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crawler.pages.text import string_value
from crawler.pages.tree import Element
from crawler.templates.candidates import (
    content_elements,
    elements_with_text,
    ranked,
    selectors_for,
)
from crawler.templates.model import Field, Read
from crawler.templates.select import Link, read_field, read_value, select_first

#: Most pages the candidates are gathered from (each is then tried on every example).
SOURCE_PAGES = 3
#: Most candidates tried per value.
MAX_CANDIDATES = 400
#: The longest element a date is read from.
DATE_LINE_CHARS = 120


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a value is looked for: a page (``inside=False``) or a card of it; ``link``
    resolves its hrefs. ``avoid``: elements whose subtrees belong to another part of the
    record (the body, the related cards), never read for this value."""

    root: Element
    link: Link
    inside: bool = False
    avoid: frozenset[Element] = frozenset()

    def allows(self, css: str) -> bool:
        if not self.avoid:
            return True
        found = select_first(self.root, css, self.inside)
        return found is None or not any(e in self.avoid for e in (found, *found.iterancestors()))


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a part of the template could not be learned."""

    part: str
    matched: int
    pages: int
    detail: str = ""
    #: What ``matched`` and ``pages`` count.
    unit: str = "pages"

    def __str__(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"field {self.part!r} matched on {self.matched} of {self.pages} {self.unit}{extra}"


def matching(scope: Scope, value: str, read: Read) -> list[Element]:
    """The elements of ``scope`` that read as ``value``."""
    elements = scope.root.iterdescendants() if scope.inside else content_elements(scope.root)
    if read == "text":
        return elements_with_text(elements, value)
    if read == "href":
        return [
            e
            for e in elements
            if isinstance(e.tag, str) and e.tag == "a" and scope.link(e.get("href")) == value
        ]
    # A date is read from a short line, never from a paragraph that mentions one.
    short = (e for e in elements if len(string_value(e)) <= DATE_LINE_CHARS)
    return elements_with_text(short, value, lambda e: read_value(e, read, scope.link))


def candidates(examples: Sequence[tuple[Scope, str | None]], read: Read) -> list[str]:
    found: list[str] = []
    sources = 0
    for scope, value in examples:
        if value is None:
            continue
        for element in matching(scope, value, read):
            if any(e in scope.avoid for e in (element, *element.iterancestors())):
                continue
            found.extend(selectors_for(element, scope.root if scope.inside else None))
        sources += 1
        if sources >= SOURCE_PAGES:
            break
    return ranked(found)[:MAX_CANDIDATES]


def learn_field(
    part: str, examples: Sequence[tuple[Scope, str | None]], read: Read
) -> Field | Failure:
    """The simplest selector reading each example's value, or why there is none: the best
    candidate's count of pages read right."""
    if all(value is None for _scope, value in examples):
        return Field((), read)
    best = 0
    for css in candidates(examples, read):
        rule = Field((css,), read)
        right = sum(
            read_field(scope.root, rule, scope.link, scope.inside) == value and scope.allows(css)
            for scope, value in examples
        )
        if right == len(examples):
            return rule
        best = max(best, right)
    return Failure(part, best, len(examples))
