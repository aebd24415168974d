"""The SQLite crawl state's part in incremental runs: when articles are due, the trust sample,
freshness, sitemaps, listing pages, the site's values, the last run's categories, and the
migration of a state written by the version before."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.digests import field_digests
from crawler.items import Category
from crawler.state import ArticleState, Freshness, SitemapState, StateError
from crawler.state.site import Site, read_site
from crawler.state.sqlite import DB_FILE, SQLiteState
from crawler.state.sqlite_schema import SCHEMA_VERSION, read_site_of
from tests.factories import article_dict, article_url, category_url

V1_FIXTURE = Path(__file__).parent.parent / "fixtures" / "state" / "v1-sample-site" / DB_FILE
SITEMAP_1 = "/sitemap-articles-1.xml"
SITEMAP_2 = "/sitemap-articles-2.xml"
FILM = category_url("film-history")
NATIONAL = category_url("national-cinemas")


@pytest.fixture
def state(tmp_path: Path) -> Iterator[SQLiteState]:
    opened = SQLiteState(tmp_path / "state")
    yield opened
    opened.close()


def key(n: int) -> str:
    return f"/page.php?p={n:07d}"


def url(n: int) -> str:
    return article_url(n)


def seen(day: int) -> str:
    return f"2025-08-{day:02d}T09:00:00Z"


def article(n: int, **fields: Any) -> ArticleState:
    values: dict[str, Any] = {
        "key": key(n),
        "url": url(n),
        "id": f"{n:07d}",
        "version": 1,
        "content_hash": f"{n:064x}",
        "field_hashes": {"title": f"{n:016x}"},
        "first_seen": seen(1),
        "last_seen": seen(1),
        "last_status": 200,
    }
    values.update(fields)
    return ArticleState(**values)


def reopen(state: SQLiteState) -> SQLiteState:
    state.close()
    return SQLiteState(state.folder)


# -- the new article fields -----------------------------------------------------------------------


def test_the_schedule_fields_of_an_article_are_kept(state: SQLiteState) -> None:
    saved = article(1, lastmod=seen(1), due_at=seen(20), interval=86_400.5)
    state.save_article(saved)
    again = reopen(state)
    try:
        assert again.article(key(1)) == saved
    finally:
        again.close()


# -- due_articles ---------------------------------------------------------------------------------


def test_an_unscheduled_article_is_due(state: SQLiteState) -> None:
    state.save_article(article(1, due_at=None, last_seen=seen(9)))
    assert state.due_articles(seen(2), seen(1), 0) == [url(1)]


def test_an_article_scheduled_by_the_horizon_is_due(state: SQLiteState) -> None:
    state.save_article(article(1, due_at=seen(10), last_seen=seen(9)))
    state.save_article(article(2, due_at=seen(9), last_seen=seen(9)))
    assert state.due_articles(seen(10), seen(1), 0) == [url(1), url(2)]


def test_an_article_scheduled_after_the_horizon_is_not_due(state: SQLiteState) -> None:
    state.save_article(article(1, due_at=seen(11), last_seen=seen(9)))
    assert state.due_articles(seen(10), seen(1), 0) == []


def test_an_article_unchecked_since_before_the_bound_is_due_whatever_its_schedule(
    state: SQLiteState,
) -> None:
    state.save_article(article(1, due_at=seen(30), last_seen=seen(1)))
    state.save_article(article(2, due_at=seen(30), last_seen=seen(2)))  # checked at the bound
    assert state.due_articles(seen(10), seen(2), 0) == [url(1)]


def test_a_removed_article_is_never_due(state: SQLiteState) -> None:
    state.save_article(article(1, removed=True, last_status=410, due_at=None, last_seen=seen(1)))
    assert state.due_articles(seen(10), seen(5), 0) == []


def test_a_copy_never_archived_itself_is_due(state: SQLiteState) -> None:
    state.save_article(article(1, version=0, duplicate_of=url(2), content_hash=None))
    assert state.due_articles(seen(10), seen(5), 0) == [url(1)]


def test_a_removed_copy_is_not_due(state: SQLiteState) -> None:
    state.save_article(article(1, version=0, duplicate_of=url(2), removed=True))
    assert state.due_articles(seen(10), seen(5), 0) == []


def test_a_never_archived_page_that_is_no_copy_is_not_due(state: SQLiteState) -> None:
    state.save_article(article(1, version=0, duplicate_of=None, content_hash=None))
    assert state.due_articles(seen(10), seen(5), 0) == []


def test_due_articles_come_oldest_check_first(state: SQLiteState) -> None:
    state.save_article(article(1, last_seen=seen(5)))
    state.save_article(article(2, last_seen=seen(3)))
    state.save_article(article(3, last_seen=seen(4), version=0, duplicate_of=url(1)))
    state.save_article(article(4, last_seen=seen(1), due_at=seen(2)))
    assert state.due_articles(seen(10), seen(1), 0) == [url(4), url(2), url(3), url(1)]


def test_due_articles_checked_at_the_same_time_come_in_key_order(state: SQLiteState) -> None:
    for n in (3, 1, 2):
        state.save_article(article(n, last_seen=seen(1)))
    assert state.due_articles(seen(10), seen(1), 0) == [url(1), url(2), url(3)]


def test_due_articles_stop_at_the_limit_oldest_first(state: SQLiteState) -> None:
    for n in range(1, 6):
        state.save_article(article(n, last_seen=seen(10 - n)))
    assert state.due_articles(seen(10), seen(1), 2) == [url(5), url(4)]


def test_a_zero_limit_gives_every_due_article(state: SQLiteState) -> None:
    for n in range(1, 601):
        state.save_article(article(n))
    assert len(state.due_articles(seen(10), seen(1), 0)) == 600


def test_an_article_rescheduled_is_no_longer_due(state: SQLiteState) -> None:
    state.save_article(article(1, last_seen=seen(1)))
    state.save_article(article(1, last_seen=seen(9), due_at=seen(20), interval=86_400.0))
    assert state.due_articles(seen(10), seen(1), 0) == []


def test_no_article_is_due_in_an_empty_state(state: SQLiteState) -> None:
    assert state.due_articles(seen(10), seen(1), 0) == []


# -- sample_articles ------------------------------------------------------------------------------


def save_live_and_others(state: SQLiteState, numbers: range) -> set[str]:
    for n in numbers:
        state.save_article(article(n))
    state.save_article(article(900, removed=True, last_status=404))
    state.save_article(article(901, version=0, duplicate_of=url(1)))
    state.save_article(article(902, version=0))
    return {url(n) for n in numbers}


def test_the_same_seed_draws_the_same_sample(state: SQLiteState) -> None:
    save_live_and_others(state, range(1, 41))
    assert state.sample_articles(5, seed=7) == state.sample_articles(5, seed=7)


def test_another_seed_draws_another_sample(state: SQLiteState) -> None:
    save_live_and_others(state, range(1, 41))
    assert state.sample_articles(5, seed=7) != state.sample_articles(5, seed=8)


def test_the_sample_has_the_count_asked_for_of_live_articles_in_key_order(
    state: SQLiteState,
) -> None:
    live = save_live_and_others(state, range(1, 41))
    drawn = state.sample_articles(5, seed=7)
    assert len(drawn) == len(set(drawn)) == 5
    assert set(drawn) <= live
    assert drawn == sorted(drawn)


def test_the_sample_is_capped_at_the_live_articles(state: SQLiteState) -> None:
    live = save_live_and_others(state, range(1, 11))
    drawn = state.sample_articles(100, seed=7)
    assert sorted(drawn) == sorted(live)


def test_a_sample_of_none_is_empty(state: SQLiteState) -> None:
    save_live_and_others(state, range(1, 11))
    assert state.sample_articles(0, seed=7) == []


def test_the_sample_of_an_empty_state_is_empty(state: SQLiteState) -> None:
    assert state.sample_articles(3, seed=1) == []


def test_the_same_seed_draws_the_same_sample_after_a_reopen(state: SQLiteState) -> None:
    save_live_and_others(state, range(1, 41))
    drawn = state.sample_articles(5, seed=7)
    again = reopen(state)
    try:
        assert again.sample_articles(5, seed=7) == drawn
    finally:
        again.close()


def test_the_sample_does_not_depend_on_the_order_articles_were_saved(tmp_path: Path) -> None:
    forward = SQLiteState(tmp_path / "forward")
    backward = SQLiteState(tmp_path / "backward")
    try:
        for n in range(1, 41):
            forward.save_article(article(n))
        for n in range(40, 0, -1):
            backward.save_article(article(n))
        assert backward.sample_articles(5, seed=7) == forward.sample_articles(5, seed=7)
    finally:
        forward.close()
        backward.close()


# -- live_article_count, freshness, live_field_hashes ---------------------------------------------


def test_live_article_count_counts_archived_not_removed(state: SQLiteState) -> None:
    save_live_and_others(state, range(1, 4))
    assert state.live_article_count() == 3


def test_live_article_count_of_an_empty_state_is_zero(state: SQLiteState) -> None:
    assert state.live_article_count() == 0


def test_freshness_is_the_oldest_check_of_a_live_article(state: SQLiteState) -> None:
    state.save_article(article(1, last_seen=seen(4)))
    state.save_article(article(2, last_seen=seen(3)))
    state.save_article(article(3, last_seen=seen(1), removed=True, last_status=404))
    state.save_article(article(4, last_seen=seen(1), version=0, duplicate_of=url(1)))
    assert state.freshness(seen(1)).oldest_verified == seen(3)


def test_freshness_counts_live_articles_checked_before_the_bound(state: SQLiteState) -> None:
    state.save_article(article(1, last_seen=seen(4)))
    state.save_article(article(2, last_seen=seen(5)))
    state.save_article(article(3, last_seen=seen(3)))
    state.save_article(article(4, last_seen=seen(1), removed=True, last_status=404))
    state.save_article(article(5, last_seen=seen(1), version=0, duplicate_of=url(1)))
    assert state.freshness(seen(5)) == Freshness(seen(3), 2)
    assert state.freshness(seen(3)) == Freshness(seen(3), 0)
    assert state.freshness(seen(6)) == Freshness(seen(3), 3)


def test_freshness_of_an_empty_state_is_none_and_zero(state: SQLiteState) -> None:
    assert state.freshness(seen(5)) == Freshness(None, 0)


def test_live_field_hashes_are_the_live_articles_digests_in_key_order(state: SQLiteState) -> None:
    state.save_article(article(2, field_hashes={"title": "2"}))
    state.save_article(article(1, field_hashes={"title": "1", "body": "b"}))
    state.save_article(article(3, field_hashes={"title": "3"}, removed=True))
    state.save_article(article(4, field_hashes={"title": "4"}, version=0, duplicate_of=url(1)))
    state.save_article(article(5, field_hashes={}))
    assert list(state.live_field_hashes(batch=2)) == [
        {"title": "1", "body": "b"},
        {"title": "2"},
        {},
    ]


def test_live_field_hashes_give_back_real_digests(state: SQLiteState) -> None:
    digests = field_digests(article_dict(1))
    state.save_article(article(1, field_hashes=digests))
    assert list(state.live_field_hashes()) == [digests]


# -- sitemaps -------------------------------------------------------------------------------------


def test_a_sitemap_s_entries_are_kept(state: SQLiteState) -> None:
    state.save_sitemap_entries(SITEMAP_1, {key(1): seen(1), key(2): None})
    assert state.sitemap_entries(SITEMAP_1) == {key(1): seen(1), key(2): None}


def test_the_entry_of_an_article_names_its_sitemap_and_lastmod(state: SQLiteState) -> None:
    state.save_sitemap_entries(SITEMAP_1, {key(1): seen(1), key(2): None})
    assert state.sitemap_entry(key(1)) == (SITEMAP_1, seen(1))
    assert state.sitemap_entry(key(2)) == (SITEMAP_1, None)


def test_an_article_no_sitemap_lists_has_no_entry(state: SQLiteState) -> None:
    state.save_sitemap_entries(SITEMAP_1, {key(1): seen(1)})
    assert state.sitemap_entry(key(2)) is None


def test_a_sitemap_never_read_has_no_entries(state: SQLiteState) -> None:
    assert state.sitemap_entries(SITEMAP_1) == {}


def test_a_sitemap_read_again_replaces_what_it_listed(state: SQLiteState) -> None:
    state.save_sitemap_entries(SITEMAP_1, {key(1): seen(1), key(2): seen(1)})
    state.save_sitemap_entries(SITEMAP_1, {key(2): seen(3), key(3): None})
    assert state.sitemap_entries(SITEMAP_1) == {key(2): seen(3), key(3): None}
    assert state.sitemap_entry(key(1)) is None


def test_a_sitemap_read_again_leaves_the_other_sitemaps_alone(state: SQLiteState) -> None:
    state.save_sitemap_entries(SITEMAP_1, {key(1): seen(1)})
    state.save_sitemap_entries(SITEMAP_2, {key(2): seen(2)})
    state.save_sitemap_entries(SITEMAP_1, {})
    assert state.sitemap_entries(SITEMAP_1) == {}
    assert state.sitemap_entries(SITEMAP_2) == {key(2): seen(2)}


def test_an_article_moving_to_another_sitemap_is_listed_by_that_one(state: SQLiteState) -> None:
    state.save_sitemap_entries(SITEMAP_1, {key(1): seen(1), key(2): seen(1)})
    state.save_sitemap_entries(SITEMAP_2, {key(3): seen(1), key(2): seen(4)})
    assert state.sitemap_entry(key(2)) == (SITEMAP_2, seen(4))
    assert state.sitemap_entries(SITEMAP_1) == {key(1): seen(1)}
    assert state.sitemap_entries(SITEMAP_2) == {key(3): seen(1), key(2): seen(4)}


def test_the_old_sitemap_read_again_without_a_moved_article_keeps_it_in_the_new_one(
    state: SQLiteState,
) -> None:
    state.save_sitemap_entries(SITEMAP_1, {key(1): seen(1), key(2): seen(1)})
    state.save_sitemap_entries(SITEMAP_2, {key(2): seen(4)})
    state.save_sitemap_entries(SITEMAP_1, {key(1): seen(1)})
    assert state.sitemap_entry(key(2)) == (SITEMAP_2, seen(4))


def test_a_sitemap_file_s_state_is_kept(state: SQLiteState) -> None:
    saved = SitemapState(
        url="/sitemap.xml",
        lastmod=seen(2),
        etag='"s1"',
        last_modified="Sat, 02 Aug 2025 09:00:00 GMT",
    )
    state.save_sitemap(saved)
    assert state.sitemap("/sitemap.xml") == saved


def test_a_sitemap_file_saved_again_is_replaced(state: SQLiteState) -> None:
    state.save_sitemap(SitemapState(url="/sitemap.xml", lastmod=seen(2), etag='"s1"'))
    state.save_sitemap(SitemapState(url="/sitemap.xml", lastmod=seen(3)))
    assert state.sitemap("/sitemap.xml") == SitemapState(url="/sitemap.xml", lastmod=seen(3))


def test_a_sitemap_file_never_read_is_unknown(state: SQLiteState) -> None:
    assert state.sitemap("/sitemap.xml") is None


# -- listings -------------------------------------------------------------------------------------


def test_a_listing_page_no_run_has_seen_has_no_sweep(state: SQLiteState) -> None:
    assert state.listing_due(FILM, 2) is None


def test_a_listing_page_s_sweep_is_kept(state: SQLiteState) -> None:
    state.schedule_listing(FILM, 2, seen(9))
    assert state.listing_due(FILM, 2) == seen(9)
    assert state.listing_due(FILM, 3) is None
    assert state.listing_due(NATIONAL, 2) is None


def test_a_listing_page_scheduled_again_takes_the_new_time(state: SQLiteState) -> None:
    state.schedule_listing(FILM, 2, seen(9))
    state.schedule_listing(FILM, 2, seen(16))
    assert state.listing_due(FILM, 2) == seen(16)


def test_due_listings_are_the_pages_due_by_the_horizon(state: SQLiteState) -> None:
    state.schedule_listing(FILM, 2, seen(9))
    state.schedule_listing(FILM, 3, seen(10))
    state.schedule_listing(FILM, 4, seen(11))
    assert state.due_listings(seen(10)) == [(FILM, 2), (FILM, 3)]


def test_due_listings_leave_out_first_pages(state: SQLiteState) -> None:
    state.schedule_listing(FILM, 1, seen(1))
    state.schedule_listing(FILM, 2, seen(1))
    assert state.due_listings(seen(10)) == [(FILM, 2)]


def test_due_listings_come_by_category_then_page_number(state: SQLiteState) -> None:
    for page in (10, 2, 9):
        state.schedule_listing(NATIONAL, page, seen(3))
        state.schedule_listing(FILM, page, seen(4))
    assert state.due_listings(seen(10)) == [
        (FILM, 2),
        (FILM, 9),
        (FILM, 10),
        (NATIONAL, 2),
        (NATIONAL, 9),
        (NATIONAL, 10),
    ]


# -- meta -----------------------------------------------------------------------------------------


def test_a_meta_value_is_kept(state: SQLiteState) -> None:
    state.set_meta("lastmod_trust", '{"state": "trusted"}')
    assert state.meta("lastmod_trust") == '{"state": "trusted"}'


def test_a_meta_value_set_again_is_replaced(state: SQLiteState) -> None:
    state.set_meta("lastmod_trust", "a")
    state.set_meta("lastmod_trust", "b")
    assert state.meta("lastmod_trust") == "b"


def test_a_meta_value_never_set_is_none(state: SQLiteState) -> None:
    assert state.meta("lastmod_trust") is None


def test_a_new_state_records_its_schema(state: SQLiteState) -> None:
    assert state.meta("schema") == str(SCHEMA_VERSION) == "2"


# -- categories, removed URLs ---------------------------------------------------------------------


def test_a_state_no_run_finished_has_no_previous_categories(state: SQLiteState) -> None:
    assert state.previous_categories() == {}


def test_saved_categories_come_back_by_url(state: SQLiteState) -> None:
    film = Category(name="Film history", url=FILM, articles=[url(2), url(1)])
    national = Category(name="National cinemas", url=NATIONAL, articles=[])
    state.save_categories([national, film])
    assert state.previous_categories() == {FILM: film, NATIONAL: national}


def test_saved_categories_replace_the_ones_before(state: SQLiteState) -> None:
    state.save_categories([Category(name="Film history", url=FILM, articles=[url(1)])])
    national = Category(name="National cinemas", url=NATIONAL, articles=[url(3)])
    state.save_categories([national])
    assert state.previous_categories() == {NATIONAL: national}


def test_removed_urls_are_the_removed_articles(state: SQLiteState) -> None:
    state.save_article(article(1))
    state.save_article(article(2, removed=True, last_status=410))
    state.save_article(article(3, removed=True, last_status=404, version=3))
    state.save_article(article(4, version=0, duplicate_of=url(1)))
    assert state.removed_urls() == {url(2), url(3)}


def test_an_article_back_after_its_removal_is_no_longer_removed(state: SQLiteState) -> None:
    state.save_article(article(1, removed=True, last_status=410))
    state.save_article(article(1, version=2))
    assert state.removed_urls() == set()


# -- across processes -----------------------------------------------------------------------------


def test_everything_incremental_runs_keep_survives_a_reopen(state: SQLiteState) -> None:
    state.save_article(article(1, due_at=seen(20), interval=172_800.0, lastmod=seen(1)))
    state.save_article(article(2, removed=True, last_status=410))
    state.save_sitemap_entries(SITEMAP_1, {key(1): seen(1)})
    state.save_sitemap(SitemapState(url=SITEMAP_1, lastmod=seen(1), etag='"e"'))
    state.schedule_listing(FILM, 2, seen(9))
    state.set_meta("lastmod_trust", '{"state": "trusted"}')
    film = Category(name="Film history", url=FILM, articles=[url(1)])
    state.save_categories([film])
    again = reopen(state)
    try:
        assert again.due_articles(seen(20), seen(1), 0) == [url(1)]
        assert again.sitemap_entry(key(1)) == (SITEMAP_1, seen(1))
        assert again.sitemap(SITEMAP_1) == SitemapState(url=SITEMAP_1, lastmod=seen(1), etag='"e"')
        assert again.listing_due(FILM, 2) == seen(9)
        assert again.due_listings(seen(9)) == [(FILM, 2)]
        assert again.meta("lastmod_trust") == '{"state": "trusted"}'
        assert again.previous_categories() == {FILM: film}
        assert again.removed_urls() == {url(2)}
        assert again.live_article_count() == 1
    finally:
        again.close()


# -- the migration from schema 1 ------------------------------------------------------------------

V1_COLUMNS = (
    "key, url, id, version, content_hash, field_hashes, etag, last_modified, first_seen, "
    "last_seen, last_status, removed, duplicate_of"
)


@pytest.fixture
def v1_folder(tmp_path: Path) -> Path:
    """A copy of a state the previous version wrote (the fixture itself is never opened)."""
    folder = tmp_path / "v1"
    folder.mkdir()
    shutil.copyfile(V1_FIXTURE, folder / DB_FILE)
    return folder


def v1_rows(folder: Path) -> dict[str, tuple[Any, ...]]:
    """The copy's article rows as the previous version wrote them, read before migrating."""
    db = sqlite3.connect(folder / DB_FILE)
    try:
        schema = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        assert schema == ("1",)
        rows = db.execute(f"SELECT {V1_COLUMNS} FROM articles").fetchall()
    finally:
        db.close()
    return {str(row[0]): tuple(row) for row in rows}


