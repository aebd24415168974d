"""The Redis backend as a Scrapy add-on: one switch for the components a worker needs."""

from __future__ import annotations

from scrapy.settings import BaseSettings

#: The core's state components and the worker's that take their places.
STATE_EXTENSION = "crawler.extensions.state.CrawlStateExtension"
WORKER_EXTENSION = "crawler.redis.extension.WorkerStateExtension"
SCHEDULER = "crawler.redis.scheduler.RedisScheduler"
DUPEFILTER = "crawler.redis.dupefilter.FrontierDupeFilter"


class RedisAddon:
    """Makes ``scrapy crawl`` a worker of a distributed crawl on ``REDIS_URL``: the crawl
    state's extension, the scheduler and the duplicate filter become the Redis ones
    (``crawler.redis``). The project's ``StateBackends`` add-on enables it when ``REDIS_URL``
    is set; ``ADDONS = {"crawler.redis.RedisAddon": 0}`` enables it explicitly."""

    def update_settings(self, settings: BaseSettings) -> None:
        extensions = settings.getdict("EXTENSIONS")
        order = extensions.pop(STATE_EXTENSION, 10)
        extensions[STATE_EXTENSION] = None
        extensions[WORKER_EXTENSION] = order
        settings.set("EXTENSIONS", extensions, priority="addon")
        settings.set("SCHEDULER", SCHEDULER, priority="addon")
        settings.set("DUPEFILTER_CLASS", DUPEFILTER, priority="addon")
