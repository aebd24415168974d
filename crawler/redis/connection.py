"""A worker's Redis client, key prefix and id, from the settings; whether Redis can be reached."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit, urlunsplit

from scrapy import Spider
from scrapy.settings import BaseSettings

from crawler.state import StateError

if TYPE_CHECKING:
    from crawler.redis.outage import OutageRetry, WorkerRedis

#: Prefix of the keys of a site's state when ``REDIS_KEY_PREFIX`` is not set.
DEFAULT_PREFIX = "evergreen"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


#: What to do when ``REDIS_URL`` is set and the redis extra is not installed.
EXTRA_MISSING = (
    "REDIS_URL needs the redis extra (scrapy-redis and redis-py): "
    "pip install 'evergreen-crawler[redis]', or crawl without REDIS_URL"
)


def shown_url(url: str) -> str:
    """``url`` as an error message may show it: without its password.

    >>> shown_url("redis://:secret@redis.lan:6379/0")
    'redis://:***@redis.lan:6379/0'
    >>> shown_url("redis://127.0.0.1:6379/0")
    'redis://127.0.0.1:6379/0'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _with_params(settings: BaseSettings, **params: object) -> BaseSettings:
    """``settings`` with ``params`` added to ``REDIS_PARAMS`` (the client's parameters)."""
    changed = settings.copy()
    changed.set("REDIS_PARAMS", {**settings.getdict("REDIS_PARAMS"), **params}, priority="cmdline")
    return changed


def unreachable(settings: BaseSettings) -> str | None:
    """Why a worker cannot use ``REDIS_URL`` now (the redis extra is not installed, the URL is
    not one, Redis does not answer a PING: one attempt), or ``None``. ``scrapy crawl`` asks
    before the crawl starts (``RedisAddon.problem``)."""
    try:
        # Installed with the redis extra only: a crawl without REDIS_URL never imports it.
        from redis.backoff import NoBackoff
        from redis.exceptions import RedisError
        from redis.retry import Retry
        from scrapy_redis.connection import get_redis_from_settings
    except ImportError:
        return EXTRA_MISSING
    url = str(settings.get("REDIS_URL"))
    try:
        client = get_redis_from_settings(_with_params(settings, retry=Retry(NoBackoff(), 0)))
    except ValueError as exc:
        return f"REDIS_URL {shown_url(url)!r} is not a Redis URL: {exc}"
    try:
        client.ping()
    except RedisError as exc:
        return (
            f"cannot reach Redis at REDIS_URL ({shown_url(url)}): start it, or point REDIS_URL "
            f"at a running server ({exc})"
        )
    finally:
        client.close()
    return None


def redis_client(
    settings: BaseSettings, give_up: Callable[[str], object]
) -> tuple[WorkerRedis, OutageRetry]:
    """A client for ``REDIS_URL`` (with scrapy-redis's defaults and ``REDIS_PARAMS``) whose
    calls wait out an outage of up to ``REDIS_OUTAGE_TIMEOUT`` seconds, and the policy that
    retries them (``crawler.redis.outage``): past it, ``give_up`` is told why."""
    try:
        from scrapy_redis.connection import get_redis_from_settings

        from crawler.redis.outage import OutageRetry, WorkerRedis
    except ImportError as exc:
        raise StateError(EXTRA_MISSING) from exc
    policy = OutageRetry(
        settings.getfloat("REDIS_OUTAGE_TIMEOUT"),
        url=shown_url(str(settings.get("REDIS_URL"))),
        give_up=give_up,
    )
    client = get_redis_from_settings(_with_params(settings, retry=policy, redis_cls=WorkerRedis))
    return cast("WorkerRedis", client), policy


def site_of(spider: Spider) -> str | None:
    """``host[:port]`` of the site a spider crawls: the site spider's start URL, the category
    or article spider's first URL.

    >>> from crawler.spiders.site import SiteSpider
    >>> site_of(SiteSpider(start_url="http://127.0.0.1:8000/"))
    '127.0.0.1:8000'
    """
    scope = getattr(spider, "scope", None)
    candidates = [getattr(scope, "fetch_origin", None)]
    candidates += list(getattr(spider, "urls", None) or [])
    candidates += list(getattr(spider, "arguments", {}).values())
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
            return urlsplit(candidate).netloc.lower() or None
    return None


def key_prefix(settings: BaseSettings, spider: Spider) -> str:
    """``REDIS_KEY_PREFIX``, else ``evergreen:<host[:port] of the site>``: one state per site,
    as one ``STATE_DIR`` per site."""
    configured = settings.get("REDIS_KEY_PREFIX")
    if configured:
        return str(configured)
    site = site_of(spider)
    if site is None:
        raise StateError(
            f"cannot tell which site spider {spider.name!r} crawls: set REDIS_KEY_PREFIX"
        )
    return f"{DEFAULT_PREFIX}:{site}"


def worker_id(settings: BaseSettings) -> str:
    """``REDIS_WORKER_ID``, else ``<host name>-<pid>``; made safe for a folder name.

    >>> from scrapy.settings import Settings
    >>> worker_id(Settings({"REDIS_WORKER_ID": "rack 2/w1"}))
    'rack-2-w1'
    """
    configured = settings.get("REDIS_WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"
    return _UNSAFE.sub("-", str(configured)).strip("-") or str(os.getpid())