@pytest.fixture
def v1_before(v1_folder: Path) -> dict[str, tuple[Any, ...]]:
    return v1_rows(v1_folder)


@pytest.fixture
def migrated(v1_folder: Path, v1_before: dict[str, tuple[Any, ...]]) -> Iterator[SQLiteState]:
    opened = SQLiteState(v1_folder)
    yield opened
    opened.close()


def test_the_v1_fixture_is_a_schema_1_state_of_the_sample_site(
    v1_before: dict[str, tuple[Any, ...]],
) -> None:
    assert len(v1_before) >= 240
    assert all(row[1].startswith("https://articles.example/") for row in v1_before.values())


def test_a_v1_state_is_brought_to_schema_2(migrated: SQLiteState) -> None:
    assert migrated.meta("schema") == "2"


def test_a_v1_state_stays_at_schema_2_once_migrated(migrated: SQLiteState) -> None:
    again = reopen(migrated)
    try:
        assert again.meta("schema") == "2"
        assert again.live_article_count() == 240
    finally:
        again.close()


def test_a_migrated_state_keeps_every_article(
    migrated: SQLiteState, v1_before: dict[str, tuple[Any, ...]]
) -> None:
    db = sqlite3.connect(migrated.folder / DB_FILE)
    try:
        count = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        db.close()
    assert count == len(v1_before)
    assert all(migrated.article(key) is not None for key in v1_before)


