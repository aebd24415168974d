"""robots.txt obeyed, its ``Crawl-delay`` included (Scrapy parses it but never applies it:
scrapy#892)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached

from crawler.failure_stats import count_page_failure
from crawler.stats import CRAWL_DELAY_KEY

if TYPE_CHECKING:
    from scrapy.core.downloader import Downloader
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


#: Added to a site's Crawl-delay in its slot's delay. The downloader times a request from when
#: it leaves the slot, the site from when it arrives: a request sent a few milliseconds late
#: (the event loop busy) makes the next gap the site sees that much shorter than the delay.
ARRIVAL_MARGIN = 0.02


class CrawlDelayRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's ``RobotsTxtMiddleware`` (same place, 100; same settings: ``ROBOTSTXT_OBEY``,
    ``ROBOTSTXT_PARSER``, ``ROBOTSTXT_USER_AGENT``), which also honours the ``Crawl-delay``
    a site's robots.txt gives our user agent.

    Once a site's robots.txt is parsed, its ``Crawl-delay`` becomes a floor on the gap between
    two requests to the site: the delay of the downloader slot each of its requests goes
    through (Scrapy's slot key: the request's ``download_slot`` meta, else its host) is raised
    to it, and the slot's random jitter (``DOWNLOAD_DELAY_JITTER``, on by default) is switched
    off, since it would make half the gaps shorter than the site asked for. The slot's
    ``DOWNLOAD_SLOTS`` entry gets the same values, so a slot Scrapy drops when idle and makes
    again later starts with them. AutoThrottle, which rewrites slot delays on every response,
    keeps to the floor through ``crawler.extensions.throttle.CrawlDelayAutoThrottle``
    (:meth:`crawl_delay`).

    Settings:

    - ``ROBOTSTXT_MAX_CRAWL_DELAY`` (default ``60``): longest ``Crawl-delay`` honoured, in
      seconds; a longer one is clamped to it and logged once per site (an hour between
      requests would make a crawl of a few thousand pages last months). ``0`` ignores
      ``Crawl-delay``, as Scrapy does.

    Stats: ``robotstxt/crawl_delay`` (the longest ``Crawl-delay`` honoured, in seconds, after
    clamping), besides ``RobotsTxtMiddleware``'s ``robotstxt/*`` keys; its own robots.txt
    request failing with no response counts under ``pages/failed/<error>`` as the spiders'
    requests do, so the summary's failures add up to the requests the drift alarm counts.
    """

    def __init__(self, crawler: Crawler, *, max_crawl_delay: float) -> None:
        # The base class reads its own settings and raises NotConfigured when ROBOTSTXT_OBEY
        # is off; only this class's value is passed in plain.
        super().__init__(crawler)
        self.max_crawl_delay = max_crawl_delay
        #: Seconds honoured per robots.txt netloc (0: none asked for), worked out once.
        self._site_delays: dict[str, float] = {}
        #: Floors per downloader slot key; a slot shared by several sites takes the longest.
        self._floors: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            crawler,
            max_crawl_delay=crawler.settings.getfloat("ROBOTSTXT_MAX_CRAWL_DELAY"),
        )

    def crawl_delay(self, slot_key: str) -> float:
        """The floor on the delay of downloader slot ``slot_key``, in seconds (0: none)."""
        return self._floors.get(slot_key, 0.0)

    def process_exception(self, request: Request, exception: Exception) -> None:
        # The base class's own request (no callback; a spider's has one): it has no errback
        # to count it, and Scrapy only logs it, with a traceback.
        if (
            request.callback is NO_CALLBACK
            and request.meta.get("dont_obey_robotstxt")
            and not isinstance(exception, IgnoreRequest)
        ):
            count_page_failure(self._stats, logger, type(exception).__name__, request.url)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        # Called for every request once its site's robots.txt is known, so the floor also
        # reaches a slot whose key appears later (a download_slot meta, a slot made anew).
        if rp is not None:
            delay = self._site_delay(rp, request)
            if delay > 0:
                self._hold_floor(self._downloader().get_slot_key(request), delay + ARRIVAL_MARGIN)
        super().process_request_2(rp, request)

    def _site_delay(self, rp: RobotParser, request: Request) -> float:
        netloc = urlparse_cached(request).netloc
        known = self._site_delays.get(netloc)
        if known is not None:
            return known
        # The user agent robots.txt rules are matched against, as the base class does.
        user_agent = self._robotstxt_useragent or request.headers.get(
            b"User-Agent", self._default_useragent
        )
        asked = rp.crawl_delay(user_agent or "") or 0.0
        delay = max(0.0, min(asked, self.max_crawl_delay))
        if asked > delay and self.max_crawl_delay > 0:
            logger.warning(
                "robots.txt of %s asks for Crawl-delay: %gs; honouring %gs "
                "(ROBOTSTXT_MAX_CRAWL_DELAY)",
                netloc,
                asked,
                delay,
            )
        elif delay > 0:
            logger.info("robots.txt of %s asks for Crawl-delay: %gs; honouring it", netloc, delay)
        if delay > 0:
            self._stats.max_value(CRAWL_DELAY_KEY, delay)
        self._site_delays[netloc] = delay
        return delay

    def _hold_floor(self, key: str, delay: float) -> None:
        floor = max(delay, self._floors.get(key, 0.0))
        self._floors[key] = floor
        downloader = self._downloader()
        configured = downloader.per_slot_settings.get(key, {})
        if float(configured.get("delay", 0.0)) < floor or configured.get("jitter") != 0:
            downloader.per_slot_settings[key] = {
                **configured,
                "delay": max(floor, float(configured.get("delay", 0.0))),
                "jitter": 0.0,
            }
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, floor)
            slot.jitter = 0.0

    def _downloader(self) -> Downloader:
        return self.crawler.engine.downloader
