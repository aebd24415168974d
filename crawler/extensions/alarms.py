"""Drift alarms: a crawl that quietly archived nothing must not look like a good one.

Three ways a scheduled crawl fails without an error: the site could not be reached (or nearly
every request failed), the site changed its article template so pages yield no record, or a
field vanished from the pages that still do. Each is judged from the crawl's stats when the
spider closes; the ``scrapy crawl`` command turns them into ``error:`` lines and an exit code.

Why not Spidermon: its field coverage counts the items that reached the end of the pipelines,
while here most article pages of an incremental run are never downloaded (304) or are
dropped as unchanged, and a redesigned template makes pages fail validation before they
could be counted; its monitors report through actions (mail, Slack) and leave the process's
exit status alone; and comparing with the previous run needs Scrapy Cloud's job history,
where the crawl state already keeps every run's coverage.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler import settings as defaults
from crawler.coverage import Coverage
from crawler.extensions.state import crawl_state
from crawler.state import CrawlState
from crawler.stats import (
    ALARMS_KEY,
    DOWNLOADER_EXCEPTION_PREFIX,
    DOWNLOADER_STATUS_PREFIX,
    DROPPED_PREFIX,
    LOST_REASON,
    PAGES_KEY,
    with_prefix,
)

logger = logging.getLogger(__name__)

#: Exit status of ``scrapy crawl`` per alarm kind; the lowest one raised is the exit status.
EXIT_CODES: dict[str, int] = {
    "unreachable": 4,
    "failing": 4,
    "no_records": 5,
    "coverage": 6,
    # crawler.extensions.accounting: a finished run lost track of articles.
    "unaccounted": 7,
}


@dataclass(frozen=True, slots=True)
class Alarm:
    kind: str
    message: str

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.kind]

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When an alarm fires; the defaults never fire on the bundled sample site."""

    #: Share of requests that failed (no response, or a 5xx) from which the crawl failed.
    failed_share: float = defaults.ALARM_FAILED_SHARE
    #: Share of article pages without a record from which the template is taken to have moved.
    no_record_share: float = defaults.ALARM_NO_RECORD_SHARE
    #: Fall in a field's coverage (0-1) from the previous run's that counts as drift.
    coverage_drop: float = defaults.ALARM_COVERAGE_DROP
    #: Article pages a run must have parsed for its shares to mean anything.
    min_pages: int = defaults.ALARM_MIN_PAGES


