"""The Redis backend as a Scrapy add-on: one switch for the components a worker needs."""

from __future__ import annotations

from scrapy.settings import BaseSettings

from crawler.addons import STATE_SCHEDULER, replace_setting
from crawler.redis.connection import unreachable

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

    def problem(self, settings: BaseSettings) -> str | None:
        """Why the crawl cannot be a worker now: the redis extra is not installed, or Redis
        does not answer at ``REDIS_URL`` (``crawler.redis.connection.unreachable``)."""
        return unreachable(settings)

    def update_settings(self, settings: BaseSettings) -> None:
        extensions = settings.getdict("EXTENSIONS")
        if extensions.get(STATE_EXTENSION) is not None:
            extensions[WORKER_EXTENSION] = extensions[STATE_EXTENSION]
            extensions[STATE_EXTENSION] = None
            settings.set(
                "EXTENSIONS", extensions, priority=settings.getpriority("EXTENSIONS") or "addon"
            )
        replace_setting(settings, "SCHEDULER", STATE_SCHEDULER, SCHEDULER)
        replace_setting(
            settings, "DUPEFILTER_CLASS", "scrapy.dupefilters.RFPDupeFilter", DUPEFILTER
        )
