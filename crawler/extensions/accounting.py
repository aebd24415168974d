"""A finished run accounts for every article its sitemaps list, or says which it lost.

Each article a sitemap lists must end a finished run in one of these ways: archived (new or
changed), known unchanged, left for later by the revisit policy (it is in the state, with
its next check due), failed with a cause, or dropped with a reason (both counted in the stats,
their requests finished). An article the state has never archived nor remembered and whose
request the run never finished was lost on the way: a request gone from the frontier, a
worker's queue lost with Redis. Such a run is not complete, whatever Scrapy calls it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.extensions.alarms import Alarm
from crawler.extensions.state import crawl_state_extension
from crawler.state import CrawlState
from crawler.stats import ALARMS_KEY, UNACCOUNTED_KEY

logger = logging.getLogger(__name__)

#: Unaccounted articles named in the alarm itself (the log names them all).
NAMED_IN_ALARM = 3


def unaccounted_alarm(urls: list[str]) -> Alarm | None:
    """The alarm for ``urls``, the articles a finished run did not account for.

    >>> print(unaccounted_alarm(["https://a/1"]))
    1 article(s) unaccounted for: the sitemaps list them, and the run neither archived them, \
found them unchanged, left them for later, failed them with a cause nor dropped them with a \
reason (https://a/1); the next run asks for them
    >>> unaccounted_alarm([]) is None
    True
    """
    if not urls:
        return None
    named = ", ".join(urls[:NAMED_IN_ALARM]) + (", ..." if len(urls) > NAMED_IN_ALARM else "")
    return Alarm(
        "unaccounted",
        f"{len(urls)} article(s) unaccounted for: the sitemaps list them, and the run "
        "neither archived them, found them unchanged, left them for later, failed them with "
        f"a cause nor dropped them with a reason ({named}); the next run asks for them",
    )


class Accounting:
    """When a run finishes, counts the articles its sitemaps list that it did not account for
    (``CrawlState.unaccounted``) under ``accounting/unaccounted`` (the manifest's
    ``counts.unaccounted``), logs each one's URL, and raises the ``unaccounted`` alarm:
    ``scrapy crawl`` exits 7. A run that stopped before it finished is not judged: its
    articles are still on their way. Needs a crawl state (the frontier says which requests the
    run finished); settings: none.
    """

    def __init__(
        self,
        stats: StatsCollector,
        state: Callable[[], CrawlState | None],
        origin: Callable[[], str | None],
    ) -> None:
        self.stats = stats
        #: Looked up when the spider closes: extensions are built before one can find another.
        self.state = state
        self.origin = origin

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STATE_ENABLED"):
            raise NotConfigured("no crawl state")
        assert crawler.stats is not None

        def state() -> CrawlState | None:
            extension = crawl_state_extension(crawler)
            return extension.state if extension is not None else None

        def origin() -> str | None:
            extension = crawl_state_extension(crawler)
            site = extension.site if extension is not None else None
            return (site.public_origin or site.origin) if site is not None else None

        extension = cls(crawler.stats, state, origin)
        # Connected after the drift alarms (EXTENSIONS order) and before any item pipeline is
        # built: it runs before the archive's spider_closed, which writes the manifest.
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        state = self.state()
        if state is None or reason != "finished":
            return
        origin = self.origin() or ""
        urls = [origin + key for key in state.unaccounted()]
        self.stats.set_value(UNACCOUNTED_KEY, len(urls))
        alarm = unaccounted_alarm(urls)
        if alarm is None:
            return
        for url in urls:
            logger.error("Unaccounted for: %s", url)
        logger.error("Alarm (%s): %s", alarm.kind, alarm.message)
        self.stats.set_value(ALARMS_KEY, [*(self.stats.get_value(ALARMS_KEY) or ()), alarm])
