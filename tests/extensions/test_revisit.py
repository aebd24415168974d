"""The revisit policy on a real crawl state: what a run asks for, and how checks reschedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scrapy.statscollectors import MemoryStatsCollector

from crawler.extensions.revisit import RevisitPolicy
from crawler.revisit import DAY, TRUST_META, RevisitSettings, Trust, to_iso
from crawler.state import ArticleState
from crawler.state.sqlite import SQLiteState
from tests.crawlers import project_crawler
from tests.factories import article_url, category_url

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
SITEMAP = "https://articles.example/sitemap-1.xml"


def policy(state: SQLiteState, **settings: float) -> RevisitPolicy:
    stats = MemoryStatsCollector(project_crawler())
    return RevisitPolicy(lambda: state, stats, RevisitSettings(**settings), lambda: NOW)  # type: ignore[arg-type]


def archived(
    state: SQLiteState, n: int, *, days_ago: float = 1, due_in: float = 5, **fields: object
) -> ArticleState:
    url = article_url(n)
    article = ArticleState(
        key=f"/page.php?p={n:07d}",
        url=url,
        id=f"{n:07d}",
        version=1,
        content_hash=f"h{n}",
        first_seen=to_iso(NOW - timedelta(days=days_ago)),
        last_seen=to_iso(NOW - timedelta(days=days_ago)),
        last_status=200,
        due_at=to_iso(NOW + timedelta(days=due_in)),
        interval=8 * DAY,
    )
    for name, value in fields.items():
        setattr(article, name, value)
    state.save_article(article)
    return article


def trusted(state: SQLiteState) -> None:
    state.set_meta(TRUST_META, Trust("trusted").dumps())


def test_a_run_revisits_the_due_articles_oldest_check_first(crawl_state: SQLiteState) -> None:
    archived(crawl_state, 1, days_ago=2, due_in=-1)
    archived(crawl_state, 2, days_ago=3, due_in=-0.5)
    archived(crawl_state, 3, due_in=3)
    assert policy(crawl_state).revisits() == [(article_url(2), "due"), (article_url(1), "due")]


def test_an_article_checked_longer_ago_than_the_bound_is_due_whatever_its_schedule(
    crawl_state: SQLiteState,
) -> None:
    archived(crawl_state, 1, days_ago=8, due_in=20)
    assert policy(crawl_state).revisits() == [(article_url(1), "due")]


def test_the_budget_caps_the_revisits_and_counts_the_rest(crawl_state: SQLiteState) -> None:
    for n in range(1, 6):
        archived(crawl_state, n, days_ago=n, due_in=-1)
    chosen = policy(crawl_state, budget=2)
    assert chosen.revisits() == [(article_url(5), "due"), (article_url(4), "due")]
    assert chosen.stats.get_value("revisit/left_due") == 3


def test_a_trusted_site_gets_a_trust_sample_besides_the_due_articles(
    crawl_state: SQLiteState,
) -> None:
    trusted(crawl_state)
    for n in range(1, 21):
        archived(crawl_state, n, due_in=10)
    chosen = policy(crawl_state, trust_sample_min=3).revisits()
    assert [purpose for _url, purpose in chosen] == ["trust_sample"] * 3


def test_a_link_to_a_known_article_is_not_followed_and_a_new_one_is(
    crawl_state: SQLiteState,
) -> None:
    archived(crawl_state, 1)
    decide = policy(crawl_state)
    assert decide.article_link(article_url(1)) is None
    assert decide.article_link(article_url(2)) == "new"
    assert decide.stats.get_value("revisit/skipped/known_link") == 1


@pytest.mark.parametrize(
    ("recorded", "listed", "purpose"),
    [
        (None, "2026-03-01", "lastmod"),
        ("2026-03-01T00:00:00Z", "2026-03-01", None),
        ("2026-03-01T00:00:00Z", "2026-03-02T10:00:00+01:00", "lastmod"),
        ("2026-03-01T00:00:00Z", None, None),
        ("2026-03-01T00:00:00Z", "not a date", None),
    ],
)
def test_a_sitemap_entry_of_a_known_article_is_fetched_only_when_its_lastmod_is_newer(
    crawl_state: SQLiteState, recorded: str | None, listed: str | None, purpose: str | None
) -> None:
    archived(crawl_state, 1, lastmod=recorded)
    assert policy(crawl_state).sitemaps.entry(article_url(1), listed, SITEMAP) == purpose


def test_a_bad_lastmod_is_counted_and_ignored(crawl_state: SQLiteState) -> None:
    decide = policy(crawl_state)
    assert decide.sitemaps.entry(article_url(9), "yesterday", SITEMAP) == "new"
    assert decide.stats.get_value("sitemap/lastmod_invalid") == 1


def test_an_article_gone_from_a_sitemap_read_whole_is_verified(crawl_state: SQLiteState) -> None:
    for n in (1, 2, 3):
        archived(crawl_state, n)
    first = policy(crawl_state)
    for n in (1, 2, 3):
        first.sitemaps.entry(article_url(n), "2026-03-01", SITEMAP)
    assert first.sitemaps.read(SITEMAP) == []
    second = policy(crawl_state)
    for n in (1, 3):
        second.sitemaps.entry(article_url(n), "2026-03-01", SITEMAP)
    assert second.sitemaps.read(SITEMAP) == [article_url(2)]


def test_an_index_entry_whose_lastmod_did_not_move_is_not_fetched(
    crawl_state: SQLiteState,
) -> None:
    first = policy(crawl_state)
    assert first.sitemaps.child(SITEMAP, "2026-03-01") is True
    first.sitemaps.read(SITEMAP)
    second = policy(crawl_state)
    assert second.sitemaps.child(SITEMAP, "2026-03-01") is False
    assert second.sitemaps.child(SITEMAP, "2026-03-02") is True
    assert policy(crawl_state).sitemaps.child(SITEMAP, None) is True


def test_an_unchanged_check_doubles_the_interval_and_a_change_resets_it(
    crawl_state: SQLiteState,
) -> None:
    article = archived(crawl_state, 1)
    decide = policy(crawl_state)
    decide.checked(article, changed=False)
    assert article.interval == 7 * DAY  # doubled from 8 days, held to the bound
    decide.checked(article, changed=True)
    assert article.interval == DAY
    assert article.due_at == to_iso(NOW + timedelta(days=1))


def test_a_new_article_is_first_due_within_the_bound(crawl_state: SQLiteState) -> None:
    article = ArticleState(key="/page.php?p=0000009", url=article_url(9))
    policy(crawl_state).checked(article, changed=False, new=True)
    assert article.due_at is not None
    assert to_iso(NOW) < article.due_at <= to_iso(NOW + timedelta(days=7))


def test_a_listing_of_known_articles_stops_where_the_next_page_is_remembered(
    crawl_state: SQLiteState,
) -> None:
    for n in (1, 2, 3):
        archived(crawl_state, n)
    url = category_url("film")
    decide = policy(crawl_state)
    # Never seen page 2: followed even though page 1 is all known.
    assert decide.listing(url, 1, [article_url(1), article_url(2)], 0) == 1
    assert decide.listing(url, 2, [article_url(3)], 1) == 2
    again = policy(crawl_state)
    assert again.listing(url, 1, [article_url(1), article_url(2)], 0) is None
    assert again.listing(url, 1, [article_url(9), article_url(1)], 0) == 0


def test_listing_sweeps_come_due_within_the_period(crawl_state: SQLiteState) -> None:
    url = category_url("film")
    decide = policy(crawl_state)
    for page in range(1, 30):
        decide.listing(url, page, [article_url(page + 100)], 0)
    later = RevisitPolicy(
        lambda: crawl_state,
        decide.stats,
        RevisitSettings(),
        lambda: NOW + timedelta(days=7),
    )
    assert later.sweeps() == [(url, page) for page in range(2, 30)]
    assert policy(crawl_state).sweeps() == []


def test_a_change_the_lastmod_did_not_announce_withdraws_the_trust(
    crawl_state: SQLiteState,
) -> None:
    trusted(crawl_state)
    article = archived(crawl_state, 1, lastmod="2026-03-01T00:00:00Z")
    decide = policy(crawl_state)
    decide.sitemaps.child(SITEMAP, "2026-03-01")  # a sitemap answered
    decide.sitemaps.entry(article.url, "2026-03-01", SITEMAP)
    decide.checked(article, changed=True)
    decide.spider_closed(None, "finished")  # type: ignore[arg-type]
    trust = Trust.loads(crawl_state.meta(TRUST_META))
    assert trust.state == "untrusted" and trust.contradicted == [article.url]
    assert decide.stats.get_value("revisit/lastmod_trust")["lost"] is True
    assert decide.stats.get_value("revisit/freshness")["bound_days"] == 7


def test_an_announced_change_keeps_the_trust(crawl_state: SQLiteState) -> None:
    trusted(crawl_state)
    article = archived(crawl_state, 1, lastmod="2026-03-01T00:00:00Z")
    decide = policy(crawl_state)
    decide.sitemaps.child(SITEMAP, "2026-03-05")
    decide.sitemaps.entry(article.url, "2026-03-05", SITEMAP)
    decide.checked(article, changed=True)
    decide.spider_closed(None, "finished")  # type: ignore[arg-type]
    assert Trust.loads(crawl_state.meta(TRUST_META)).state == "trusted"
    assert article.lastmod == "2026-03-05T00:00:00Z"


def test_an_article_checked_in_the_second_the_run_began_is_not_taken_for_this_run_s(
    crawl_state: SQLiteState,
) -> None:
    # The run before may have ended in the very second this one began.
    archived(crawl_state, 1, days_ago=0, lastmod="2026-03-01T00:00:00Z")
    assert policy(crawl_state).sitemaps.entry(article_url(1), "2026-03-05", SITEMAP) == "lastmod"


def test_a_sitemap_cut_short_leaves_no_validators_or_lastmod_behind(
    crawl_state: SQLiteState,
) -> None:
    first = policy(crawl_state)
    first.sitemaps.child(SITEMAP, "2026-03-01")
    first.sitemaps.answered(SITEMAP, '"v1"', None)  # then the process dies mid-read
    assert first.sitemaps.validators(SITEMAP) is None
    second = policy(crawl_state)
    assert second.sitemaps.child(SITEMAP, "2026-03-01") is True
    second.sitemaps.answered(SITEMAP, '"v1"', None)
    second.sitemaps.read(SITEMAP)
    saved = second.sitemaps.validators(SITEMAP)
    assert saved is not None and (saved.etag, saved.lastmod) == ('"v1"', "2026-03-01T00:00:00Z")
