"""Send requests for the site's other names to the host the crawl fetches from."""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler

from crawler import urls


class SiteAliasMiddleware:
    """Downloader middleware: a request for a host the site calls itself by (the public origin
    its canonical links name, while it is served from a mirror) is re-issued to the start
    host. Spiders map links themselves; this catches what they never see, such as a redirect
    whose ``Location`` names the public origin. It runs before Scrapy's offsite filter, which
    would otherwise drop such a request as another host's.

    Acts only for spiders with a ``scope`` (``crawler.spiders.scope.SiteScope``). Stats:
    ``alias/rewritten``. No settings; remove it from ``DOWNLOADER_MIDDLEWARES`` to switch off.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> Request | None:
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is None or not scope.is_alias(request.url):
            return None
        target = scope.to_fetch(urls.canonicalize(request.url))
        if target is None:
            return None
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("alias/rewritten")
        return request.replace(url=target)
