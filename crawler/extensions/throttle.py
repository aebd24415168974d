"""AutoThrottle that keeps to robots.txt's ``Crawl-delay`` and lets a 304 speed it up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from scrapy import Request, Spider
from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: Statuses after which the delay may go down as well as up. Scrapy's AutoThrottle only
#: lowers it after a 200: error pages and redirects are small and fast, and lowering the delay
#: on them would speed the crawl up exactly when a site struggles. A 304 Not Modified is no
#: such page: it is the normal, cheap answer to our conditional re-fetch of a known article,
#: and an incremental rerun gets little else for article pages. Ignoring it left a rerun
#: crawling at whatever delay the slow listing pages had pushed the slot to.
DELAY_MAY_FALL: frozenset[int] = frozenset({200, 304})


@runtime_checkable
class CrawlDelays(Protocol):
    """A downloader middleware that knows each slot's floor on its delay
    (``crawler.middlewares.robots.CrawlDelayRobotsTxtMiddleware``): found by what it does,
    so that extensions import no middleware."""

    def crawl_delay(self, slot_key: str) -> float: ...


class CrawlDelayAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle extension (same settings: ``AUTOTHROTTLE_ENABLED``,
    ``AUTOTHROTTLE_START_DELAY``, ``AUTOTHROTTLE_MAX_DELAY``,
    ``AUTOTHROTTLE_TARGET_CONCURRENCY``, ``AUTOTHROTTLE_DEBUG``), with two changes:

    - A slot's delay never goes below the site's robots.txt ``Crawl-delay``, as
      ``crawler.middlewares.robots.CrawlDelayRobotsTxtMiddleware`` found it, not even below
      ``AUTOTHROTTLE_MAX_DELAY``: the site's own limit comes first. Without that middleware
      (``ROBOTSTXT_OBEY = False``) there is no floor.
    - A ``304 Not Modified`` adjusts the delay as a ``200`` does (see
      :data:`DELAY_MAY_FALL`); other statuses still only ever raise it.

    When AutoThrottle is off, nothing rewrites slot delays and the middleware's floor holds
    by itself. No stats of its own.

    Scrapy offers no public hook for either change: this overrides the underscored methods of
    Scrapy 2.19's ``AutoThrottle`` (the dependency is pinned below 2.20), and
    ``tests/extensions/test_throttle.py`` drives them through the real signals.
    """

    def __init__(self, crawler: Crawler) -> None:
        # The base class reads its settings and raises NotConfigured when AutoThrottle is off.
        super().__init__(crawler)
        self.robots: CrawlDelays | None = None

    def _spider_opened(self, spider: Spider) -> None:
        super()._spider_opened(spider)
        # Downloader middlewares exist once the engine does, which it does by spider_opened.
        self.robots = self.crawler.get_downloader_middleware(CrawlDelays)  # type: ignore[type-abstract]

    def crawl_delay(self, slot_key: str) -> float:
        """The site's ``Crawl-delay`` for downloader slot ``slot_key`` (0: none)."""
        return self.robots.crawl_delay(slot_key) if self.robots is not None else 0.0

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        # Scrapy's policy only knows DOWNLOAD_DELAY as a minimum. The downloader looks at the
        # slot again only after this signal, so no request leaves before the floor is back.
        key, slot = self._get_slot(request, spider)
        if key is not None and slot is not None:
            slot.delay = max(slot.delay, self.crawl_delay(key))

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        """Scrapy's policy (2.19), but a 304 may lower the delay as a 200 may."""
        # A server that needs `latency` seconds per answer serves N requests in parallel
        # when sent one every latency/N seconds.
        target_delay = latency / self.target_concurrency
        # Halfway towards the target, or at once to it when it is longer: better for sites
        # in trouble.
        new_delay = max(target_delay, (slot.delay + target_delay) / 2.0)
        new_delay = min(max(self.mindelay, new_delay), self.maxdelay)
        if response.status not in DELAY_MAY_FALL and new_delay <= slot.delay:
            return
        slot.delay = new_delay
