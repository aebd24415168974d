"""Incremental runs of a distributed crawl: two ``REDIS_URL`` workers per day, on a clock.

The same week as ``test_revisit_e2e.py``, each day's crawl being two workers started together
on one Redis: a first crawl at day 0, unchanged days 1-7, then 10 articles edited with a new
lastmod, 5 removed and 20 published, found in the one run that follows.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sample_site.large import LargeSite
from tests.daily import DailyCrawls, Run

ARTICLES = 3_000
WORKERS = ("a", "b")
EDITED = [f"{2_000_000 + n}" for n in range(111, 1_111, 100)]
REMOVED = [f"{2_000_000 + n}" for n in range(157, 657, 100)]

pytestmark = pytest.mark.e2e


@dataclass
class Week:
    first: Run
    days: list[Run]
    announced: Run
    published: list[str]


@pytest.fixture(scope="module")
def week(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Week]:
    with LargeSite(ARTICLES, per_page=20) as site:
        settings = {
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": "evergreen-revisit-week",
            "REDIS_HEARTBEAT_INTERVAL": "0.5",
            "REDIS_WORKER_TIMEOUT": "3",
        }
        crawls = DailyCrawls(site, tmp_path_factory.mktemp("workers-week"), settings)
        first = crawls.crawl_workers(0, WORKERS)
        days = [crawls.crawl_workers(day, WORKERS) for day in range(1, 8)]
        site.change(EDITED)
        site.remove(REMOVED)
        published = site.publish(20)
        yield Week(first, days, crawls.crawl_workers(8, WORKERS), published)


def test_the_first_crawl_archives_every_article_once(week: Week) -> None:
    assert week.first.returncode == 0, week.first.stderr[-2000:]
    ids = [record["id"] for record in week.first.records()]
    assert len(ids) == len(set(ids)) == ARTICLES
    assert len(week.first.run_dirs) == len(WORKERS)


def test_two_workers_make_an_unchanged_week_cost_under_5_percent_a_day(week: Week) -> None:
    assert all(run.returncode == 0 and run.records() == [] for run in week.days)
    shares = [run.requests / week.first.requests for run in week.days]
    assert statistics.mean(shares) <= 0.05, shares
    assert max(shares) <= 0.10, shares


def test_the_workers_manifests_count_what_the_site_served(week: Week) -> None:
    for run in week.days:
        sent = sum(sum(manifest["requests"].values()) for manifest in run.manifests())
        assert sent == run.requests, run.day


def test_two_workers_find_every_announced_change_in_the_next_run(week: Week) -> None:
    run = week.announced
    assert run.returncode == 0, run.stderr[-2000:]
    records = run.records()
    articles = [r for r in records if r["type"] == "article"]
    assert sorted(r["id"] for r in articles if r["version"] == 2) == EDITED
    assert sorted(r["id"] for r in records if r["type"] == "removed") == REMOVED
    assert sorted(r["id"] for r in articles if r["version"] == 1) == sorted(week.published)
