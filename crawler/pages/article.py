"""Article pages (``/page.php?p=<id>``): one method per field of SITE.md's record."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

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
        meta = self.selector.css("div.post-meta")
        candidates = [
            meta.css("time::attr(datetime)").get(),
            meta.css("time").xpath("string()").get(),
            meta.xpath("string()").get(),
            self.meta('meta[property="article:published_time"]'),
            self._json_ld().get("datePublished"),
        ]
        for candidate in candidates:
            if isinstance(candidate, str) and (found := parse_date(candidate)):
                return found
        return None

    def category(self) -> str | None:
        section = self._json_ld().get("articleSection")
        return (
            self.first_text("nav.breadcrumbs a.breadcrumb-category")
            or self.meta('meta[property="article:section"]')
            or (" ".join(section.split()) if isinstance(section, str) and section.strip() else None)
        )

    def blocks(self) -> list[Block]:
        body = self._body_element
        return body_blocks(body) if body is not None else []

    def body(self) -> str:
        return "\n\n".join(block.text for block in self.blocks())

    def related(self) -> list[RelatedLink]:
        cards = []
        for card in self.selector.css("section.related-articles li.related-item"):
            url = self.link(card.css("a.related-link::attr(href)").get())
            if url is None:
                continue
            date = card.css("time.related-date")
            cards.append(
                RelatedLink(
                    url=url,
                    category=_text(card.css("a.related-category")),
                    summary=_text(card.css(".related-summary")),
                    published=parse_date(date.attrib.get("datetime"))
                    or parse_date(date.xpath("string()").get()),
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

    def _json_ld(self) -> dict[str, Any]:
        return _article_json_ld(
            self.selector.css('script[type="application/ld+json"]::text').getall()
        )


def _text(selection: Any) -> str | None:
    return (text_content(selection[0].root) or None) if selection else None


def _article_json_ld(scripts: list[str]) -> dict[str, Any]:
    """The first JSON-LD object of ``@type`` Article; malformed JSON-LD is ignored, as the
    visible page, not its metadata, is the record's source."""
    for script in scripts:
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for node in data if isinstance(data, list) else [data]:
            if isinstance(node, dict) and node.get("@type") in ("Article", "NewsArticle"):
                return node
    return {}
