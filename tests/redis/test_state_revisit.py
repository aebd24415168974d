"""The Redis crawl state's part in incremental runs, against a real redis-server: when
articles are due, the trust sample, freshness, sitemaps and what they list, listing
schedules, the category records kept for the next run, and the indexes behind them (kept
right whoever saves an article, rebuilt for a state written before they existed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from random import Random
from typing import TYPE_CHECKING

import pytest

from crawler.items import Category
from crawler.redis.state import SCHEMA_VERSION, RedisState
from crawler.state import ArticleState, Freshness, SitemapState
from tests.factories import category_url, make_category_page
from tests.redis.test_state import ARGUMENTS, NOW, PREFIX, article, open_state

if TYPE_CHECKING:
    from redis import Redis


@pytest.fixture
def state(redis_client: Redis) -> Iterator[RedisState]:
    opened = open_state(redis_client)
    yield opened
    opened.close()


def key(n: int) -> str:
    return f"/page.php?p={n}"


def url(n: int) -> str:
    return f"https://articles.example{key(n)}"


def seen(day: int) -> str:
    return f"2025-08-{day:02d}T09:00:00Z"


# -- articles: the new fields --------------------------------------------------------------------


def test_the_incremental_fields_are_kept(state: RedisState, redis_client: Redis) -> None:
    saved = article(
        lastmod="2025-08-01T00:00:00Z",
        due_at="2025-08-20T09:00:00Z",
        interval=86400.5,
    )
    state.save_article(saved)
    state.commit()
    other = open_state(redis_client, "w2", begin=False)
    assert other.article(key(1)) == saved


def test_an_article_stored_before_the_new_fields_loads_with_their_defaults(
    state: RedisState, redis_client: Redis
) -> None:
    stored = {
        "key": key(1),
        "url": url(1),
        "id": "1",
        "version": 2,
        "content_hash": "a" * 64,
        "field_hashes": {"title": "t"},
        "etag": None,
        "last_modified": None,
        "first_seen": seen(1),
        "last_seen": seen(2),
        "last_status": 200,
        "removed": False,
        "duplicate_of": None,
        "written_by_a_newer_version": 1,  # unknown: ignored
    }
    redis_client.hset(state.keys.articles, key(1), json.dumps(stored))
    loaded = state.article(key(1))
    assert loaded == ArticleState(
        key=key(1),
        url=url(1),
        id="1",
        version=2,
        content_hash="a" * 64,
        field_hashes={"title": "t"},
        first_seen=seen(1),
        last_seen=seen(2),
        last_status=200,
    )
    assert (loaded.lastmod, loaded.due_at, loaded.interval) == (None, None, 0.0)


# -- due articles ----------------------------------------------------------------------------------


def test_due_articles_are_the_unscheduled_the_due_and_the_long_unchecked(
    state: RedisState,
) -> None:
    state.save_article(article(key(1), last_seen=seen(5)))  # unscheduled: due now
    state.save_article(article(key(2), last_seen=seen(4), due_at=seen(10)))  # due at the bound
    state.save_article(article(key(3), last_seen=seen(3), due_at=seen(9)))  # due before it
    state.save_article(article(key(4), last_seen=seen(6), due_at=seen(11)))  # not yet due
    state.save_article(article(key(5), last_seen=seen(1), due_at=seen(30)))  # unchecked too long
    state.save_article(article(key(6), last_seen=seen(2), due_at=seen(30)))  # checked at the bound
    state.save_article(article(key(7), last_seen=seen(1), removed=True))  # removed
    state.save_article(article(key(8), last_seen=seen(1), version=0))  # never archived
    state.save_article(article(key(9), last_seen=seen(7), version=0, duplicate_of=url(1)))  # copy
    state.save_article(
        article(key(10), last_seen=seen(1), version=0, duplicate_of=url(1), removed=True)
    )
    # Oldest check first.
    assert state.due_articles(seen(10), seen(2), 0) == [url(5), url(3), url(2), url(1), url(9)]
    assert state.due_articles(seen(10), seen(2), 2) == [url(5), url(3)]
    assert state.due_articles(seen(10), seen(2), 5) == [url(5), url(3), url(2), url(1), url(9)]
    assert state.due_articles(seen(10), seen(2), 9) == [url(5), url(3), url(2), url(1), url(9)]
    # Nothing is scheduled before the 9th, nothing was checked before the 1st.
    assert state.due_articles(seen(8), seen(1), 0) == [url(1), url(9)]


def test_due_articles_order_equal_checks_by_key(state: RedisState) -> None:
    for n in (3, 1, 2):
        state.save_article(article(key(n), last_seen=seen(1)))
    state.save_article(article(key(4), last_seen=seen(1), due_at=seen(30)))
    assert state.due_articles(seen(10), seen(1), 0) == [url(1), url(2), url(3)]
    assert state.due_articles(seen(10), seen(2), 0) == [url(1), url(2), url(3), url(4)]
    assert state.due_articles(seen(10), seen(2), 3) == [url(1), url(2), url(3)]


def test_a_limit_takes_the_oldest_checks_of_every_kind(state: RedisState) -> None:
    state.save_article(article(key(1), last_seen=seen(4)))  # unscheduled
    state.save_article(article(key(2), last_seen=seen(2)))  # unscheduled
    state.save_article(article(key(3), last_seen=seen(6)))  # unscheduled
    state.save_article(article(key(4), last_seen=seen(3), due_at=seen(9)))  # scheduled, due
    state.save_article(article(key(5), last_seen=seen(1), due_at=seen(20)))  # overdue
    state.save_article(article(key(6), last_seen=seen(5), version=0, duplicate_of=url(1)))
    everything = [url(5), url(2), url(4), url(1), url(6), url(3)]
    for limit in range(1, 8):
        assert state.due_articles(seen(10), seen(2), limit) == everything[:limit]
    assert state.due_articles(seen(10), seen(2), 0) == everything
    assert state.due_articles(seen(10), seen(2), -1) == everything


def test_due_articles_at_the_empty_bounds(state: RedisState) -> None:
    state.save_article(article(key(1), last_seen=seen(1)))
    state.save_article(article(key(2), last_seen=seen(1), due_at=seen(1)))
    assert state.due_articles("", "", 0) == [url(1)]  # only the unscheduled


def test_an_article_saved_again_leaves_its_old_place_in_the_schedule(state: RedisState) -> None:
    state.save_article(article(key(1), last_seen=seen(1)))
    state.save_article(article(key(2), last_seen=seen(2)))
    assert state.due_articles(seen(10), seen(1), 0) == [url(1), url(2)]
    state.save_article(article(key(1), last_seen=seen(3)))  # checked again, still unscheduled
    assert state.due_articles(seen(10), seen(1), 0) == [url(2), url(1)]
    state.save_article(article(key(1), last_seen=seen(9), due_at=seen(20)))  # rescheduled
    assert state.due_articles(seen(10), seen(1), 0) == [url(2)]
    state.save_article(article(key(2), last_seen=seen(2), removed=True, last_status=410))
    assert state.due_articles(seen(10), seen(1), 0) == []
    state.save_article(article(key(2), last_seen=seen(11)))  # back
    assert state.due_articles(seen(10), seen(1), 0) == [url(2)]


def test_a_copy_archived_later_is_due_once(state: RedisState) -> None:
    state.save_article(article(key(1), version=0, duplicate_of=url(9), last_seen=seen(1)))
    state.save_article(article(key(1), version=1, duplicate_of=url(9), last_seen=seen(2)))
    assert state.due_articles(seen(10), seen(1), 0) == [url(1)]
    state.commit()
    assert state.client.zcard(state.keys.copies_checked) == 0
    assert state.client.zcard(state.keys.checked) == 1
    assert state.client.zcard(state.keys.due) == 1


def test_due_articles_see_what_other_workers_saved(state: RedisState, redis_client: Redis) -> None:
    other = open_state(redis_client, "w2")
    state.save_article(article(key(1), last_seen=seen(2), due_at=seen(3)))
    state.commit()
    assert other.due_articles(seen(10), seen(1), 0) == [url(1)]
    # w2 reschedules the article w1 saved: w1's entry goes, whichever cache w2 has.
    other.forget_articles()
    other.save_article(article(key(1), last_seen=seen(9), due_at=seen(20)))
    other.commit()
    assert state.due_articles(seen(10), seen(1), 0) == []


def test_no_article_is_due_in_an_empty_state(state: RedisState) -> None:
    assert state.due_articles(seen(10), seen(1), 0) == []
    assert state.due_articles(seen(10), seen(1), 5) == []


# -- the sample, the count, freshness, field digests ----------------------------------------------


def test_the_sample_is_drawn_from_live_articles_the_same_for_the_same_seed(
    state: RedisState, redis_client: Redis
) -> None:
    for n in range(1, 41):
        state.save_article(article(f"/page.php?p={n:02d}"))
    state.save_article(article("/page.php?p=41", removed=True))
    state.save_article(article("/page.php?p=42", version=0, duplicate_of="x"))
    live = {f"https://articles.example/page.php?p={n:02d}" for n in range(1, 41)}

    drawn = state.sample_articles(5, seed=7)
    assert len(drawn) == 5 and set(drawn) <= live
    assert drawn == sorted(drawn)  # in key order
    assert state.sample_articles(5, seed=7) == drawn
    other = open_state(redis_client, "w2", begin=False)
    assert other.sample_articles(5, seed=7) == drawn  # another worker, the same draw
    assert state.sample_articles(5, seed=8) != drawn
    assert set(state.sample_articles(100, seed=7)) == live  # no more than there are
    assert state.sample_articles(0, seed=7) == []


def test_the_sample_is_the_seeded_draw_of_the_live_keys_in_key_order(state: RedisState) -> None:
    keys = [f"/page.php?p={n:02d}" for n in range(40, 0, -1)]  # saved out of key order
    for k in keys:
        state.save_article(article(k))
    ordered = sorted(keys)
    # Both ways of reading the draw: key by key (a small sample), all keys (a large one).
    for count in (1, 9, 10, 39, 40):
        expected = sorted(Random(3).sample(ordered, count))
        assert state.sample_articles(count, seed=3) == [
            f"https://articles.example{k}" for k in expected
        ]


def test_the_sample_of_an_empty_state_is_empty(state: RedisState) -> None:
    assert state.sample_articles(3, seed=1) == []


def test_live_article_count_counts_archived_not_removed(state: RedisState) -> None:
    assert state.live_article_count() == 0
    state.save_article(article(key(1)))
    state.save_article(article(key(2)))
    state.save_article(article(key(3), removed=True))
    state.save_article(article(key(4), version=0, duplicate_of=url(1)))
    assert state.live_article_count() == 2
    state.save_article(article(key(1), removed=True, last_status=404))
    assert state.live_article_count() == 1


def test_freshness_is_the_oldest_check_of_live_articles_and_how_many_are_overdue(
    state: RedisState,
) -> None:
    assert state.freshness(seen(5)) == Freshness(None, 0)
    state.save_article(article(key(1), last_seen=seen(4)))
    state.save_article(article(key(2), last_seen=seen(5)))
    state.save_article(article(key(3), last_seen=seen(3)))
    state.save_article(article(key(4), last_seen=seen(1), removed=True))
    state.save_article(article(key(5), last_seen=seen(1), version=0, duplicate_of=url(1)))
    assert state.freshness(seen(5)) == Freshness(seen(3), 2)
    assert state.freshness(seen(3)) == Freshness(seen(3), 0)
    assert state.freshness(seen(6)) == Freshness(seen(3), 3)
    state.save_article(article(key(3), last_seen=seen(6)))  # checked again
    assert state.freshness(seen(5)) == Freshness(seen(4), 1)


def test_live_field_hashes_are_the_live_articles_in_key_order(state: RedisState) -> None:
    state.save_article(article(key(2), field_hashes={"title": "2"}))
    state.save_article(article(key(1), field_hashes={"title": "1", "body": "b"}))
    state.save_article(article(key(3), field_hashes={"title": "3"}, removed=True))
    state.save_article(article(key(4), field_hashes={}, version=0, duplicate_of=url(1)))
    state.save_article(article(key(5), field_hashes={}))
    assert list(state.live_field_hashes(batch=2)) == [
        {"title": "1", "body": "b"},
        {"title": "2"},
        {},
    ]


# -- sitemaps ------------------------------------------------------------------------------------


def test_sitemap_entries_are_what_each_sitemap_listed_when_last_read(
    state: RedisState, redis_client: Redis
) -> None:
    assert state.sitemap_entry(key(1)) is None
    assert state.sitemap_entries("/sitemap-1.xml") == {}
    state.save_sitemap_entries("/sitemap-1.xml", {key(2): seen(2), key(1): None, key(3): seen(3)})
    state.save_sitemap_entries("/sitemap-2.xml", {key(4): seen(4)})
    # Read before the commit: the writer sees its own entries.
    assert state.sitemap_entries("/sitemap-1.xml") == {
        key(1): None,
        key(2): seen(2),
        key(3): seen(3),
    }
    assert list(state.sitemap_entries("/sitemap-1.xml")) == [key(1), key(2), key(3)]
    assert state.sitemap_entry(key(1)) == ("/sitemap-1.xml", None)
    assert state.sitemap_entry(key(2)) == ("/sitemap-1.xml", seen(2))
    assert state.sitemap_entry(key(4)) == ("/sitemap-2.xml", seen(4))

    # Read again: sitemap-1 lists 2 (a newer lastmod) and 4 (moved from sitemap-2), no more 1, 3.
    state.save_sitemap_entries("/sitemap-1.xml", {key(2): seen(5), key(4): None})
    state.commit()
    other = open_state(redis_client, "w2", begin=False)
    assert other.sitemap_entries("/sitemap-1.xml") == {key(2): seen(5), key(4): None}
    assert other.sitemap_entries("/sitemap-2.xml") == {}
    assert other.sitemap_entry(key(1)) is None
    assert other.sitemap_entry(key(3)) is None
    assert other.sitemap_entry(key(2)) == ("/sitemap-1.xml", seen(5))
    assert other.sitemap_entry(key(4)) == ("/sitemap-1.xml", None)

    state.save_sitemap_entries("/sitemap-1.xml", {})  # read whole, and empty
    assert state.sitemap_entries("/sitemap-1.xml") == {}
    assert state.sitemap_entry(key(2)) is None
    assert redis_client.hlen(state.keys.sitemap_entries) == 0


def test_sitemap_entries_keep_odd_names_and_lastmods(state: RedisState) -> None:
    odd = '/sitemap "ünï"/a\\b.xml'
    state.save_sitemap_entries(odd, {'/p?q="x"': 'lastmod "é"'})
    assert state.sitemap_entries(odd) == {'/p?q="x"': 'lastmod "é"'}
    assert state.sitemap_entry('/p?q="x"') == (odd, 'lastmod "é"')
    state.save_sitemap_entries("/other.xml", {'/p?q="x"': None})  # moved
    assert state.sitemap_entries(odd) == {}


def test_a_sitemap_is_kept_and_replaced(state: RedisState, redis_client: Redis) -> None:
    assert state.sitemap("/sitemap.xml") is None
    first = SitemapState(url="/sitemap.xml", lastmod="2025-08-01T00:00:00Z", etag='"a"')
    state.save_sitemap(first)
    assert state.sitemap("/sitemap.xml") == first  # before the commit too
    later = SitemapState(
        url="/sitemap.xml", lastmod=None, etag=None, last_modified="Wed, 06 Aug 2025 09:00:00 GMT"
    )
    state.save_sitemap(later)
    state.save_sitemap(SitemapState(url="/sitemap-2.xml"))
    state.commit()
    other = open_state(redis_client, "w2", begin=False)
    assert other.sitemap("/sitemap.xml") == later
    assert other.sitemap("/sitemap-2.xml") == SitemapState(url="/sitemap-2.xml")


# -- listings and meta ---------------------------------------------------------------------------


def test_a_listing_page_is_scheduled(state: RedisState) -> None:
    listing = category_url("national-cinemas")
    assert state.listing_due(listing, 2) is None
    state.schedule_listing(listing, 2, seen(10))
    assert state.listing_due(listing, 2) == seen(10)
    state.schedule_listing(listing, 2, seen(12))
    assert state.listing_due(listing, 2) == seen(12)
    assert state.listing_due(listing, 3) is None
    assert state.listing_due(category_url("other"), 2) is None


def test_a_page_only_seen_is_not_scheduled(state: RedisState) -> None:
    state.add_category_page(make_category_page(page=2))
    assert state.listing_due(category_url("national-cinemas"), 2) is None
    assert state.due_listings(seen(30)) == []


def test_due_listings_are_the_later_pages_due_by_the_bound(state: RedisState) -> None:
    b, a = category_url("b"), category_url("a")
    state.schedule_listing(b, 3, seen(9))
    state.schedule_listing(b, 10, seen(10))  # at the bound: due
    state.schedule_listing(b, 2, seen(11))  # not yet
    state.schedule_listing(a, 1, seen(1))  # first pages: asked for by every run
    state.schedule_listing(a, 12, seen(2))
    state.schedule_listing(a, 4, seen(3))
    assert state.due_listings(seen(10)) == [(a, 4), (a, 12), (b, 3), (b, 10)]
    assert state.due_listings(seen(2)) == [(a, 12)]
    assert state.due_listings(seen(1)) == []


def test_listings_are_shared_by_workers_and_outlive_the_run(
    state: RedisState, redis_client: Redis
) -> None:
    listing = category_url("national-cinemas")
    state.schedule_listing(listing, 2, seen(10))
    state.commit()
    state.begin_run("site", {"start_url": "other"}, NOW)  # a new run
    other = open_state(redis_client, "w2", begin=False)
    assert other.listing_due(listing, 2) == seen(10)
    assert other.due_listings(seen(10)) == [(listing, 2)]


def test_meta_values_are_kept(state: RedisState, redis_client: Redis) -> None:
    assert state.meta("trust") is None
    state.set_meta("trust", '{"trusted": true}')
    assert state.meta("trust") == '{"trusted": true}'
    state.set_meta("trust", "{}")
    state.set_meta("site", "x")
    state.commit()
    other = open_state(redis_client, "w2", begin=False)
    assert (other.meta("trust"), other.meta("site"), other.meta("none")) == ("{}", "x", None)


# -- category records across runs ----------------------------------------------------------------


def test_the_category_records_are_kept_for_the_next_run(
    state: RedisState, redis_client: Redis
) -> None:
    assert state.previous_categories() == {}
    b = Category(name="B", url=category_url("b"), articles=[url(3)])
    a = Category(name="A", url=category_url("a"), articles=[url(2), url(1)])
    state.save_categories([b, a])
    assert state.previous_categories() == {a.url: a, b.url: b}
    assert list(state.previous_categories()) == [a.url, b.url]  # by URL
    state.commit()

    state.begin_run("site", {"start_url": "next"}, NOW)  # a new run: the records stay
    other = open_state(redis_client, "w2", begin=False)
    assert other.previous_categories() == {a.url: a, b.url: b}
    # A run's records replace the last ones whole.
    c = Category(name="C", url=category_url("c"), articles=[])
    state.save_categories([c])
    assert state.previous_categories() == {c.url: c}
    state.save_categories([])
    assert state.previous_categories() == {}


def test_the_run_pages_stay_the_runs_own(state: RedisState) -> None:
    page = make_category_page("a", 2, [1])
    state.add_category_page(page)
    assert list(state.category_pages()) == [page]
    state.begin_run("site", {"start_url": "next"}, NOW)
    assert list(state.category_pages()) == []


def test_removed_urls_are_the_removed_articles(state: RedisState) -> None:
    assert state.removed_urls() == set()
    state.save_article(article(key(1), removed=True, last_status=410))
    state.save_article(article(key(2)))
    state.save_article(article(key(3), removed=True, last_status=404))
    state.save_article(article(key(4), version=0, duplicate_of=url(2), removed=True))
    assert state.removed_urls() == {url(1), url(3), url(4)}
    state.save_article(article(key(3)))  # back
    assert state.removed_urls() == {url(1), url(4)}


# -- a state written before the indexes ----------------------------------------------------------


def test_a_state_of_schema_1_is_indexed_when_opened(redis_client: Redis) -> None:
    prefix = PREFIX
    redis_client.set(f"{prefix}:schema", 1)
    old = {
        "key": key(1),
        "url": url(1),
        "version": 1,
        "first_seen": seen(1),
        "last_seen": seen(1),
        "last_status": 200,
        "removed": False,
        "duplicate_of": None,
    }
    articles = {
        key(1): old,
        key(2): {**old, "key": key(2), "url": url(2), "last_seen": seen(3)},
        key(3): {**old, "key": key(3), "url": url(3), "removed": True},
        key(4): {**old, "key": key(4), "url": url(4), "version": 0, "duplicate_of": url(1)},
    }
    # Enough articles for more than one reindexing batch.
    for n in range(100, 1200):
        articles[key(n)] = {**old, "key": key(n), "url": url(n), "last_seen": seen(20)}
    redis_client.hset(f"{prefix}:articles", mapping={k: json.dumps(v) for k, v in articles.items()})
    redis_client.zadd(f"{prefix}:live", {k: 0 for k, v in articles.items() if k != key(3)})
    redis_client.zrem(f"{prefix}:live", key(4))

    state = RedisState(redis_client, prefix, "w1")
    assert int(redis_client.get(f"{prefix}:schema") or 0) == SCHEMA_VERSION
    assert state.due_articles(seen(10), seen(1), 3) == [url(1), url(4), url(2)]
    assert len(state.due_articles(seen(10), seen(1), 0)) == 3 + 1100
    assert state.live_article_count() == 2 + 1100
    assert state.freshness(seen(2)) == Freshness(seen(1), 1)
    assert state.removed_urls() == {url(3)}
    state.heartbeat.acquire(0.5)
    state.begin_run("site", ARGUMENTS, NOW)
    state.save_article(article(key(1), removed=True))  # unlisted from the indexes of its past
    assert state.due_articles(seen(10), seen(1), 3) == [url(4), url(2), url(100)]
    assert state.removed_urls() == {url(1), url(3)}
    state.close()
    # Opened again: nothing left to do.
    again = RedisState(redis_client, prefix, "w2")
    assert again.live_article_count() == 1 + 1100
