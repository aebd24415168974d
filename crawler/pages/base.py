"""What every page of the site shares: its canonical URL and its links."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Self

from crawler import urls
from crawler.pages.noise import class_tokens, has_class
from crawler.pages.text import normalize_space, text_content
from crawler.pages.tree import Element, parse_bytes, parse_response

if TYPE_CHECKING:
    from scrapy.http import TextResponse


class Page:
    """A fetched page: its URL and parsed tree. Built from a Scrapy response or from saved bytes,
    so extraction runs with or without Scrapy."""

    def __init__(self, url: str, root: Element, public_origin: str | None = None) -> None:
        """``root``: the document's root element (``crawler.pages.tree.parse_html``).
        ``public_origin``: the origin the site calls itself by when it is served from another
        (a mirror); pages without a canonical link are then named on it too."""
        self.fetched_url = url
        self.root = root
        self.public_origin = public_origin

    @classmethod
    def from_response(cls, response: TextResponse, public_origin: str | None = None) -> Self:
        """Decoded by Scrapy's encoding detection, parsed once into a plain lxml tree: the
        response's own (parsel) ``selector`` is never built."""
        return cls(response.url, parse_response(response), public_origin)

    @classmethod
    def from_bytes(cls, body: bytes, url: str, content_type: str | None = None) -> Self:
        """Decode as a browser would: BOM, then HTTP charset, then ``<meta charset>``, then
        UTF-8; undecodable bytes become U+FFFD (``crawler.pages.tree.decode_html``)."""
        return cls(url, parse_bytes(body, content_type))

    def first_text(self, tag: str, token: str) -> str | None:
        """Normalised text of the first ``tag.token`` element; ``None`` if absent or blank."""
        found = self.first_with_class(tag, token)
        return (text_content(found) or None) if found is not None else None

    def elements(self, tag: str) -> Iterable[Element]:
        """The page's ``tag`` elements in document order."""
        return self.root.iter(tag)

    def first_with_class(self, tag: str, token: str) -> Element | None:
        """The first ``tag`` element with the class ``token`` in document order (CSS
        ``tag.token``)."""
        for element in self.elements(tag):
            if has_class(element, token):
                return element
        return None

    def meta(self, attribute: str, value: str) -> str | None:
        """Normalised ``content`` of the first ``<meta attribute="value" content>`` (CSS
        ``meta[attribute="value"]::attr(content)``: a match without ``content`` is passed)."""
        for element in self.elements("meta"):
            if element.get(attribute) == value and (content := element.get("content")) is not None:
                return normalize_space(content) or None
        return None

    @cached_property
    def canonical_url(self) -> str:
        """SITE.md: the canonical link's URL where the page has one, else the fetched URL with
        tracking parameters and fragment removed."""
        for href in self._canonical_hrefs():
            if resolved := urls.resolve(href, self.fetched_url):
                return resolved
        fetched = urls.canonicalize(self.fetched_url)
        return urls.rebase(fetched, self.public_origin) if self.public_origin else fetched

    def _canonical_hrefs(self) -> Iterator[str]:
        """``link[rel~="canonical"]::attr(href)``, in document order."""
        for element in self.elements("link"):
            rel, href = element.get("rel"), element.get("href")
            if rel is not None and href is not None and "canonical" in class_tokens(rel):
                yield href

    @cached_property
    def named_origin(self) -> str | None:
        """The origin the page's own canonical link names, ``None`` without one: what the
        site calls itself, as opposed to where it was fetched from."""
        for href in self._canonical_hrefs():
            if resolved := urls.resolve(href, self.fetched_url):
                return urls.origin_of(resolved)
        return None

    @cached_property
    def origin(self) -> str:
        """The site's public origin as this page names it."""
        return urls.origin_of(self.canonical_url)

    @cached_property
    def site_netlocs(self) -> frozenset[str]:
        """Hosts that are this site: where the page was fetched and what it calls itself."""
        return frozenset({urls.netloc_of(self.fetched_url), urls.netloc_of(self.canonical_url)})

    @cached_property
    def _links(self) -> urls.SiteLinks:
        return urls.SiteLinks(self.fetched_url, self.origin, self.site_netlocs)

    def link(self, href: str | None) -> str | None:
        """Canonical URL of ``href``; links to this site use its public origin, whichever
        scheme or host alias the href was written with."""
        return None if href is None else self._links.resolve(href)

    def is_on_site(self, url: str) -> bool:
        return urls.netloc_of(url) in self.site_netlocs

    def links(self) -> Iterator[str]:
        """Every distinct link target on the page, canonical, in document order. Lazy: a
        caller that follows only so many links never pays for resolving the rest."""
        seen: set[str] = set()
        for element in self.root.iter("a"):
            href = element.get("href")
            url = self.link(href)
            if url is not None and url not in seen:
                seen.add(url)
                yield url

    def requisites(self) -> Iterator[str]:
        """The stylesheets and images the page shows itself with, as a browser loads them
        (``link rel=stylesheet``, ``img src`` outside ``noscript``), each once, in document
        order; canonical, on the page's site only. What replaying the page needs besides it.
        """
        seen: set[str] = set()
        for element in self.root.iter("link", "img"):
            if element.tag == "link":
                if "stylesheet" not in (element.get("rel") or "").lower().split():
                    continue
                href = element.get("href")
            elif any(parent.tag == "noscript" for parent in element.iterancestors()):
                continue  # a browser running scripts never loads it
            else:
                href = element.get("src")
            url = self.link(href)
            if url is not None and url not in seen and self.is_on_site(url):
                seen.add(url)
                yield url
