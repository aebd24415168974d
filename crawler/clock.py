"""The crawl's clock: real UTC time, or the time a run is told to act at (``CRAWL_CLOCK``).

Every schedule decision (which articles are due, which listing pages are swept) and every
time a record or the state keeps (``fetched_at``, ``last_seen``) is read from one clock, so a
test can run a month of daily crawls in seconds by giving each run its day. No Scrapy here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC: every component's default clock."""
    return datetime.now(UTC)


def parse_clock(value: str) -> datetime:
    """A ``CRAWL_CLOCK`` value: ISO 8601 with a zone (``Z`` or an offset), in UTC.

    >>> parse_clock("2026-03-01T03:00:00Z")
    datetime.datetime(2026, 3, 1, 3, 0, tzinfo=datetime.timezone.utc)
    >>> parse_clock("2026-03-01")
    Traceback (most recent call last):
    ...
    ValueError: CRAWL_CLOCK must be an ISO 8601 time with a zone, e.g. 2026-03-01T03:00:00Z, not '2026-03-01'
    """  # noqa: E501
    problem = ValueError(
        "CRAWL_CLOCK must be an ISO 8601 time with a zone, e.g. 2026-03-01T03:00:00Z, "
        f"not {value!r}"
    )
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise problem from None
    if moment.tzinfo is None:
        raise problem
    return moment.astimezone(UTC)


@lru_cache(maxsize=8)
def crawl_clock(value: str | None) -> Clock:
    """The clock for a ``CRAWL_CLOCK`` setting: real time when empty, else a clock that reads
    ``value`` when it is made and goes on with real time from there. Cached, so every
    component of one process reads the same clock."""
    if not value:
        return utc_now
    start = parse_clock(value)
    origin = time.monotonic()

    def clock() -> datetime:
        return start + timedelta(seconds=time.monotonic() - origin)

    return clock
