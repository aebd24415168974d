"""scrapy-redis's duplicate filter, on the run's seen set and the crawler's fingerprints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.extensions.state import crawl_state
from crawler.redis.state import RedisState

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.utils.request import RequestFingerprinterProtocol

    from crawler.redis.frontier import RedisFrontier


class FrontierDupeFilter(RFPDupeFilter):  # type: ignore[misc]  # scrapy-redis has no type hints
    """``scrapy_redis.dupefilter.RFPDupeFilter`` on the seen set of the run this worker joined.
    Compared with scrapy-redis's:

    - Fingerprints are the crawler's (``REQUEST_FINGERPRINTER_CLASS``: fingerprints of
      canonical URLs, so a redirect to a tracked URL is still a duplicate). scrapy-redis 0.9.1
      computes its own (a SHA-1 of w3lib's canonical URL, method and body), predating Scrapy's
      fingerprinter API, and ignores the setting.
    - ``request_seen`` only reads (with a local cache of fingerprints known): the seen set is
      written by ``FrontierQueue.push`` together with the queue.
    - ``close`` and ``clear`` leave the seen set alone: scrapy-redis deletes it when a spider
      closes (``SCHEDULER_PERSIST = False``, its default), and under Scrapy 2.19 a worker
      closes as soon as the shared queue is momentarily empty, so the other worker re-fetched
      every page it met again. The run owns the set; it is deleted when the run is finished.
    """

    def __init__(
        self,
        server: Redis,
        key: str,
        debug: bool = False,
        *,
        frontier: RedisFrontier,
        fingerprinter: RequestFingerprinterProtocol,
    ) -> None:
        super().__init__(server, key, debug)
        self.frontier = frontier
        self.fingerprinter = fingerprinter

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        crawler = spider.crawler
        state = crawl_state(crawler)
        if not isinstance(state, RedisState):
            raise ValueError("FrontierDupeFilter needs the Redis crawl state (REDIS_URL)")
        assert crawler.request_fingerprinter is not None
        frontier = state.frontier
        return cls(
            state.client,
            frontier.keys.seen,
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
            frontier=frontier,
            fingerprinter=crawler.request_fingerprinter,
        )

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def request_seen(self, request: Request) -> bool:
        return self.frontier.known(self.fingerprinter.fingerprint(request))

    def close(self, reason: str = "") -> None:
        """Nothing: the seen set is the run's, not this worker's."""

    def clear(self) -> None:
        """Nothing: the seen set is the run's, not this worker's."""
