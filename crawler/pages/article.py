"""Article pages (``/page.php?p=<id>``): one method per field of SITE.md's record.

Each field reads SITE.md's class selector first; only when that finds nothing (a redesign
renamed the classes) does it read the page's structure (``layout.py``), then its head: JSON-LD,
OpenGraph and ``article:*`` meta, which a template change leaves as they were. Sources that
print the visible text come before the head's copies of it.

The class selectors are read as CSS reads them (the first match in document order, or every
match), from one pass over the tree that collects the few tags they name (:data:`ANCHOR_TAGS`)
without a Python object for any other element; the body is read in a walk of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any, Final

from crawler import urls
from crawler.items import Article, Block, RelatedLink
from crawler.pages.base import Page
from crawler.pages.body import body_blocks
from crawler.pages.dates import parse_date
from crawler.pages.layout import ArticleLayout
from crawler.pages.noise import class_tokens, has_class, is_ad_label
from crawler.pages.text import normalize_space, raw_text, string_value, text_content
from crawler.pages.tree import Element

#: Tags the class selectors and the head reads name, collected in one pass. ``p`` (the dek)
#: is not among them: a long body has thousands, and the dek comes before them.
ANCHOR_TAGS: Final = ("h1", "div", "nav", "section", "link", "meta", "script")
#: The related card's parts, by class (``.related-link[href]`` is the card's URL).
_CARD_CLASSES: Final = frozenset(
    {"related-link", "related-category", "related-summary", "related-date"}
)


class ArticlePage(Page):
    def id(self) -> str | None:
        return urls.query_param(self.canonical_url, "p") or self._data_id()

    def _data_id(self) -> str | None:
        """``article[data-id]::attr(data-id)``."""
        for element in self.root.iter("article"):
            if (found := element.get("data-id")) is not None:
                return found
        return None

    def title(self) -> str | None:
        """``h1.post-title``; the article's ``h1``; the head's headline, then ``og:title``."""
        return (
            _text_of(self._title)
            or _text_of(self._layout.title)
            or self._json_ld_text("headline")
            or self.meta("property", "og:title")
        )

    def summary(self) -> str | None:
        """SITE.md: the dek, else the meta description, else ``None``. The dek is
        ``p.post-summary``, else the paragraph right after the article's ``h1``."""
        return (
            self.first_text("p", "post-summary")
            or _text_of(self._layout.dek)
            or self.meta("name", "description")
        )

    def published(self) -> str | None:
        for candidate in self._published_candidates():
            if isinstance(candidate, str) and (found := parse_date(candidate)):
                return found
        return None

    def _published_candidates(self) -> Iterator[object]:
        """What the page prints first (``div.post-meta``, else the date line after the title),
        then what its head says; read only until one parses."""
        lines = [div for div in self.elements("div") if has_class(div, "post-meta")]
        times = [time for line in lines for time in line.iter("time")]
        yield next((found for t in times if (found := t.get("datetime")) is not None), None)
        yield string_value(times[0]) if times else None
        yield string_value(lines[0]) if lines else None
        yield from self._layout.date_texts()
        yield self.meta("property", "article:published_time")
        yield self._json_ld.get("datePublished")

    def category(self) -> str | None:
        """SITE.md: the second breadcrumb, the same as ``article:section``."""
        return (
            _text_of(self._breadcrumb(_is_category_crumb))
            or _text_of(self._breadcrumb(_is_second_link))
            or _text_of(self._layout.breadcrumb(2))
            or self.meta("property", "article:section")
            or self._json_ld_text("articleSection")
        )

    def _breadcrumb(self, wanted: Any) -> Element | None:
        """The first link under a ``nav.breadcrumbs`` for which ``wanted`` holds (CSS
        ``nav.breadcrumbs a<wanted>``)."""
        for nav in self.elements("nav"):
            if has_class(nav, "breadcrumbs"):
                for link in nav.iterdescendants("a"):
                    if wanted(link):
                        return link
        return None

    def blocks(self) -> list[Block]:
        """``div.post-body``, else the article's paragraph container, read into blocks; with
        neither, the paragraphs of the JSON-LD ``articleBody`` (which cannot tell headings)."""
        body = self._body_element
        if body is not None:
            blocks = body_blocks(body)
            if blocks or body is self._class_body:
                return blocks
        return self._json_ld_blocks()

    def _json_ld_blocks(self) -> list[Block]:
        text = self._json_ld.get("articleBody")
        if not isinstance(text, str):
            return []
        lines = (normalize_space(line) for line in text.splitlines())
        return [Block("paragraph", line) for line in lines if line and not is_ad_label(line)]

    def related(self) -> list[RelatedLink]:
        """``section.related-articles li.related-item`` cards, else the list items of the
        section headed "Related Articles", read by structure."""
        found = self._related_cards()
        if not found:
            return self._related_by_structure()
        cards = []
        for card in found:
            link, category, summary, date = _card_parts(card)
            url = self.link(link.get("href")) if link is not None else None
            if url is not None:
                cards.append(_related_link(url, category, summary, date))
        return cards

    def _related_cards(self) -> list[Element]:
        """Each ``li.related-item`` under a ``section.related-articles`` once, in page order
        (a section inside another adds none of its own)."""
        cards: list[Element] = []
        outer: Element | None = None
        for section in self.elements("section"):
            if not has_class(section, "related-articles"):
                continue
            if outer is not None and any(up is outer for up in section.iterancestors("section")):
                continue
            outer = section
            cards.extend(
                card for card in section.iterdescendants("li") if has_class(card, "related-item")
            )
        return cards

    def _related_by_structure(self) -> list[RelatedLink]:
        cards = []
        for card in self._layout.related_cards():
            url = self.link(card.link.get("href")) if card.link is not None else None
            if url is not None:
                cards.append(_related_link(url, card.category, card.summary, card.time))
        return cards

    def to_item(self) -> Article:
        blocks = self.blocks()
        return Article(
            url=self.canonical_url,
            id=self.id(),
            title=self.title(),
            summary=self.summary(),
            published=self.published(),
            category=self.category(),
            body="\n\n".join([block.text for block in blocks]),
            blocks=blocks,
            related=self.related(),
        )

    def elements(self, tag: str) -> Iterable[Element]:
        """The page's ``tag`` elements in document order; the :data:`ANCHOR_TAGS` from the one
        pass that collected them all."""
        collected = self._anchors.get(tag)
        return collected if collected is not None else self.root.iter(tag)

    @cached_property
    def _anchors(self) -> dict[str, list[Element]]:
        found: dict[str, list[Element]] = {tag: [] for tag in ANCHOR_TAGS}
        for element in self.root.iter(*ANCHOR_TAGS):
            found[element.tag].append(element)
        return found

    @cached_property
    def _title(self) -> Element | None:
        return self.first_with_class("h1", "post-title")

    @cached_property
    def _class_body(self) -> Element | None:
        return self.first_with_class("div", "post-body")

    @property
    def _body_element(self) -> Element | None:
        return self._class_body if self._class_body is not None else self._layout.body

    @cached_property
    def _layout(self) -> ArticleLayout:
        """The page's parts by structure, located only when a field asks for one."""
        return ArticleLayout(self.root, self._title, self._class_body)

    def _json_ld_text(self, key: str) -> str | None:
        value = self._json_ld.get(key)
        return (normalize_space(value) or None) if isinstance(value, str) else None

    @cached_property
    def _json_ld(self) -> dict[str, Any]:
        return _article_json_ld(self._json_ld_scripts())

    def _json_ld_scripts(self) -> Iterator[str]:
        """``script[type="application/ld+json"]::text``: each script's text nodes."""
        for script in self.elements("script"):
            if script.get("type") == "application/ld+json":
                if not len(script):
                    if script.text:
                        yield script.text
                elif isinstance(found := script.xpath("text()"), list):
                    yield from (str(text) for text in found)


