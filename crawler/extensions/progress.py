"""A crawl's progress line on stderr, for a person watching it.

Read from the run's stats on a timer, so it costs the crawl nothing per page, and drawn by
tqdm (``crawler.progress``): pages fetched; articles new, changed and unchanged; pages failed;
requests a second; and, once a sitemap has said how many articles to expect, a bar with a
percentage and an ETA. Scrapy's log lines are written above it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Never, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from tqdm import tqdm
from twisted.internet.task import LoopingCall

from crawler import progress
from crawler.stats import (
    CHANGED_KEY,
    DROPPED_PREFIX,
    DUPLICATE_CONTENT_KEY,
    LASTMOD_UNCHANGED_KEY,
    NEW_KEY,
    PAGES_FAILED_PREFIX,
    REMOVED_KEY,
    REQUESTS_PREFIX,
    RESPONSES_KEY,
    SITEMAP_LISTED_KEY,
    UNCHANGED_KEY,
    with_prefix,
)

#: Seconds of requests the requests/s figure is taken over: recent enough to show a crawl
#: slowing down, long enough not to jump with every batch of responses.
RATE_WINDOW = 10.0

#: The line before any sitemap said how many articles to expect, and after (tqdm's fields;
#: ``{postfix}`` is ``, `` and :meth:`Snapshot.postfix`).
COUNTING = "{desc}: {n} articles [{elapsed}]{postfix}"
WITH_TOTAL = (
    "{desc}: {percentage:3.0f}%|{bar}| {n}/{total} articles [{elapsed}<{remaining}]{postfix}"
)


def _sum(stats: Mapping[str, Any], prefix: str) -> int:
    return sum(with_prefix(stats, prefix).values())


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the line shows of the stats at one moment.

    >>> line = Snapshot.of({"articles/new": 3, "pages/failed/404": 1, "sitemap/articles_listed": 9,
    ...                     "revisit/skipped/lastmod_unchanged": 4})
    >>> line.done, line.total
    (3, 5)
    >>> line.postfix(2.5)
    '3 new, 0 changed, 0 unchanged, 1 failed; 0 pages, 2.5 req/s'
    """

    pages: int
    new: int
    changed: int
    unchanged: int
    failed: int
    #: Articles removed, dropped with a reason, or dropped as copies of another.
    other: int
    requests: int
    listed: int
    #: Listed articles not to fetch: their lastmod is that of their last check.
    skipped: int

    @classmethod
    def of(cls, stats: Mapping[str, Any]) -> Self:
        def count(key: str) -> int:
            return int(stats.get(key, 0))

        return cls(
            pages=count(RESPONSES_KEY),
            new=count(NEW_KEY),
            changed=count(CHANGED_KEY),
            unchanged=count(UNCHANGED_KEY),
            failed=_sum(stats, PAGES_FAILED_PREFIX),
            other=count(REMOVED_KEY) + _sum(stats, DROPPED_PREFIX) + count(DUPLICATE_CONTENT_KEY),
            requests=_sum(stats, REQUESTS_PREFIX),
            listed=count(SITEMAP_LISTED_KEY),
            skipped=count(LASTMOD_UNCHANGED_KEY),
        )

    @property
    def done(self) -> int:
        """Articles the run is done with: checked, removed or dropped. Not the failed pages,
        which are shown on their own: their count does not say which were articles (a crawl
        whose articles failed ends short of 100 %, by as many)."""
        return self.new + self.changed + self.unchanged + self.other

    @property
    def total(self) -> int | None:
        """Articles to expect: those the sitemaps listed, less those not to fetch (``None``
        before a sitemap was read); or more, once the run is done with more (links found
        articles no sitemap lists, or an incremental run checks those that are due)."""
        if not self.listed:
            return None
        return max(self.listed - self.skipped, self.done) or None

    def postfix(self, rate: float | None) -> str:
        per_second = "?" if rate is None else f"{rate:.1f}"
        return (
            f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.failed} failed; {self.pages} pages, {per_second} req/s"
        )


class RequestRate:
    """Requests a second over the last ``RATE_WINDOW`` seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.samples: deque[tuple[float, int]] = deque()

    def __call__(self, requests: int) -> float | None:
        now = self.clock()
        self.samples.append((now, requests))
        while len(self.samples) > 2 and now - self.samples[1][0] >= RATE_WINDOW:
            self.samples.popleft()
        first, count = self.samples[0]
        return (requests - count) / (now - first) if now > first else None


class CrawlProgress:
    """Extension: the crawl's progress line on stderr while a person watches.

    Settings:

    - ``PROGRESS_ENABLED`` (default ``"auto"``): ``"auto"`` draws the line only when stderr is
      a terminal, so cron, Scrapyd and pipes see nothing of it; ``True`` or ``False`` force it.
    - ``PROGRESS_INTERVAL`` (default ``0.5``): seconds between redraws.

    The percentage and ETA are over ``sitemap/articles_listed`` (the articles the sitemaps
    read so far listed): they appear once a sitemap has been read, on a site that has one.
    """

    def __init__(self, stats: StatsCollector, interval: float) -> None:
        self.stats = stats
        self.interval = interval
        self.rate = RequestRate()
        self._bar: tqdm[Never] | None = None
        self._shown = ExitStack()
        self._loop: AsyncioLoopingCall | LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not progress.wanted(crawler.settings.get("PROGRESS_ENABLED")):
            # Without a message: Scrapy logs a WARNING for a reason given, and a crawl under
            # cron must say nothing of a display nobody asked for.
            raise NotConfigured
        assert crawler.stats is not None
        extension = cls(crawler.stats, crawler.settings.getfloat("PROGRESS_INTERVAL"))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.show()
        self._loop = create_looping_call(self.update)
        self._loop.start(self.interval, now=True)

    def show(self) -> None:
        """Draw the line, with the console's log lines written above it from now on."""
        self._bar = self._shown.enter_context(
            progress.open_bar("crawl", "articles", bar_format=COUNTING)
        )
        self._shown.enter_context(progress.logs_above())

    def update(self) -> None:
        bar = self._bar
        if bar is None:
            return
        now = Snapshot.of(self.stats.get_stats())
        if now.total != bar.total:
            bar.total = now.total
            bar.bar_format = COUNTING if now.total is None else WITH_TOTAL
        bar.set_postfix_str(now.postfix(self.rate(now.requests)), refresh=False)
        bar.update(now.done - bar.n)
        bar.refresh()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.update()
        self.hide()

    def hide(self) -> None:
        """Leave the line as it last was, and the log lines to the console again."""
        self._bar = None
        self._shown.close()
