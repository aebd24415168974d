"""scrapy-redis's scheduler, adapted to Scrapy 2.19 and to the crawl state's frontier."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Container
from typing import TYPE_CHECKING, Any, Protocol, Self

from scrapy import Request, Spider
from scrapy.utils.misc import load_object
from scrapy.utils.reactor import CallLaterOnce
from scrapy_redis.scheduler import Scheduler

from crawler.extensions.state import crawl_state
from crawler.redis.dupefilter import FrontierDupeFilter
from crawler.redis.queue import FrontierQueue
from crawler.redis.state import RedisState
from crawler.scheduler import InFlight, requests_in_progress

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def wake_engine(crawler: Crawler) -> None:
    """Ask the engine to take requests from its scheduler again now.

    Scrapy polls its scheduler after each download, and otherwise only every 5 seconds (its
    slot's heartbeat); it has no public call for "the scheduler may have requests now". A
    worker whose shared queue ran dry while other workers still crawl would sit up to 5 s
    before taking the requests they queue, so this reads the engine's own next call, as
    ``crawler.scheduler.requests_in_progress`` reads its bookkeeping. Should that move, the
    heartbeat still polls, only slower.
    """
    try:
        engine = crawler.engine
    except RuntimeError:  # no crawl running
        return
    nextcall = getattr(getattr(engine, "_slot", None), "nextcall", None)
    schedule = getattr(nextcall, "schedule", None)
    if callable(schedule):
        schedule()


class EngineWaker:
    """Wakes the engine ``delay`` seconds after it found the shared queue empty (at most one
    wake-up pending at a time)."""

    def __init__(self, crawler: Crawler, delay: float) -> None:
        self._call = CallLaterOnce(wake_engine, crawler)
        self.delay = delay

    def __call__(self) -> None:
        self._call.schedule(self.delay)

    def cancel(self) -> None:
        self._call.cancel()


class Waker(Protocol):
    def __call__(self) -> None: ...

    def cancel(self) -> None: ...


class RedisScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis has no type hints
    """``scrapy_redis.scheduler.Scheduler`` with ``FrontierQueue`` and ``FrontierDupeFilter``,
    on the frontier of the run this worker joined. What changes from scrapy-redis 0.9.1, and
    why:

    - **Nothing is flushed.** ``SCHEDULER_PERSIST`` is always on and ``SCHEDULER_FLUSH_ON_START``
      ignored: the queue and the seen set belong to the run, shared by every worker, and are
      deleted when the run is finished. With scrapy-redis's default, the first worker whose
      queue was momentarily empty closed and deleted both, and the second fetched every page
      again.
    - **A request is done only once the engine has finished with it** (``InFlight``): until
      then it stays in this worker's requests in flight in Redis, and a live worker queues it
      again if this one dies. scrapy-redis's pop deletes it on the spot.
    - **Seen and queued in one step** (``FrontierQueue.push``), with the crawler's request
      fingerprints (``FrontierDupeFilter``).
    - **Waking up.** When the shared queue is empty but the crawl is not over (other workers
      may queue more), the engine is asked to look again every ``IDLE_POLL`` seconds instead
      of Scrapy's 5 s heartbeat; ``SCHEDULER_IDLE_BEFORE_CLOSE`` (a blocking pop that stalls
      the reactor) is not used. When the crawl is over is the state extension's call
      (``crawler.redis.extension``), not a timeout.
    - Stats are counted without the ``spider`` argument Scrapy 2.19 deprecates, and nothing
      logs through the deprecated ``Spider.log``.

    Settings read: ``SCHEDULER_SERIALIZER`` (a module with ``loads`` and ``dumps``; pickle by
    default), ``DUPEFILTER_DEBUG``. Stats: ``scheduler/enqueued[/redis]``,
    ``scheduler/dequeued[/redis]``, ``dupefilter/filtered``.
    """

    #: Seconds between two looks at an empty shared queue.
    IDLE_POLL = 0.1

    def __init__(
        self,
        server: Redis,
        *,
        queue_key: str,
        dupefilter_key: str,
        stats: StatsCollector,
        in_progress: Callable[[], Container[Request]],
        wake: Waker,
        serializer: Any = None,
    ) -> None:
        super().__init__(
            server,
            persist=True,
            flush_on_start=False,
            queue_key=queue_key,
            queue_cls=_qualified(FrontierQueue),
            dupefilter_key=dupefilter_key,
            dupefilter_cls=_qualified(FrontierDupeFilter),
            idle_before_close=0,
            serializer=serializer,
        )
        self.stats = stats
        self.in_progress = in_progress
        self.wake = wake
        self.queue: FrontierQueue
        self.df: FrontierDupeFilter
        self.in_flight: InFlight | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        state = crawl_state(crawler)
        if not isinstance(state, RedisState):
            raise ValueError("RedisScheduler needs the Redis crawl state (REDIS_URL)")
        assert crawler.stats is not None
        serializer = crawler.settings.get("SCHEDULER_SERIALIZER")
        keys = state.frontier.keys
        return cls(
            state.client,
            queue_key=keys.queue,
            dupefilter_key=keys.seen,
            stats=crawler.stats,
            in_progress=lambda: requests_in_progress(crawler),
            wake=EngineWaker(crawler, cls.IDLE_POLL),
            serializer=importlib.import_module(serializer)
            if isinstance(serializer, str)
            else serializer,
        )

    def open(self, spider: Spider) -> None:
        # scrapy-redis's open() with its queue and dupefilter classes, without flushing and
        # without the deprecated Spider.log.
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer
        )
        self.df = load_object(self.dupefilter_cls).from_spider(spider)
        self.in_flight = InFlight(self.queue.frontier, self.in_progress)
        if queued := len(self.queue):
            logger.info("Joining a crawl with %d requests queued", queued)

    def close(self, reason: str) -> None:
        self.wake.cancel()
        if self.in_flight is not None:
            # The engine has finished with every request by now.
            self.in_flight.sweep(())

    def enqueue_request(self, request: Request) -> bool:
        # scrapy-redis's order: the dupefilter first (most links are known, and cost no
        # serialising), then the queue, which may still find that another worker was first.
        if (not request.dont_filter and self.df.request_seen(request)) or not self.queue.push(
            request
        ):
            self.df.log(request, self.spider)
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.stats.inc_value("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        assert self.in_flight is not None
        self.in_flight.sweep()
        queued = self.queue.take()
        if queued is None:
            self.wake()
            return None
        request = self.queue.decode(queued)
        self.in_flight.add(request, queued.fingerprint, queued.ticket)
        self.stats.inc_value("scheduler/dequeued/redis")
        self.stats.inc_value("scheduler/dequeued")
        return request
