"""The project's add-on: state backends switched on by the settings that configure them."""

from __future__ import annotations

import logging
from typing import Protocol

from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

logger = logging.getLogger(__name__)


#: The project's own scheduler, on the crawl state's frontier.
STATE_SCHEDULER = "crawler.scheduler.StateScheduler"


def replace_setting(settings: BaseSettings, name: str, default: str, value: str) -> None:
    """Set ``name`` to ``value`` where it still is the project's ``default``, at the priority
    the default has (an add-on's own priority ranks below the project's settings module, which
    names the default): a value given on purpose (``-s NAME=...``) is left alone."""
    if settings.get(name) == default:
        settings.set(name, value, priority=settings.getpriority(name) or "addon")


class StateBackend(Protocol):
    """A state backend's add-on (``STATE_BACKENDS``): it switches the backend's components on,
    and may say why the backend cannot be used now (``problem``: its server does not answer,
    its extra is not installed), which ``scrapy crawl`` asks before the crawl starts."""

    def update_settings(self, settings: BaseSettings) -> None: ...


def wanted_backends(settings: BaseSettings) -> list[str]:
    """The names of the settings in ``STATE_BACKENDS`` that are set."""
    return [name for name in settings.getdict("STATE_BACKENDS") if settings.get(name)]


def backend_problem(settings: BaseSettings) -> str | None:
    """Why a state backend the settings switch on cannot be used now, or ``None``: asked of
    its add-on's ``problem(settings)`` method, where it has one, by name (the core imports no
    backend)."""
    if not settings.getbool("STATE_ENABLED"):
        return None
    for name in wanted_backends(settings):
        addon: StateBackend = load_object(settings.getdict("STATE_BACKENDS")[name])()
        problem = getattr(addon, "problem", None)
        if callable(problem) and (found := problem(settings)):
            return str(found)
    return None


class StateBackends:
    """Enables the add-on of each state backend whose setting is set (``STATE_BACKENDS``:
    setting name -> add-on class path; ``REDIS_URL`` -> ``crawler.redis.RedisAddon``), so that
    ``-s REDIS_URL=...`` alone makes a worker of a distributed crawl. The backend is named by
    a setting, as Scrapy's ``SCHEDULER`` is: nothing here imports it until it is wanted.

    Without a crawl state (``STATE_ENABLED = False``) the scheduler is Scrapy's own and no
    backend is enabled.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        wanted = wanted_backends(settings)
        if not settings.getbool("STATE_ENABLED"):
            replace_setting(
                settings, "SCHEDULER", STATE_SCHEDULER, "scrapy.core.scheduler.Scheduler"
            )
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