def _is_category_crumb(link: Element) -> bool:
    return has_class(link, "breadcrumb-category")


def _is_second_link(link: Element) -> bool:
    """CSS ``a:nth-of-type(2)``: one ``a`` before it among its siblings."""
    return sum(1 for _ in link.itersiblings("a", preceding=True)) == 1


def _card_parts(
    card: Element,
) -> tuple[Element | None, Element | None, Element | None, Element | None]:
    """A card's first ``a.related-link[href]``, ``a.related-category``, ``.related-summary``
    and ``time.related-date``, in one walk over its descendants."""
    link = category = summary = date = None
    for element in card.iterdescendants():
        value = element.get("class")
        if value is None:
            continue
        # The site prints each part with that one class: no split needed to know its tokens;
        # and a class without "related-" holds none of them.
        if value in _CARD_CLASSES:
            tokens: tuple[str, ...] | list[str] = (value,)
        elif "related-" in value:
            tokens = class_tokens(value)
        else:
            continue
        if summary is None and "related-summary" in tokens:
            summary = element
        tag = element.tag
        if tag == "a":
            if link is None and "related-link" in tokens and element.get("href") is not None:
                link = element
            if category is None and "related-category" in tokens:
                category = element
        elif tag == "time" and date is None and "related-date" in tokens:
            date = element
    return link, category, summary, date


def _text_of(element: Element | None) -> str | None:
    if element is None:
        return None
    # A leaf's text is its own: no walk (cards and titles are leaves).
    return normalize_space(raw_text(element) if len(element) else element.text or "") or None


def _related_link(
    url: str,
    category: Element | None,
    summary: Element | None,
    date: Element | None,
) -> RelatedLink:
    published = None
    if date is not None:
        published = parse_date(date.get("datetime")) or parse_date(text_content(date))
    return RelatedLink(url, _text_of(category), _text_of(summary), published)


def _article_json_ld(scripts: Iterable[str]) -> dict[str, Any]:
    """The first JSON-LD object of ``@type`` Article; malformed JSON-LD is ignored, as the
    visible page, not its metadata, is the record's source."""
    for script in scripts:
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            continue
        for node in data if isinstance(data, list) else [data]:
            if isinstance(node, dict) and node.get("@type") in ("Article", "NewsArticle"):
                return node
    return {}
