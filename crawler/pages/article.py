"""Article pages (``/page.php?p=<id>``): one method per field of SITE.md's record.

Each field reads SITE.md's class selector first; only when that finds nothing (a redesign
renamed the classes) does it read the page's structure (``layout.py``), then its head: JSON-LD,
OpenGraph and ``article:*`` meta, which a template change leaves as they were. Sources that
print the visible text come before the head's copies of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler import urls
from crawler.boilerplate import is_ad_label
from crawler.items import Article, Block, RelatedLink
from crawler.pages.base import Page
from crawler.pages.body import body_blocks
from crawler.pages.dates import parse_date
from crawler.pages.layout import ArticleLayout
from crawler.pages.text import normalize_space, text_content


class ArticlePage(Page):
    def id(self) -> str | None:
        return (
            urls.query_param(self.canonical_url, "p")
            or self.selector.css("article[data-id]::attr(data-id)").get()
        )

    def title(self) -> str | None:
        """``h1.post-title``; the article's ``h1``; the head's headline, then ``og:title``."""
        return (
            self.first_text("h1.post-title")
            or _text_of(self._layout.title)
            or self._json_ld_text("headline")
            or self.meta('meta[property="og:title"]')
        )

    def summary(self) -> str | None:
        """SITE.md: the dek, else the meta description, else ``None``. The dek is
        ``p.post-summary``, else the paragraph right after the article's ``h1``."""
        return (
            self.first_text("p.post-summary")
            or _text_of(self._layout.dek)
            or self.meta('meta[name="description"]')
        )

    def published(self) -> str | None:
        for candidate in self._published_candidates():
            if isinstance(candidate, str) and (found := parse_date(candidate)):
                return found
        return None

    def _published_candidates(self) -> Iterator[object]:
        """What the page prints first (``div.post-meta``, else the date line after the title),
        then what its head says; read only until one parses."""
        meta = self.selector.css("div.post-meta")
        yield meta.css("time::attr(datetime)").get()
        yield meta.css("time").xpath("string()").get()
        yield meta.xpath("string()").get()
        yield from self._layout.date_texts()
        yield self.meta('meta[property="article:published_time"]')
        yield self._json_ld.get("datePublished")

    def category(self) -> str | None:
        """SITE.md: the second breadcrumb, the same as ``article:section``."""
        return (
            self.first_text("nav.breadcrumbs a.breadcrumb-category")
            or self.first_text("nav.breadcrumbs a:nth-of-type(2)")
            or _text_of(self._layout.breadcrumb(2))
            or self.meta('meta[property="article:section"]')
            or self._json_ld_text("articleSection")
        )

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

    def body(self) -> str:
        return "\n\n".join(block.text for block in self.blocks())

    def related(self) -> list[RelatedLink]:
        """``section.related-articles li.related-item`` cards, else the list items of the
        section headed "Related Articles", read by structure."""
        found = self.selector.css("section.related-articles li.related-item")
        if not found:
            return self._related_by_structure()
        cards = []
        for card in found:
            root = card.root
            url = self.link(_first_string(_RELATED_HREF(root)))
            if url is not None:
                cards.append(
                    _related_link(
                        url,
                        _first_element(_RELATED_CATEGORY(root)),
                        _first_element(_RELATED_SUMMARY(root)),
                        _first_element(_RELATED_DATE(root)),
                    )
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
            body="\n\n".join(block.text for block in blocks),
            blocks=blocks,
            related=self.related(),
        )

    @cached_property
    def _class_body(self) -> HtmlElement | None:
        found = self.selector.css("div.post-body")
        return found[0].root if found else None

    @property
    def _body_element(self) -> HtmlElement | None:
        return self._class_body if self._class_body is not None else self._layout.body

    @cached_property
    def _layout(self) -> ArticleLayout:
        """The page's parts by structure, located only when a field asks for one."""
        titles = self.selector.css("h1.post-title")
        title = titles[0].root if titles else None
        return ArticleLayout(self.selector.root, title, self._class_body)

    def _json_ld_text(self, key: str) -> str | None:
        value = self._json_ld.get(key)
        return (normalize_space(value) or None) if isinstance(value, str) else None

    @cached_property
    def _json_ld(self) -> dict[str, Any]:
        return _article_json_ld(
            self.selector.css('script[type="application/ld+json"]::text').getall()
        )


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Compiled once: related lists have up to dozens of cards, each read field by field.
_RELATED_HREF = XPath(f".//a[{_has_class('related-link')}]/@href")
_RELATED_CATEGORY = XPath(f".//a[{_has_class('related-category')}]")
_RELATED_SUMMARY = XPath(f".//*[{_has_class('related-summary')}]")
_RELATED_DATE = XPath(f".//time[{_has_class('related-date')}]")


def _first_element(found: Any) -> HtmlElement | None:
    return found[0] if isinstance(found, list) and found else None


def _first_string(found: Any) -> str | None:
    return str(found[0]) if isinstance(found, list) and found else None


def _text_of(element: HtmlElement | None) -> str | None:
    return (text_content(element) or None) if element is not None else None


def _related_link(
    url: str,
    category: HtmlElement | None,
    summary: HtmlElement | None,
    date: HtmlElement | None,
) -> RelatedLink:
    return RelatedLink(
        url=url,
        category=_text_of(category),
        summary=_text_of(summary),
        published=None
        if date is None
        else parse_date(date.get("datetime")) or parse_date(text_content(date)),
    )


def _article_json_ld(scripts: list[str]) -> dict[str, Any]:
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
