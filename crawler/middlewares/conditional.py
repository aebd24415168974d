"""Conditional requests: an article page the state has seen is asked for only if it changed."""

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
from crawler.archive.rundir import utc_now
from crawler.extensions.state import crawl_state
from crawler.outcomes import UNCHANGED_KEY
from crawler.pipelines.dedup import DUPLICATE_CONTENT_KEY

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.state import CrawlState

logger = logging.getLogger(__name__)

#: Request meta key: the request carries validators from the state.
CONDITIONAL_META = "state_conditional"
NOT_MODIFIED_KEY = "state/not_modified"


class NotModified(IgnoreRequest):
    """The server answered 304: the page is as the state knows it. Counted here, so the
    spiders' errback, which skips ``IgnoreRequest``, does not count it as a failure."""


class ConditionalRequestMiddleware:
    """Downloader middleware: sends ``If-None-Match`` (the ``ETag``) and ``If-Modified-Since``
    (the ``Last-Modified``) the state has for an article page, and turns a ``304`` into an
    unchanged article (``articles/unchanged``; a republished copy the state knows as such is
    counted again as ``dedup/duplicate_content``), with the state's ``last_seen`` updated.

    Home, category pages, robots.txt and sitemaps are never asked for conditionally: they are
    how new articles are found. Only active with a crawl state; no settings. Stats:
    ``state/not_modified`` (304s received).
    """

    def __init__(
        self,
        stats: StatsCollector,
        state: CrawlState,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.stats = stats
        self.state = state
        self.clock = clock

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        state = crawl_state(crawler)
        if state is None:
            raise NotConfigured("no crawl state")
        assert crawler.stats is not None
        return cls(crawler.stats, state)

    def process_request(self, request: Request) -> None:
        if urls.page_kind(request.url) != "article" or b"If-None-Match" in request.headers:
            return
        known = self.state.article(urls.path_key(request.url))
        if known is None or known.removed or not (known.etag or known.last_modified):
            return
        if known.etag:
            request.headers[b"If-None-Match"] = known.etag
        if known.last_modified:
            request.headers[b"If-Modified-Since"] = known.last_modified
        request.meta[CONDITIONAL_META] = True

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 304 or not request.meta.get(CONDITIONAL_META):
            return response
        self.stats.inc_value(NOT_MODIFIED_KEY)
        known = self.state.article(urls.path_key(request.url))
        if known is not None:
            known.last_seen = iso_utc(self.clock())
            known.last_status = 304
            self.state.save_article(known)
            self.stats.inc_value(DUPLICATE_CONTENT_KEY if known.duplicate_of else UNCHANGED_KEY)
        raise NotModified(f"not modified: {request.url}")
