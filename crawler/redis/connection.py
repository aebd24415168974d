"""A worker's Redis client, key prefix and id, from the settings."""

from __future__ import annotations

import os
import re
import socket
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from scrapy import Spider
from scrapy.settings import BaseSettings

from crawler.state import StateError

if TYPE_CHECKING:
    from redis import Redis

#: Prefix of the keys of a site's state when ``REDIS_KEY_PREFIX`` is not set.
DEFAULT_PREFIX = "evergreen"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def redis_client(settings: BaseSettings) -> Redis:
    """A client for ``REDIS_URL`` (with scrapy-redis's defaults and ``REDIS_PARAMS``), checked
    with a ping so that a wrong URL fails before the crawl starts."""
    try:
        # Installed with the redis extra only: a crawl without REDIS_URL never imports it.
        from redis.exceptions import RedisError
        from scrapy_redis.connection import get_redis_from_settings
    except ImportError as exc:
        raise StateError(
            "REDIS_URL needs the redis extra: pip install 'evergreen-crawler[redis]'"
        ) from exc
    client = cast("Redis", get_redis_from_settings(settings))
    try:
        client.ping()
    except RedisError as exc:
        client.close()
        raise StateError(f"cannot reach Redis at REDIS_URL: {exc}") from exc
    return client


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
