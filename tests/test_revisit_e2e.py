"""Incremental runs that cost what changed: a month of daily crawls of one 3,000-article site.

The sequence, each step a real ``scrapy crawl site`` on one state folder, told its day through
``CRAWL_CLOCK``, against a site whose sitemap ``<lastmod>`` is right:

1. a first crawl at day 0, then daily runs at days 1-7 against the unchanged site;
2. day 8: 10 articles edited with a new lastmod, 5 removed (410, gone from the sitemap), 20
   new ones at the top of their listings;
3. day 9 on: 10 articles edited while their lastmod stays, and daily runs until all are
   archived again.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

import pytest

from sample_site.large import LargeSite
from tests.daily import DailyCrawls, Run

ARTICLES = 3_000
WEEK = range(1, 8)
EDITED = [f"{2_000_000 + n}" for n in range(111, 1_111, 100)]
REMOVED = [f"{2_000_000 + n}" for n in range(157, 657, 100)]
SILENT = [f"{2_000_000 + n}" for n in range(1_203, 2_203, 100)]
#: REVISIT_MAX_AGE_DAYS: the silent edits must all be found within this many daily runs.
MAX_AGE_DAYS = 7

pytestmark = pytest.mark.e2e


@dataclass
class Month:
    crawls: DailyCrawls
    first: Run
    week: list[Run]
    announced: Run
    published: list[str]
    #: The category records the site implies at the end of the unchanged week.
    week_categories: dict[str, list[str]]
    silent: list[Run] = field(default_factory=list)


def _categories(site: LargeSite) -> dict[str, list[str]]:
    listed = (site.expected_category(slug) for slug, _name in site.categories)
    return {category["url"]: category["articles"] for category in listed}


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Month]:
    with LargeSite(ARTICLES, per_page=20) as site:
        crawls = DailyCrawls(site, tmp_path_factory.mktemp("month"))
        first = crawls.crawl(0)
        week = [crawls.crawl(day) for day in WEEK]
        week_categories = _categories(site)
        site.change(EDITED)
        site.remove(REMOVED)
        published = site.publish(20)
        announced = crawls.crawl(8)
        result = Month(crawls, first, week, announced, published, week_categories)
        site.change(SILENT, announce=False)
        for day in range(9, 9 + MAX_AGE_DAYS):
            result.silent.append(crawls.crawl(day))
        yield result


def test_the_first_crawl_fetches_the_whole_site(month: Month) -> None:
    assert month.first.returncode == 0, month.first.stderr[-2000:]
    assert month.first.manifest()["counts"]["articles"]["new"] == ARTICLES
    assert month.first.served["article", 200] == ARTICLES


def test_every_daily_run_exits_0_and_writes_nothing(month: Month) -> None:
    for run in month.week:
        assert run.returncode == 0, (run.day, run.stderr[-2000:])
        assert run.records() == [], run.day


def test_an_unchanged_week_costs_under_5_percent_a_day(month: Month) -> None:
    full = month.first.requests
    shares = [run.requests / full for run in month.week]
    assert statistics.mean(shares) <= 0.05, shares
    assert max(shares) <= 0.10, shares


def test_the_manifest_counts_what_the_site_served(month: Month) -> None:
    for run in [month.first, *month.week]:
        assert sum(run.manifest()["requests"].values()) == run.requests, run.day


def test_revisits_are_spread_over_the_days(month: Month) -> None:
    due = [run.manifest()["requests"]["due"] for run in month.week]
    assert max(due) <= 2 * statistics.mean(due), due


def test_an_unchanged_week_checks_samples_and_due_articles_only(month: Month) -> None:
    for run in month.week:
        requests = run.manifest()["requests"]
        assert requests["new"] == requests["lastmod"] == requests["verify_removal"] == 0
        assert requests["trust_sample"] > 0
        assert run.served["article", 200] == 0, run.day


def test_lastmod_is_trusted_after_the_first_crawl(month: Month) -> None:
    assert month.first.manifest()["lastmod"]["state"] == "trusted"
    assert all(run.manifest()["lastmod"]["state"] == "trusted" for run in month.week)


def test_freshness_stays_within_the_trusted_bound(month: Month) -> None:
    for run in month.week:
        freshness = run.manifest()["freshness"]
        assert freshness["overdue"] == 0
        assert freshness["oldest_age_days"] == pytest.approx(run.day, abs=0.01)


def test_announced_changes_are_all_found_in_the_next_run(month: Month) -> None:
    run = month.announced
    assert run.returncode == 0, run.stderr[-2000:]
    records = run.records()
    changed = sorted(r["id"] for r in records if r["type"] == "article" and r["version"] == 2)
    new = sorted(r["id"] for r in records if r["type"] == "article" and r["version"] == 1)
    removed = sorted(r["id"] for r in records if r["type"] == "removed")
    assert changed == EDITED
    assert removed == REMOVED
    assert new == sorted(month.published)


def test_the_announcing_run_stays_cheap(month: Month) -> None:
    assert month.announced.requests / month.first.requests <= 0.10


def test_categories_stay_complete_on_runs_that_stop_their_listings(month: Month) -> None:
    announced = _categories(month.crawls.site)
    for run, expected in ((month.week[-1], month.week_categories), (month.announced, announced)):
        got = {record["url"]: record["articles"] for record in run.categories()}
        assert got == expected, run.day


def test_silent_edits_are_all_archived_within_the_bound(month: Month) -> None:
    found = sorted(
        record["id"]
        for run in month.silent
        for record in run.records()
        if record["type"] == "article" and record["version"] == 2
    )
    assert found == sorted(SILENT)
    assert all(run.returncode == 0 for run in month.silent)


def test_the_run_that_catches_a_silent_edit_withdraws_the_trust(month: Month) -> None:
    states = [run.manifest()["lastmod"] for run in month.silent]
    catching = next(
        index
        for index, run in enumerate(month.silent)
        if any(record["type"] == "article" for record in run.records())
    )
    assert states[catching]["state"] == "untrusted"
    assert states[catching]["lost"] is True
    assert states[catching]["contradicted"]
    assert all(entry["state"] == "trusted" for entry in states[:catching])
    assert "warning: scrapy crawl site: the site's sitemap lastmod is no longer trusted" in (
        month.silent[catching].stderr
    )
    assert month.silent[-1].manifest()["freshness"]["bound_days"] == MAX_AGE_DAYS


NO_LASTMOD_ARTICLES = 1_000
FORTNIGHT = range(1, 15)


@dataclass
class Fortnight:
    first: Run
    days: list[Run]


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fortnight]:
    """A site whose sitemap has no lastmod at all, unchanged for two weeks."""
    with LargeSite(NO_LASTMOD_ARTICLES, per_page=20, lastmod=False) as site:
        crawls = DailyCrawls(site, tmp_path_factory.mktemp("fortnight"))
        first = crawls.crawl(0)
        yield Fortnight(first, [crawls.crawl(day) for day in FORTNIGHT])


def test_without_lastmod_a_fortnight_costs_under_20_percent_a_day(fortnight: Fortnight) -> None:
    assert fortnight.first.returncode == 0, fortnight.first.stderr[-2000:]
    assert all(run.returncode == 0 and run.records() == [] for run in fortnight.days)
    shares = [run.requests / fortnight.first.requests for run in fortnight.days]
    assert statistics.mean(shares) <= 0.20, shares


def test_without_lastmod_every_article_is_checked_every_7_days(fortnight: Fortnight) -> None:
    checked: dict[str, list[float]] = {}
    for run in [fortnight.first, *fortnight.days]:
        for (article_id, _status), _n in run.articles.items():
            checked.setdefault(article_id, []).append(run.day)
    assert len(checked) == NO_LASTMOD_ARTICLES
    last_day = FORTNIGHT[-1]
    for article_id, days in checked.items():
        gaps = [later - earlier for earlier, later in pairwise(days)]
        assert max([*gaps, last_day - days[-1]]) <= MAX_AGE_DAYS, (article_id, days)


def test_without_lastmod_the_trust_stays_unknown_and_nothing_is_sampled(
    fortnight: Fortnight,
) -> None:
    for run in fortnight.days:
        manifest = run.manifest()
        assert manifest["lastmod"]["state"] == "unknown"
        assert manifest["requests"]["trust_sample"] == 0
        assert manifest["freshness"]["bound_days"] == MAX_AGE_DAYS
        assert manifest["freshness"]["overdue"] == 0
