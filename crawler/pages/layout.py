"""An article page's parts found by structure alone, for a template whose classes are unknown.

Read only when a part's class selector finds nothing (a redesign renamed the classes). What
stays when class names change: the ``<article>`` element and its ``h1``; the dek, the element
right after the ``h1``; the date line among the elements between the ``h1`` and the body; the
breadcrumb ``nav`` and its links; the body, the container holding the article's paragraphs; a
section whose heading says "Related Articles", its list items and, in each, the link that wraps
the summary paragraph, the category link and the ``<time>``.

Scripts, styles and other non-text elements are never a part, and an element the boilerplate
rules call an ad (or furniture) is never a dek, a link, a paragraph or a card.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property

from lxml import etree
from lxml.etree import XPath

from crawler.pages.dates import parse_date
from crawler.pages.noise import (
    DATE_LINE_PREFIXES,
    LABEL_PUNCTUATION,
    RELATED_HEADINGS,
    is_ad_label,
    is_noise,
)
from crawler.pages.text import is_non_text, text_content
from crawler.pages.tree import Element

#: Where the article is, best first: the ``<article>`` holding a title, any ``<article>``,
#: ``<main>``.
_ARTICLE_ROOTS = (
    XPath("(//article[.//h1])[1]"),
    XPath("(//article)[1]"),
    XPath("(//main)[1]"),
)
#: Headings a related-articles section may open with.
_SECTION_HEADINGS = XPath("//h2 | //h3 | //h4")
#: Tags the dek is printed in.
DEK_TAGS: frozenset[str] = frozenset({"p"})
#: Tags a body container has; inline or list elements holding a paragraph are not one.
BODY_CONTAINER_TAGS: frozenset[str] = frozenset({"div", "section", "article", "main"})
#: The elements of a related card its parts are read from.
_CARD_PARTS: frozenset[str] = frozenset({"a", "p", "time"})
#: The longest date line printed without a prefix ("30 September 2025 · 5 min read").
DATE_LINE_MAX_CHARS = 40

#: Tells whether an element is an ad or furniture (:func:`~crawler.pages.noise.is_noise`: a few
#: attribute reads per element, cheaper than the bulk XPath over a subtree a walk skips into).
Noise = Callable[[Element], bool]


def visible_descendants(
    root: Element, tags: str | frozenset[str], noise: Noise = is_noise
) -> Iterator[Element]:
    """Elements of ``tags`` (one tag or a set) under ``root`` in page order, outside non-text
    and noise subtrees."""
    wanted = frozenset({tags}) if isinstance(tags, str) else tags
    walker = etree.iterwalk(root, events=("start",))
    for _event, element in walker:
        if element is root:
            continue
        if is_non_text(element) or noise(element):
            walker.skip_subtree()
        elif element.tag in wanted:
            yield element


def first_visible(root: Element, tag: str, noise: Noise = is_noise) -> Element | None:
    return next(visible_descendants(root, tag, noise), None)


def is_date_line(element: Element, text: str) -> bool:
    """The "Published ..." line: it holds a ``<time>``, or its text is a date, alone or after
    one of :data:`~crawler.pages.noise.DATE_LINE_PREFIXES`. Prose that mentions a date is not.
    """
    if first_visible(element, "time") is not None:
        return True
    if parse_date(text) is None:
        return False
    return text.startswith(DATE_LINE_PREFIXES) or len(text) <= DATE_LINE_MAX_CHARS


def body_container(root: Element, title: Element | None, noise: Noise) -> Element | None:
    """The element under ``root`` with the most paragraph children, outside ads, furniture and
    non-text elements, and not one that holds the title (whose paragraph is the dek); the
    first in page order on a tie."""
    holds_title = set(title.iterancestors()) if title is not None else set()
    counts: dict[Element, int] = {}
    for paragraph in visible_descendants(root, "p", noise):
        parent = paragraph.getparent()
        if (
            parent is not None
            and parent is not root
            and parent.tag in BODY_CONTAINER_TAGS
            and parent not in holds_title
        ):
            counts[parent] = counts.get(parent, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def _fold(text: str) -> str:
    return text.strip(LABEL_PUNCTUATION).lower()


class ArticleLayout:
    """The parts of one article page, each located on first use."""

    def __init__(self, document: Element, title: Element | None, body: Element | None) -> None:
        """``title``, ``body``: the elements the class selectors found, if they did."""
        self._document = document
        self._known_title = title
        self._known_body = body

    @cached_property
    def root(self) -> Element | None:
        for xpath in _ARTICLE_ROOTS:
            found = xpath(self._document)
            if isinstance(found, list) and found and isinstance(found[0], etree._Element):
                return found[0]
        return None

    @cached_property
    def title(self) -> Element | None:
        """The article's ``h1``."""
        if self._known_title is not None:
            return self._known_title
        return first_visible(self.root, "h1") if self.root is not None else None

    @cached_property
    def body(self) -> Element | None:
        if self._known_body is not None:
            return self._known_body
        if self.root is None:
            return None
        return body_container(self.root, self.title, is_noise)

    @cached_property
    def header(self) -> list[Element]:
        """The elements after the title and before the body (dek, date line, share buttons),
        non-text elements left out."""
        if self.title is None:
            return []
        holds_body = {self.body, *self.body.iterancestors()} if self.body is not None else set()
        found = []
        for sibling in self.title.itersiblings():
            if sibling in holds_body:
                break
            if not is_non_text(sibling):
                found.append(sibling)
        return found

    @cached_property
    def dek(self) -> Element | None:
        """The element right after the title, when it is a paragraph that is neither the date
        line nor an ad."""
        if not self.header:
            return None
        first = self.header[0]
        if first.tag not in DEK_TAGS or is_noise(first):
            return None
        text = text_content(first)
        if not text or is_ad_label(text) or is_date_line(first, text):
            return None
        return first

    def date_texts(self) -> Iterator[str | None]:
        """What the header says the date is, in the date line's order: each element's
        ``<time datetime>``, its ``<time>`` text, then its text if it is a date line; the dek
        is not read (its prose may mention other dates)."""
        for element in self.header:
            if element is self.dek:
                continue
            time = first_visible(element, "time")
            if time is not None:
                yield time.get("datetime")
                yield text_content(time)
            text = text_content(element)
            if is_date_line(element, text):
                yield text

    def breadcrumb(self, position: int) -> Element | None:
        """The ``position``-th link (1-based) of the article's first ``nav`` with that many."""
        if self.root is None:
            return None
        for nav in self.root.iter("nav"):
            if self._under_hidden(nav):
                continue
            links = list(visible_descendants(nav, "a"))
            if len(links) >= position:
                return links[position - 1]
        return None

    @cached_property
    def related(self) -> Element | None:
        """The container of the first heading saying "Related Articles" outside the body: its
        nearest ancestor that holds list items, below what holds the article."""
        article = self.root if self.root is not None else self.body
        # Never climb into what holds the article: its lists are not related cards.
        holds_article = {article, *article.iterancestors()} if article is not None else set()
        found = _SECTION_HEADINGS(self._document)
        for heading in found if isinstance(found, list) else ():
            if not isinstance(heading, etree._Element) or self._inside_body(heading):
                continue
            if _fold(text_content(heading)) not in RELATED_HEADINGS:
                continue
            for ancestor in heading.iterancestors():
                if ancestor in holds_article:
                    break
                if ancestor.find(".//li") is not None:
                    return ancestor
        return None

    def related_cards(self) -> list[RelatedCard]:
        """Each list item of the section outside non-text and noise elements, a card, in page
        order. One walk: every visible link, paragraph and time goes to each card open around
        it (an element the walk reaches is visible from the section, so from any card in it)."""
        if self.related is None:
            return []
        cards: list[dict[str, list[Element]]] = []
        open_cards: list[tuple[Element, dict[str, list[Element]]]] = []
        walker = etree.iterwalk(self.related, events=("start", "end"))
        for event, element in walker:
            if event == "end":
                if open_cards and open_cards[-1][0] is element:
                    open_cards.pop()
            elif element is self.related:
                continue
            elif is_non_text(element) or is_noise(element):
                walker.skip_subtree()
            elif (tag := element.tag) in _CARD_PARTS:
                for _, parts in open_cards:
                    parts[tag].append(element)
            elif tag == "li":
                parts = {part: [] for part in _CARD_PARTS}
                cards.append(parts)
                open_cards.append((element, parts))
        return [RelatedCard(parts) for parts in cards]

    def _under_hidden(self, element: Element) -> bool:
        """Inside a non-text or noise element of the article."""
        for ancestor in element.iterancestors():
            if ancestor is self.root:
                return False
            if is_non_text(ancestor) or is_noise(ancestor):
                return True
        return False

    def _inside_body(self, element: Element) -> bool:
        return self.body is not None and any(up is self.body for up in element.iterancestors())


class RelatedCard:
    """One related-article card by structure: its first paragraph (the summary), the link
    that wraps it (else the card's last link), the other link (the category) and the
    ``<time>``."""

    def __init__(self, found: dict[str, list[Element]]) -> None:
        """``found``: the card's visible ``a``, ``p`` and ``time`` elements by tag, in page
        order."""
        links = [a for a in found["a"] if a.get("href") is not None]
        self.summary = found["p"][0] if found["p"] else None
        wrapping = (
            next((a for a in self.summary.iterancestors("a") if a in links), None)
            if self.summary is not None
            else None
        )
        self.link = wrapping if wrapping is not None else (links[-1] if links else None)
        self.category = next((a for a in found["a"] if a is not self.link), None)
        self.time = found["time"][0] if found["time"] else None
