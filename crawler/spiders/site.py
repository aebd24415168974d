"""``scrapy crawl site -a start_url=URL``: the whole site, from its home page and sitemaps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from crawler import urls
from crawler.archive.categories import first_page_url
from crawler.cache import BoundedCache
from crawler.extensions.revisit import RevisitPolicy, revisit_policy
from crawler.extensions.state import CrawlStateExtension, crawl_state_extension
from crawler.middlewares.purpose import PURPOSE_META, purpose_of, purpose_of_url
from crawler.pages import ArticlePage, CategoryPage, Page
from crawler.pipelines.version import header
from crawler.spiders.base import ArchiveSpider, SpiderArgumentError
from crawler.spiders.scope import SiteScope
from crawler.state.site import SiteMismatch
from crawler.stats import REQUISITE_FAILED_PREFIX, SITEMAP_LISTED_KEY

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
    "requisite": 1,
}

#: Request meta key: a sitemap's URL as robots.txt or its index named it (the site's name).
SITE_NAME_META = "site_name"
#: Request meta key: how many listing pages in a row before this one listed only known articles.
LISTING_META = "listing_known"

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
    the sitemaps robots.txt names; stays on the start URL's host.

    With a crawl state, the revisit policy (``crawler.extensions.revisit``) decides which
    known pages a run asks for again: a link to a known article is not followed unless its
    check is due or its sitemap lastmod moved, and a category's pagination stops at pages of
    known articles. Every request carries its purpose in ``meta["purpose"]``.

    With ``WARC_ENABLED`` and ``WARC_PAGE_REQUISITES`` (both default on) it also asks, once
    per run, for the stylesheets and images on the site's host that its article and listing
    pages load (purpose ``requisite``), for the archive to keep for replay
    (``crawler.middlewares.capture``). One that fails is counted under
    ``warc/requisite_failed/<status or error>``, not among the pages failed.
    """

    name = "site"
    accepted_arguments: ClassVar[frozenset[str]] = frozenset({"start_url"})

    def __init__(self, start_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(start_url=start_url, **kwargs)
        self.start_url = check_start_url(start_url)
        self.scope: SiteScope = SiteScope(self.start_url)
        self.allowed_domains = [urlsplit(self.start_url).hostname or ""]
        self._followed: BoundedCache[str, None] = BoundedCache(FOLLOWED_MEMORY)
        #: Revisits held back until a mirror has said which public site it serves.
        self._held = False

    @cached_property
    def policy(self) -> RevisitPolicy | None:
        return revisit_policy(self.crawler)

    @cached_property
    def fetches_requisites(self) -> bool:
        settings = self.crawler.settings
        return settings.getbool("WARC_ENABLED") and settings.getbool("WARC_PAGE_REQUISITES")

    @cached_property
    def state_extension(self) -> CrawlStateExtension | None:
        return crawl_state_extension(self.crawler)

    async def start(self) -> AsyncIterator[Request]:
        robots = f"{self.scope.fetch_origin}/robots.txt"
        yield self._request(robots, self.parse_robots, "robots", PRIORITY["robots"])
        yield self._request(self.start_url, self.parse, "listing", PRIORITY["category"])
        extension = self.state_extension
        if extension is not None and extension.site_pending:
            self._held = True
            return
        for request in self._revisits():
            yield request

    def _revisits(self) -> Iterator[Request]:
        """The known pages the run checks whatever links and sitemaps say."""
        policy = self.policy
        if policy is None:
            return
        for url, purpose in policy.revisits():
            yield self._request(
                self.scope.revisit(url), self.parse, purpose, PRIORITY["known-article"]
            )
        for url, page in policy.sweeps():
            listing = url if page == 1 else f"{url}&page={page}"
            yield self._request(
                self.scope.revisit(listing), self.parse, "listing", PRIORITY["category"]
            )

    def _named(self, public_origin: str) -> Iterator[Request]:
        """The site has said what it calls itself: check it against the state's site, and
        let the held-back revisits go once a mirror proved to serve the state's site."""
        extension = self.state_extension
        if extension is None or not extension.needs_public_origin:
            return
        try:
            extension.public_origin_learned(public_origin)
        except SiteMismatch as exc:
            self.refuse_site(str(exc))
            return
        if self._held:
            self._held = False
            yield from self._revisits()

    def parse_robots(self, response: Response) -> Iterator[Request]:
        for sitemap in sitemap_urls_from_robots(response.body, base_url=response.url):
            # robots.txt speaks for its site: its Sitemap host is the site's public name.
            url = urls.resolve(sitemap, response.url)
            if url is None:
                continue
            self.scope.add_alias(url)
            if self.scope.public_origin is not None:
                yield from self._named(self.scope.public_origin)
            yield from self._follow(
                url, "sitemap", self.parse_sitemap, "sitemap", {SITE_NAME_META: url}
            )

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        # The name robots.txt gave the sitemap is the site's: another worker of a distributed
        # crawl may have read robots.txt, and this one must know the name to follow entries.
        if named := response.meta.get(SITE_NAME_META):
            self.scope.add_alias(str(named))
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
        policy = self.policy
        if policy is not None:
            policy.sitemaps.answered(
                self.public_url(response.url),
                header(response, b"ETag"),
                header(response, b"Last-Modified"),
            )
        sitemap = Sitemap(body)
        stats = self.crawler.stats
        assert stats is not None
        for entry in sitemap:
            loc = urls.resolve(entry.get("loc", ""), response.url)
            if loc is None:
                continue
            lastmod = entry.get("lastmod")
            if sitemap.type == "sitemapindex":
                if policy is None or policy.sitemaps.child(loc, lastmod):
                    yield from self._follow(
                        loc, "sitemap", self.parse_sitemap, "sitemap", {SITE_NAME_META: loc}
                    )
                continue
            stats.inc_value(SITEMAP_LISTED_KEY)
            purpose = (
                "new"
                if policy is None
                else policy.sitemaps.entry(loc, lastmod, self.public_url(response.url))
            )
            if purpose is not None:
                yield from self._follow(loc, "sitemap-article", self.parse, purpose)
        if policy is None:
            return
        if sitemap.type == "sitemapindex":
            policy.sitemaps.read_index(self.public_url(response.url))
            return
        for missing in policy.sitemaps.read(self.public_url(response.url)):
            yield from self._follow(missing, "known-article", self.parse, "verify_removal")

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
            if page.named_origin is not None:
                yield from self._named(page.named_origin)
        request = response.request
        if self.fetches_requisites and (
            isinstance(page, ArticlePage)
            or (request is not None and purpose_of(request) == "listing")
        ):
            yield from self._requisites(page)
        listing: int | None = 0
        category_url = None
        if isinstance(page, ArticlePage):
            yield page.to_item()
        elif isinstance(page, CategoryPage):
            for item in self.category_item(page, response):
                category_url = item.url
                if self.policy is not None:
                    known = int(response.meta.get(LISTING_META, 0))
                    listing = self.policy.listing(item.url, item.page, item.articles, known)
                yield item
        for link in page.links():
            if link in self._followed:
                continue
            link_kind = urls.page_kind(link)
            meta: dict[str, Any] = {}
            if category_url is not None and self._paginates(link, link_kind, category_url):
                if listing is None:
                    continue  # the rest of the category is known: its sweep comes by schedule
                meta[LISTING_META] = listing
            purpose = self._purpose(link, link_kind)
            if purpose is None:
                continue
            yield from self._follow(link, link_kind or "other", self.parse, purpose, meta)
            # Only once the request was taken: a link a crawl limit stopped before it (the
            # rest of a page past PAGE_MAX_LINKS is never asked for) is not remembered.
            self._remember(link)

    def _requisites(self, page: Page) -> Iterator[Request]:
        """What the page loads to show itself, each asked for once a run (the scheduler's
        seen set; the links memory spares it the same stylesheet on every page)."""
        for url in page.requisites():
            if url in self._followed:
                continue
            target = self.scope.to_fetch(url)
            if target is not None:
                yield Request(
                    target,
                    self.parse_requisite,
                    errback=self.requisite_failed,
                    priority=PRIORITY["requisite"],
                    meta={PURPOSE_META: "requisite"},
                )
            self._remember(url)

    def parse_requisite(self, response: Response) -> Iterator[Any]:
        """A stylesheet or image: nothing to follow (the capture middleware keeps it)."""
        return iter(())

    def requisite_failed(self, failure: Failure) -> None:
        """Errback of requisites: counted by status or error, and not a page failure."""
        error = failure.value
        if isinstance(error, IgnoreRequest) and not isinstance(error, HttpError):
            return  # robots-forbidden and the like: the middleware that refused counts it
        reason = (
            str(error.response.status) if isinstance(error, HttpError) else type(error).__name__
        )
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(REQUISITE_FAILED_PREFIX + reason)
        url = getattr(getattr(failure, "request", None), "url", "?")
        self.logger.info("requisite not kept (%s): %s", reason, url)

    @staticmethod
    def _paginates(link: str, kind: str | None, category_url: str) -> bool:
        """Whether ``link`` (of page kind ``kind``) is a later page of the category listed at
        ``category_url``."""
        return (
            kind == "category"
            and urls.category_page_number(link) > 1
            and first_page_url(link) == category_url
        )

    def _purpose(self, link: str, kind: str | None) -> str | None:
        """Why to follow a link a page gives, ``None`` not to: an article is the revisit
        policy's to decide."""
        if kind == "article" and self.policy is not None:
            return self.policy.article_link(link)
        return purpose_of_url(link)

    def _remember(self, link: str) -> None:
        self._followed.put(link, None)

    def _request(self, url: str, callback: Any, purpose: str, priority: int) -> Request:
        return Request(
            url, callback, errback=self.failed, priority=priority, meta={PURPOSE_META: purpose}
        )

    def _follow(
        self,
        url: str,
        kind: str,
        callback: Any,
        purpose: str,
        meta: dict[str, Any] | None = None,
    ) -> Iterator[Request]:
        target = self.scope.to_fetch(url)
        if target is None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("links/offsite")
            return
        if kind != "sitemap" and urlsplit(target).path.lower().endswith(ASSET_SUFFIXES):
            return
        request = self._request(target, callback, purpose, PRIORITY.get(kind, 0))
        if meta:
            request.meta.update(meta)
        yield request
