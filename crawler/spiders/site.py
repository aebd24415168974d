"""``scrapy crawl site -a start_url=URL``: the whole site, from its home page and sitemaps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler import urls
from crawler.pages import ArticlePage, CategoryPage, Page
from crawler.spiders.base import ArchiveSpider, SpiderArgumentError
from crawler.spiders.scope import SiteScope

#: Request priorities: listings first (they discover the most), then articles, then the rest;
#: sitemap-only articles after linked ones, so of a republished pair the linked copy is met first.
#: Articles known from earlier runs come last: by then most were met again through links.
PRIORITY = {
    "robots": 100,
    "sitemap": 40,
    "category": 30,
    "article": 20,
    "sitemap-article": 10,
    "known-article": 5,
}

PAGE_CLASSES: dict[str, type[Page]] = {"article": ArticlePage, "category": CategoryPage}

#: Links followed lately, remembered so that the nav, footer and related links every page
#: repeats are not made into requests again and again, only for the scheduler to fingerprint
#: each and drop it. Bounded: the scheduler's seen set stays the authority on what was seen.
FOLLOWED_MEMORY = 16_384

#: Link targets that are never pages of the site.
ASSET_SUFFIXES: tuple[str, ...] = (
    ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".pdf", ".zip",
    ".mp3", ".mp4", ".woff", ".woff2", ".xml", ".json", ".txt",
)  # fmt: skip


def check_start_url(url: str | None) -> str:
    if not url:
        raise SpiderArgumentError("missing -a start_url=<http(s) URL of the site's home page>")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpiderArgumentError(f"start_url must be an absolute http(s) URL, got {url!r}")
    return url.strip()


class SiteSpider(ArchiveSpider):
    """Crawls home navigation, every category page, every article card and related link, and
    the sitemaps robots.txt names; stays on the start URL's host."""

    name = "site"
    accepted_arguments: ClassVar[frozenset[str]] = frozenset({"start_url"})

    def __init__(self, start_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(start_url=start_url, **kwargs)
        self.start_url = check_start_url(start_url)
        self.scope: SiteScope = SiteScope(self.start_url)
        self.allowed_domains = [urlsplit(self.start_url).hostname or ""]
        self._followed: dict[str, None] = {}

    async def start(self) -> AsyncIterator[Request]:
        robots = f"{self.scope.fetch_origin}/robots.txt"
        yield Request(robots, self.parse_robots, errback=self.failed, priority=PRIORITY["robots"])
        yield Request(
            self.start_url, self.parse, errback=self.failed, priority=PRIORITY["category"]
        )
        for url in self.known_articles():
            yield Request(
                self.scope.revisit(url),
                self.parse,
                errback=self.failed,
                priority=PRIORITY["known-article"],
            )

    def parse_robots(self, response: Response) -> Iterator[Request]:
        for sitemap in sitemap_urls_from_robots(response.body, base_url=response.url):
            # robots.txt speaks for its site: its Sitemap host is the site's public name.
            url = urls.resolve(sitemap, response.url)
            if url is None:
                continue
            self.scope.add_alias(url)
            yield from self._follow(url, "sitemap", self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except ValueError:  # Scrapy's "decompressed past the maximum size"
                self.count_failure("DecompressionBomb", response.url)
                return
            except (OSError, EOFError):
                self.count_failure("BadGzip", response.url)
                return
        sitemap = Sitemap(body)
        for entry in sitemap:
            loc = urls.resolve(entry.get("loc", ""), response.url)
            if loc is None:
                continue
            if sitemap.type == "sitemapindex":
                yield from self._follow(loc, "sitemap", self.parse_sitemap)
            else:
                yield from self._follow(loc, "sitemap-article", self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Every HTML page: archive it if it is an article or a listing, then follow its links."""
        if not isinstance(response, TextResponse):
            self.not_html(response)
            return
        kind = urls.page_kind(response.url)
        page = self.page(PAGE_CLASSES.get(kind or "", Page), response)
        if self.scope.to_fetch(response.url) is not None:
            # Only a page fetched from the site itself may say what else the site is called.
            self.scope.add_alias(page.canonical_url)
        if isinstance(page, ArticlePage):
            yield page.to_item()
        elif isinstance(page, CategoryPage):
            yield from self.category_item(page)
        for link in page.links():
            if link in self._followed:
                continue
            yield from self._follow(link, urls.page_kind(link) or "other", self.parse)
            # Only once the request was taken: a link a crawl limit stopped before it (the
            # rest of a page past PAGE_MAX_LINKS is never asked for) is not remembered.
            self._remember(link)

    def _remember(self, link: str) -> None:
        self._followed[link] = None
        if len(self._followed) > FOLLOWED_MEMORY:
            del self._followed[next(iter(self._followed))]

    def _follow(self, url: str, kind: str, callback: Any) -> Iterator[Request]:
        target = self.scope.to_fetch(url)
        if target is None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("links/offsite")
            return
        if kind != "sitemap" and urlsplit(target).path.lower().endswith(ASSET_SUFFIXES):
            return
        priority = PRIORITY.get(kind, 0)
        yield Request(target, callback, errback=self.failed, priority=priority)
