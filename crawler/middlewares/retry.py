"""Retries that wait: ``Retry-After`` when the server gives one, else exponential backoff."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Self

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

from crawler.clock import utc_now
from crawler.stats import RETRY_AFTER_KEY, RETRY_AFTER_TOO_LONG_KEY, WAITED_KEY

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


def parse_retry_after(value: bytes | str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or an HTTP-date, RFC 9110
    10.2.3); ``None`` when absent or unreadable, so the caller falls back to its own backoff.

    >>> now = datetime(2025, 8, 6, 9, 0, 0, tzinfo=UTC)
    >>> parse_retry_after(b"120", now)
    120.0
    >>> parse_retry_after("Wed, 06 Aug 2025 09:00:30 GMT", now)
    30.0
    >>> parse_retry_after("Wed, 06 Aug 2025 08:00:00 GMT", now)  # already past: go now
    0.0
    >>> parse_retry_after(b"soon", now) is None
    True
    """
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT, even when it fails to say so
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def status_reason(status: int) -> str:
    """Retry reason (and stats key suffix) for a status: Scrapy's, but with the phrases its
    table lacks.

    >>> status_reason(429)
    '429 Too Many Requests'
    >>> status_reason(599)
    '599 Unknown Status'
    """
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return response_status_message(status)


def backoff_delay(attempt: int, base: float, cap: float, jitter: float) -> float:
    """Delay before retry number ``attempt`` (1 for the first): ``base * 2**(attempt-1)``
    capped at ``cap``, of which the upper half is scaled by ``jitter`` in ``[0, 1)``, so
    that pages failing together ("equal jitter") do not all come back at the same instant.

    >>> [backoff_delay(n, 1.0, 30.0, jitter=0.0) for n in (1, 2, 3, 4)]
    [0.5, 1.0, 2.0, 4.0]
    >>> backoff_delay(10, 1.0, 30.0, jitter=1.0)
    30.0
    """
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + ceiling / 2 * jitter


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's ``RetryMiddleware`` (same codes, exceptions, ``RETRY_TIMES``, stats and
    ``dont_retry``/``max_retry_times`` meta), but each retry waits first: for as long as the
    response's ``Retry-After`` asks, and at least an exponential backoff with jitter.

    The wait is an ``await`` in the middleware chain, so the reactor keeps running other
    downloads; the waiting request keeps its place in the downloader (it counts against
    ``CONCURRENT_REQUESTS``, not against its domain's slot) and the crawl does not close
    under it. Replace ``scrapy.downloadermiddlewares.retry.RetryMiddleware`` with it.

    Settings (besides ``RetryMiddleware``'s; ``RETRY_ENABLED = False`` switches it off):

    - ``RETRY_AFTER_MAX`` (default ``60``): longest ``Retry-After`` honoured, in seconds. A
      server asking for more is not retried in this run: the response goes on to the spider
      (which counts it as failed) and ``retry/retry_after_too_long`` is incremented.
    - ``RETRY_BACKOFF_BASE`` (default ``1.0``): seconds the first retry waits at most (at
      least half of it); each further retry doubles it. ``0`` disables the backoff.
    - ``RETRY_BACKOFF_MAX`` (default ``30``): cap on one backoff wait, in seconds.

    Stats: ``retry/retry_after`` (waits a server asked for), ``retry/retry_after_too_long``,
    ``retry/waited_ms`` (total), besides ``RetryMiddleware``'s ``retry/*`` keys.
    """

    def __init__(
        self,
        settings: BaseSettings,
        *,
        retry_after_max: float,
        backoff_base: float,
        backoff_max: float,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        # The base class reads its own settings and raises NotConfigured when RETRY_ENABLED
        # is off; only this class's values are passed in plain.
        super().__init__(settings)
        self.retry_after_max = retry_after_max
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.jitter = jitter
        self.clock = clock

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        middleware = cls(
            settings,
            retry_after_max=settings.getfloat("RETRY_AFTER_MAX"),
            backoff_base=settings.getfloat("RETRY_BACKOFF_BASE"),
            backoff_max=settings.getfloat("RETRY_BACKOFF_MAX"),
        )
        middleware.crawler = crawler
        return middleware

    # Scrapy awaits a coroutine returned by any middleware method; the base class's methods
    # are plain functions, hence the overrides' differing return types.
    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = parse_retry_after(response.headers.get(b"Retry-After"), self.clock())
        if asked is not None and asked > self.retry_after_max:
            self._stats_inc(RETRY_AFTER_TOO_LONG_KEY)
            logger.warning(
                "Not retrying %s: Retry-After %.0fs exceeds RETRY_AFTER_MAX (%.0fs)",
                request,
                asked,
                self.retry_after_max,
            )
            return response
        retry = self._retry(request, status_reason(response.status))
        if retry is None:
            return response
        if asked is not None:
            self._stats_inc(RETRY_AFTER_KEY)
        await self._wait(retry, asked)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await self._wait(retry, None)
        return retry

    def delay(self, retry: Request, asked: float | None) -> float:
        """Seconds to wait before sending ``retry``: the server's ``Retry-After`` if it gave
        one, and never less than the backoff for this attempt."""
        attempt = int(retry.meta.get("retry_times", 1))
        backoff = (
            backoff_delay(attempt, self.backoff_base, self.backoff_max, self.jitter())
            if self.backoff_base > 0
            else 0.0
        )
        return max(backoff, asked or 0.0)

    async def _wait(self, retry: Request, asked: float | None) -> None:
        seconds = self.delay(retry, asked)
        if seconds <= 0:
            return
        logger.debug("Waiting %.2fs before %s", seconds, retry)
        self._stats_inc(WAITED_KEY, round(seconds * 1000))
        await sleep(seconds)

    def _stats_inc(self, key: str, count: int = 1) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(key, count)