def _causes(counts: Mapping[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name.rsplit('.', 1)[-1]}: {n}" for name, n in ranked[:4])


def reachability_alarm(stats: Mapping[str, Any], thresholds: Thresholds) -> Alarm | None:
    """The site could not be reached at all, or nearly every request failed.

    >>> reachability_alarm({"downloader/request_count": 4,
    ...     "downloader/exception_type_count/builtins.ConnectionRefusedError": 4}, Thresholds())
    Alarm(kind='unreachable', message='the site could not be reached: 4 requests, no response (ConnectionRefusedError: 4)')
    """  # noqa: E501
    requests = int(stats.get("downloader/request_count", 0))
    if requests == 0:
        return None
    exceptions = with_prefix(stats, DOWNLOADER_EXCEPTION_PREFIX)
    responses = int(stats.get("downloader/response_count", 0))
    if responses == 0:
        return Alarm(
            "unreachable",
            f"the site could not be reached: {requests} requests, no response"
            + (f" ({_causes(exceptions)})" if exceptions else ""),
        )
    server_errors = {
        status: n
        for status, n in with_prefix(stats, DOWNLOADER_STATUS_PREFIX).items()
        if status.isdigit() and int(status) >= 500
    }
    failed = sum(exceptions.values()) + sum(server_errors.values())
    if failed / requests >= thresholds.failed_share:
        return Alarm(
            "failing",
            f"nearly every request failed: {failed} of {requests} "
            f"({_causes({**exceptions, **server_errors})})",
        )
    return None


def no_record_alarm(stats: Mapping[str, Any], thresholds: Thresholds) -> Alarm | None:
    """Many of the article pages fetched gave no record (the template moved); pages held for
    a field they lost are the coverage alarms' to judge."""
    pages = int(stats.get(PAGES_KEY, 0))
    dropped = {
        reason: n
        for reason, n in with_prefix(stats, DROPPED_PREFIX).items()
        if not reason.startswith(LOST_REASON)
    }
    if pages < thresholds.min_pages or sum(dropped.values()) / pages < thresholds.no_record_share:
        return None
    return Alarm(
        "no_records",
        f"{sum(dropped.values())} of {pages} article pages yielded no record "
        f"({_causes(dropped)}): has the site changed its article template?",
    )


def collapsed_fields(
    current: Coverage, previous: Coverage | None, thresholds: Thresholds
) -> list[str]:
    """The fields found on far fewer article pages than in the previous run.

    >>> collapsed_fields(Coverage(30, {"related": 0.1, "title": 1.0}),
    ...     Coverage(30, {"related": 1.0, "title": 1.0}), Thresholds())
    ['related']
    """
    if previous is None or current.pages < thresholds.min_pages:
        return []
    return [
        name
        for name, share in current.fields.items()
        if previous.fields.get(name, 0.0) - share >= thresholds.coverage_drop
    ]


def coverage_alarms(
    current: Coverage, previous: Coverage | None, thresholds: Thresholds
) -> list[Alarm]:
    """Fields found on far fewer article pages than in the previous run."""
    if previous is None:
        return []
    return [
        Alarm(
            "coverage",
            f"field {name!r} was found on {current.fields[name]:.0%} of {current.pages} article "
            f"pages, down from {previous.fields.get(name, 0.0):.0%} of {previous.pages} in the "
            "previous run",
        )
        for name in collapsed_fields(current, previous, thresholds)
    ]


def evaluate(
    stats: Mapping[str, Any], previous: Coverage | None, thresholds: Thresholds
) -> list[Alarm]:
    alarms = [
        alarm
        for alarm in (reachability_alarm(stats, thresholds), no_record_alarm(stats, thresholds))
        if alarm is not None
    ]
    return alarms + coverage_alarms(Coverage.from_stats(stats), previous, thresholds)


class DriftAlarms:
    """Judges the crawl when the spider closes and stores its alarms under the ``alarms``
    stat, each also logged at ERROR. The archive's manifest lists them; ``scrapy crawl``
    prints them as ``error:`` lines and exits with the lowest of their codes (README).

    The previous run's coverage comes from the crawl state (the latest finished run of the
    same spider with at least ``ALARM_MIN_PAGES`` article pages); without a state coverage is
    not compared.

    Settings (shares are 0-1):

    - ``ALARM_FAILED_SHARE`` (default ``0.9``): requests failed (no response or 5xx).
    - ``ALARM_NO_RECORD_SHARE`` (default ``0.25``): article pages that gave no record.
    - ``ALARM_COVERAGE_DROP`` (default ``0.2``): fall in a field's coverage.
    - ``ALARM_MIN_PAGES`` (default ``20``): article pages below which shares are not judged.
    - ``ALARM_ENABLED`` (default ``True``).
    """

    def __init__(
        self,
        stats: StatsCollector,
        thresholds: Thresholds,
        state: Callable[[], CrawlState | None] = lambda: None,
    ) -> None:
        self.stats = stats
        self.thresholds = thresholds
        #: Looked up when the spider closes: extensions are built before one can find another.
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        thresholds = Thresholds(
            failed_share=settings.getfloat("ALARM_FAILED_SHARE"),
            no_record_share=settings.getfloat("ALARM_NO_RECORD_SHARE"),
            coverage_drop=settings.getfloat("ALARM_COVERAGE_DROP"),
            min_pages=settings.getint("ALARM_MIN_PAGES"),
        )
        assert crawler.stats is not None
        extension = cls(crawler.stats, thresholds, lambda: crawl_state(crawler))
        if settings.getbool("ALARM_ENABLED"):
            # Connected before any item pipeline is built: it runs before the archive's
            # spider_closed, which puts the alarms in the manifest.
            crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        state = self.state()
        previous = (
            state.previous_coverage(spider.name, self.thresholds.min_pages)
            if state is not None
            else None
        )
        alarms = evaluate(self.stats.get_stats(), previous, self.thresholds)
        for alarm in alarms:
            logger.error("Drift alarm (%s): %s", alarm.kind, alarm.message)
        self.stats.set_value(ALARMS_KEY, alarms)
