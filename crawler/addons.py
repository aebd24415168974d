"""The project's add-on: state backends switched on by the settings that configure them."""

from __future__ import annotations

import logging

from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

logger = logging.getLogger(__name__)


class StateBackends:
    """Enables the add-on of each state backend whose setting is set (``STATE_BACKENDS``:
    setting name -> add-on class path; ``REDIS_URL`` -> ``crawler.redis.RedisAddon``), so that
    ``-s REDIS_URL=...`` alone makes a worker of a distributed crawl. The backend is named by
    a setting, as Scrapy's ``SCHEDULER`` is: nothing here imports it until it is wanted.

    Without a crawl state (``STATE_ENABLED = False``) the scheduler is Scrapy's own and no
    backend is enabled.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        wanted = [name for name in settings.getdict("STATE_BACKENDS") if settings.get(name)]
        if not settings.getbool("STATE_ENABLED"):
            settings.set("SCHEDULER", "scrapy.core.scheduler.Scheduler", priority="addon")
            for name in wanted:
                logger.warning(
                    "%s is ignored with STATE_ENABLED=False: workers share a crawl through "
                    "its state",
                    name,
                )
            return
        for name in wanted:
            addon = load_object(settings.getdict("STATE_BACKENDS")[name])()
            addon.update_settings(settings)
