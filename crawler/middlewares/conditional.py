"""Conditional requests: an article page or a sitemap the state has seen is asked for only if
it changed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Self

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler import urls
from crawler.archive.manifest import iso_utc
from crawler.clock import crawl_clock, utc_now
from crawler.extensions.revisit import RevisitPolicy, revisit_policy
from crawler.extensions.state import crawl_state
from crawler.middlewares.purpose import purpose_of
from crawler.stats import (
    DUPLICATE_CONTENT_KEY,
    NOT_MODIFIED_KEY,
    SITEMAP_NOT_MODIFIED_KEY,
    UNCHANGED_KEY,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.state import CrawlState

logger = logging.getLogger(__name__)

#: Request meta key: the request carries validators from the state.
CONDITIONAL_META = "state_conditional"


class NotModified(IgnoreRequest):
    """The server answered 304: the page is as the state knows it. Counted here, so the
    spiders' errback, which skips ``IgnoreRequest``, does not count it as a failure."""


class ConditionalRequestMiddleware:
    """Downloader middleware: sends ``If-None-Match`` (the ``ETag``) and ``If-Modified-Since``
    (the ``Last-Modified``) the state has for an article page, and turns a ``304`` into an
    unchanged article (``articles/unchanged``; a republished copy the state knows as such is
    counted again as ``dedup/duplicate_content``), with the state's ``last_seen`` updated.

    Sitemaps are asked for with the validators they last answered with; a 304 there means
    the file lists what it listed (``sitemap/not_modified``). Home, category pages and
    robots.txt are never asked for conditionally: they are how new articles are found. The
    revisit policy reschedules an article that answered 304. Only active with a crawl state;
    no settings. Stats: ``state/not_modified`` (article 304s received).
    """

    def __init__(
        self,
        stats: StatsCollector,
        state: CrawlState,
        clock: Callable[[], datetime] = utc_now,
        policy: RevisitPolicy | None = None,
    ) -> None:
        self.stats = stats
        self.state = state
        self.clock = clock
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        state = crawl_state(crawler)
        if state is None:
            raise NotConfigured("no crawl state")
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            state,
            crawl_clock(crawler.settings.get("CRAWL_CLOCK")),
            revisit_policy(crawler),
        )

    def process_request(self, request: Request) -> None:
        if b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return
        if urls.page_kind(request.url) != "article":
            if self.policy is not None and purpose_of(request) == "sitemap":
                self._sitemap_request(request)
            return
        known = self.state.article(urls.path_key(request.url))
        if known is None or known.removed or not (known.etag or known.last_modified):
            return
        if known.etag:
            request.headers[b"If-None-Match"] = known.etag
        if known.last_modified:
            request.headers[b"If-Modified-Since"] = known.last_modified
        request.meta[CONDITIONAL_META] = True

    def _sitemap_request(self, request: Request) -> None:
        assert self.policy is not None
        known = self.policy.sitemaps.validators(request.url)
        if known is None or not (known.etag or known.last_modified):
            return
        if known.etag:
            request.headers[b"If-None-Match"] = known.etag
        if known.last_modified:
            request.headers[b"If-Modified-Since"] = known.last_modified
        request.meta[CONDITIONAL_META] = "sitemap"

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 304 or not request.meta.get(CONDITIONAL_META):
            return response
        if request.meta[CONDITIONAL_META] == "sitemap":
            assert self.policy is not None
            self.stats.inc_value(SITEMAP_NOT_MODIFIED_KEY)
            self.policy.sitemaps.not_modified(request.url)
            raise NotModified(f"not modified: {request.url}")
        self.stats.inc_value(NOT_MODIFIED_KEY)
        known = self.state.article(urls.path_key(request.url))
        if known is not None:
            known.last_seen = iso_utc(self.clock())
            known.last_status = 304
            if self.policy is not None:
                self.policy.checked(known, changed=False)
            self.state.save_article(known)
            self.stats.inc_value(DUPLICATE_CONTENT_KEY if known.duplicate_of else UNCHANGED_KEY)
        raise NotModified(f"not modified: {request.url}")
