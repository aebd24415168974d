"""scrapy-redis's request queue, on the crawl state's frontier in Redis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import Request, Spider
from scrapy_redis.queue import Base

from crawler.extensions.state import crawl_state
from crawler.redis.state import RedisState
from crawler.scheduler import page_key, request_to_dict
from crawler.state import Queued

if TYPE_CHECKING:
    from redis import Redis


class FrontierQueue(Base):  # type: ignore[misc]  # scrapy-redis has no type hints
    """``scrapy_redis.queue.Base`` on ``crawler.redis.frontier.RedisFrontier``, the frontier of
    the run this worker joined (found through the spider's crawler, as scrapy-redis's
    components find their settings). Compared with scrapy-redis's ``PriorityQueue``:

    - ``push`` adds the request's fingerprint to the run's seen set and queues it in one step,
      and says whether it did: scrapy-redis's dupefilter ``SADD`` and queue ``ZADD`` are two
      round trips, and a worker killed between them leaves a request seen and never queued.
    - ``take`` moves the request into this worker's requests in flight; scrapy-redis's ``pop``
      deletes it (``ZRANGE`` + ``ZREMRANGEBYRANK``), so a killed worker loses what it held.
    - The order is priority, then last in first out (Scrapy's own); scrapy-redis orders
      requests of equal priority by their pickled bytes, and two equal pushes collapse into
      one sorted-set member.
    - Requests are serialised by callback name without ``Request.to_dict``'s search of every
      spider member (``crawler.scheduler.request_to_dict``), with scrapy-redis's serializer.
    """

    def __init__(self, server: Redis, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        state = crawl_state(spider.crawler)
        if not isinstance(state, RedisState):
            raise ValueError("FrontierQueue needs the Redis crawl state (REDIS_URL)")
        self.frontier = state.frontier
        assert spider.crawler.request_fingerprinter is not None
        self.fingerprinter = spider.crawler.request_fingerprinter

    def _encode_request(self, request: Request) -> bytes:
        data: bytes = self.serializer.dumps(request_to_dict(request, self.spider))
        return data

    def __len__(self) -> int:
        return self.frontier.pending()

    def push(self, request: Request) -> bool:
        """Queue ``request`` unless its fingerprint is known (``dont_filter``: queue it
        anyway); return whether it was queued."""
        ticket = self.frontier.add(
            self.fingerprinter.fingerprint(request),
            request.priority,
            lambda: (page_key(request), self._encode_request(request)),
            force=request.dont_filter,
        )
        return ticket is not None

    def take(self) -> Queued | None:
        """The next request's frontier entry, now in this worker's requests in flight: the
        taker marks it done (``frontier.done``) once it is handled."""
        return self.frontier.pop()

    def decode(self, queued: Queued) -> Request:
        request: Request = self._decode_request(queued.data)
        return request

    def pop(self, timeout: int = 0) -> Request | None:
        """scrapy-redis's ``pop``: ``take`` then ``decode``. The request stays in flight until
        marked done; ``crawler.redis.scheduler.RedisScheduler`` does both."""
        queued = self.take()
        return self.decode(queued) if queued is not None else None

    def clear(self) -> None:
        """Nothing: the run owns its queue, deleted when the run is finished. scrapy-redis
        clears it when a spider closes, under every other worker of the crawl."""