def test_a_migrated_state_keeps_every_article_s_fields(
    migrated: SQLiteState, v1_before: dict[str, tuple[Any, ...]]
) -> None:
    for key_, row in v1_before.items():
        found = migrated.article(key_)
        assert found is not None
        assert (
            found.key,
            found.url,
            found.id,
            found.version,
            found.content_hash,
            found.etag,
            found.last_modified,
            found.first_seen,
            found.last_seen,
            found.last_status,
            found.removed,
            found.duplicate_of,
        ) == (*row[:5], *row[6:11], bool(row[11]), row[12])


def test_a_migrated_state_keeps_the_versions_hashes_and_etags(
    migrated: SQLiteState, v1_before: dict[str, tuple[Any, ...]]
) -> None:
    archived = sorted(k for k, row in v1_before.items() if row[3] > 0)
    for key_ in (archived[0], archived[len(archived) // 2], archived[-1]):
        found = migrated.article(key_)
        assert found is not None
        _, _, _, version, content_hash, _, etag, *_ = v1_before[key_]
        assert (found.version, found.content_hash, found.etag) == (version, content_hash, etag)
        assert found.version >= 1
        assert found.content_hash is not None and len(found.content_hash) == 64


def test_a_migrated_state_keeps_the_field_digests(
    migrated: SQLiteState, v1_before: dict[str, tuple[Any, ...]]
) -> None:
    for key_, row in v1_before.items():
        found = migrated.article(key_)
        assert found is not None
        assert (found.field_hashes != {}) == bool(row[5])


def test_a_migrated_article_has_no_schedule_yet(
    migrated: SQLiteState, v1_before: dict[str, tuple[Any, ...]]
) -> None:
    schedules = set()
    for key_ in v1_before:
        found = migrated.article(key_)
        assert found is not None
        schedules.add((found.lastmod, found.due_at, found.interval))
    assert schedules == {(None, None, 0.0)}


def test_every_migrated_article_is_due(
    migrated: SQLiteState, v1_before: dict[str, tuple[Any, ...]]
) -> None:
    due = migrated.due_articles("2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z", 0)
    assert len(due) == len(v1_before) == 243
    assert set(due) == {row[1] for row in v1_before.values()}


def test_a_migrated_state_is_known_by_its_archived_urls(migrated: SQLiteState) -> None:
    assert read_site(migrated, next(migrated.live_article_urls(), None)) == Site(
        None, "https://articles.example"
    )


def test_a_migrated_state_s_site_is_read_without_opening_it(v1_folder: Path) -> None:
    SQLiteState(v1_folder).close()
    assert read_site_of(v1_folder) == Site(None, "https://articles.example")


def test_a_migrated_state_has_none_of_the_new_records_yet(
    migrated: SQLiteState, v1_before: dict[str, tuple[Any, ...]]
) -> None:
    assert migrated.meta("lastmod_trust") is None
    assert migrated.previous_categories() == {}
    assert migrated.due_listings("2100-01-01T00:00:00Z") == []
    assert [migrated.sitemap_entry(key_) for key_ in v1_before] == [None] * len(v1_before)


# -- a newer schema -------------------------------------------------------------------------------


def set_schema(folder: Path, version: str) -> None:
    db = sqlite3.connect(folder / DB_FILE)
    try:
        with db:
            db.execute("UPDATE meta SET value = ? WHERE name = 'schema'", (version,))
    finally:
        db.close()


def test_a_state_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    SQLiteState(folder).close()
    set_schema(folder, "99")
    with pytest.raises(StateError, match="newer version"):
        SQLiteState(folder)


def test_a_refused_newer_state_is_left_as_it_was_and_unlocked(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    SQLiteState(folder).close()
    set_schema(folder, "99")
    for _ in range(2):  # refused again for its schema, not for a lock left behind
        with pytest.raises(StateError, match="newer version"):
            SQLiteState(folder)
    db = sqlite3.connect(folder / DB_FILE)
    try:
        assert db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone() == ("99",)
    finally:
        db.close()
