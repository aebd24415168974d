"""What every page of the site shares: its canonical URL and its links."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Self

from parsel import Selector
from w3lib.encoding import html_to_unicode

from crawler import urls
from crawler.pages.text import text_content

if TYPE_CHECKING:
    from scrapy.http import TextResponse


class Page:
    """A fetched page: its URL and parsed tree. Built from a Scrapy response or from saved bytes,
    so extraction runs with or without Scrapy."""

    def __init__(self, url: str, selector: Selector, public_origin: str | None = None) -> None:
        """``public_origin``: the origin the site calls itself by when it is served from
        another (a mirror); pages without a canonical link are then named on it too."""
        self.fetched_url = url
        self.selector = selector
        self.public_origin = public_origin

    @classmethod
    def from_response(cls, response: TextResponse, public_origin: str | None = None) -> Self:
        return cls(response.url, response.selector, public_origin)

    @classmethod
    def from_bytes(cls, body: bytes, url: str, content_type: str | None = None) -> Self:
        """Decode as a browser would: BOM, then HTTP charset, then ``<meta charset>``, then a
        guess; undecodable bytes become U+FFFD rather than an error."""
        _encoding, text = html_to_unicode(content_type, body)
        return cls(url, Selector(text=text, type="html"))

    def first_text(self, css: str) -> str | None:
        """Normalised text of the first element matching ``css``; ``None`` if absent or blank."""
        for found in self.selector.css(css):
            text = text_content(found.root)
            return text or None
        return None

    def meta(self, css: str) -> str | None:
        """Normalised ``content`` of the first ``<meta>`` matching ``css``."""
        value = self.selector.css(f"{css}::attr(content)").get()
        text = " ".join(value.split()) if value else ""
        return text or None

    @cached_property
    def canonical_url(self) -> str:
        """SITE.md: the canonical link's URL where the page has one, else the fetched URL with
        tracking parameters and fragment removed."""
        for href in self.selector.css('link[rel~="canonical"]::attr(href)').getall():
            if resolved := urls.resolve(href, self.fetched_url):
                return resolved
        fetched = urls.canonicalize(self.fetched_url)
        return urls.rebase(fetched, self.public_origin) if self.public_origin else fetched

    @cached_property
    def origin(self) -> str:
        """The site's public origin as this page names it."""
        return urls.origin_of(self.canonical_url)

    @cached_property
    def site_netlocs(self) -> frozenset[str]:
        """Hosts that are this site: where the page was fetched and what it calls itself."""
        return frozenset({urls.netloc_of(self.fetched_url), urls.netloc_of(self.canonical_url)})

    def link(self, href: str | None) -> str | None:
        """Canonical URL of ``href``; links to this site use its public origin, whichever
        scheme or host alias the href was written with."""
        if href is None:
            return None
        resolved = urls.resolve(href, self.fetched_url)
        if resolved and urls.netloc_of(resolved) in self.site_netlocs:
            return urls.rebase(resolved, self.origin)
        return resolved

    def is_on_site(self, url: str) -> bool:
        return urls.netloc_of(url) in self.site_netlocs

    def links(self) -> Iterator[str]:
        """Every distinct link target on the page, canonical, in document order. Lazy: a
        caller that follows only so many links never pays for resolving the rest."""
        seen: set[str] = set()
        for href in self.selector.css("a[href]::attr(href)").getall():
            url = self.link(href)
            if url is not None and url not in seen:
                seen.add(url)
                yield url
