"""The crawl's progress line: what it reads from the stats, and when it is drawn at all.

A real crawl on a terminal is in ``tests/test_progress_e2e.py``.
"""

from __future__ import annotations

import io
import sys

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import MemoryStatsCollector

from crawler.extensions.progress import CrawlProgress, RequestRate, Snapshot
from crawler.stats import (
    LASTMOD_UNCHANGED_KEY,
    NEW_KEY,
    PAGES_FAILED_PREFIX,
    REQUESTS_PREFIX,
    RESPONSES_KEY,
    SITEMAP_LISTED_KEY,
    UNCHANGED_KEY,
)
from tests.crawlers import project_crawler


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_total_before_a_sitemap_said_how_many() -> None:
    line = Snapshot.of({NEW_KEY: 12, PAGES_FAILED_PREFIX + "404": 2})
    assert (line.done, line.total) == (12, None)


def test_the_total_is_what_the_sitemaps_listed_less_what_they_said_is_unchanged() -> None:
    line = Snapshot.of({SITEMAP_LISTED_KEY: 300, LASTMOD_UNCHANGED_KEY: 280, UNCHANGED_KEY: 4})
    assert (line.done, line.total) == (4, 20)


def test_the_total_grows_with_articles_no_sitemap_listed() -> None:
    line = Snapshot.of({SITEMAP_LISTED_KEY: 10, NEW_KEY: 12})
    assert line.total == 12


def test_a_sitemap_that_lists_only_unchanged_articles_gives_no_total() -> None:
    assert Snapshot.of({SITEMAP_LISTED_KEY: 5, LASTMOD_UNCHANGED_KEY: 5}).total is None


def test_pages_failures_and_requests_are_summed_over_their_causes_and_purposes() -> None:
    line = Snapshot.of(
        {
            RESPONSES_KEY: 9,
            PAGES_FAILED_PREFIX + "404": 2,
            PAGES_FAILED_PREFIX + "TimeoutError": 1,
            REQUESTS_PREFIX + "new": 7,
            REQUESTS_PREFIX + "listing": 3,
        }
    )
    assert (line.pages, line.failed, line.requests) == (9, 3, 10)
    assert line.postfix(None).endswith("3 failed; 9 pages, ? req/s")


def test_requests_a_second_over_the_last_ten_seconds() -> None:
    now = [0.0]
    rate = RequestRate(lambda: now[0])
    assert rate(0) is None
    for second in range(1, 31):
        now[0] = float(second)
        # 10 requests a second for 20 s, then 2 a second.
        found = rate(second * 10 if second <= 20 else 200 + (second - 20) * 2)
    assert found == pytest.approx(2.0)


def test_not_drawn_when_stderr_is_not_a_terminal() -> None:
    # pytest captures stderr: not a terminal, as under cron.
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(project_crawler(settings_dict={"PROGRESS_ENABLED": "auto"}))


def test_not_drawn_when_switched_off_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", Terminal())
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(project_crawler(settings_dict={"PROGRESS_ENABLED": False}))


def test_the_line_shows_a_percentage_once_a_sitemap_said_how_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    stats = MemoryStatsCollector(project_crawler())
    extension = CrawlProgress(stats, 0.5)
    extension.show()
    stats.set_value(NEW_KEY, 3)
    extension.update()
    stats.set_value(SITEMAP_LISTED_KEY, 12)
    extension.update()
    extension.hide()
    shown = screen.getvalue()
    assert "crawl: 3 articles [" in shown
    assert "], 3 new, 0 changed, 0 unchanged, 0 failed; 0 pages, " in shown
    assert "crawl:  25%|" in shown
    assert "| 3/12 articles [" in shown
