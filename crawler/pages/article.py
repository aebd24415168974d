"""Article pages (``/page.php?p=<id>``): one method per field of SITE.md's record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler import urls
from crawler.items import Article, Block, RelatedLink
from crawler.pages.base import Page
from crawler.pages.body import body_blocks
from crawler.pages.dates import parse_date
from crawler.pages.text import text_content


class ArticlePage(Page):
    def id(self) -> str | None:
        return (
            urls.query_param(self.canonical_url, "p")
            or self.selector.css("article[data-id]::attr(data-id)").get()
        )

    def title(self) -> str | None:
        return self.first_text("h1.post-title")

    def summary(self) -> str | None:
        return self.first_text("p.post-summary") or self.meta('meta[name="description"]')

    def published(self) -> str | None:
        for candidate in self._published_candidates():
            if isinstance(candidate, str) and (found := parse_date(candidate)):
                return found
        return None

    def _published_candidates(self) -> Iterator[object]:
        """What the page prints first, then what its head says; read only until one parses."""
        meta = self.selector.css("div.post-meta")
        yield meta.css("time::attr(datetime)").get()
        yield meta.css("time").xpath("string()").get()
        yield meta.xpath("string()").get()
        yield self.meta('meta[property="article:published_time"]')
        yield self._json_ld.get("datePublished")

    def category(self) -> str | None:
        """SITE.md: the second breadcrumb, the same as ``article:section``."""
        return (
            self.first_text("nav.breadcrumbs a.breadcrumb-category")
            or self.first_text("nav.breadcrumbs a:nth-of-type(2)")
            or self.meta('meta[property="article:section"]')
            or self._json_ld_section()
        )

    def _json_ld_section(self) -> str | None:
        section = self._json_ld.get("articleSection")
        return (" ".join(section.split()) or None) if isinstance(section, str) else None

    def blocks(self) -> list[Block]:
        body = self._body_element
        return body_blocks(body) if body is not None else []

    def body(self) -> str:
        return "\n\n".join(block.text for block in self.blocks())

    def related(self) -> list[RelatedLink]:
        cards = []
        for card in self.selector.css("section.related-articles li.related-item"):
            root = card.root
            url = self.link(_first_string(_RELATED_HREF(root)))
            if url is None:
                continue
            date = _first_element(_RELATED_DATE(root))
            cards.append(
                RelatedLink(
                    url=url,
                    category=_element_text(_RELATED_CATEGORY(root)),
                    summary=_element_text(_RELATED_SUMMARY(root)),
                    published=None
                    if date is None
                    else parse_date(date.get("datetime")) or parse_date(text_content(date)),
                )
            )
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
    def _body_element(self) -> HtmlElement | None:
        found = self.selector.css("div.post-body")
        return found[0].root if found else None

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


def _element_text(found: Any) -> str | None:
    element = _first_element(found)
    return (text_content(element) or None) if element is not None else None


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
