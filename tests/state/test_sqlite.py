"""The SQLite crawl state: articles, claims, the frontier, runs, category pages, the lock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.coverage import Coverage
from crawler.state import ArticleState, StateError
from crawler.state.lock import StateBusy
from crawler.state.sqlite import DB_FILE, SQLiteState
from tests.factories import make_category_page

NOW = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[SQLiteState]:
    opened = SQLiteState(tmp_path / "state")
    opened.begin_run("site", {"start_url": "https://articles.example/"}, NOW)
    yield opened
    opened.close()


def article(key: str = "/page.php?p=1", **fields: object) -> ArticleState:
    values: dict[str, object] = {
        "key": key,
        "url": f"https://articles.example{key}",
        "id": "1",
        "version": 1,
        "content_hash": "a" * 64,
        "field_hashes": {"title": "0123456789abcdef"},
        "etag": '"v1"',
        "last_modified": "Wed, 06 Aug 2025 09:00:00 GMT",
        "first_seen": "2025-08-06T09:00:00Z",
        "last_seen": "2025-08-06T09:00:00Z",
        "last_status": 200,
    }
    values.update(fields)
    return ArticleState(**values)  # type: ignore[arg-type]


def entry(data: bytes, key: str | None = None) -> Callable[[], tuple[str | None, bytes]]:
    return lambda: (key, data)


def reopen(state: SQLiteState) -> SQLiteState:
    state.close()
    return SQLiteState(state.folder)


def test_an_article_is_kept_whole_across_processes(state: SQLiteState) -> None:
    state.save_article(article(duplicate_of=None, removed=False))
    state.commit()
    again = reopen(state)
    try:
        assert again.article("/page.php?p=1") == article()
        assert again.article("/page.php?p=2") is None
    finally:
        again.close()


def test_live_article_urls_skip_removed_and_never_archived(state: SQLiteState) -> None:
    state.save_article(article("/page.php?p=1"))
    state.save_article(article("/page.php?p=2", removed=True))
    state.save_article(article("/page.php?p=3", version=0, duplicate_of="x"))
    state.save_article(article("/page.php?p=4"))
    assert list(state.live_article_urls(batch=1)) == [
        "https://articles.example/page.php?p=1",
        "https://articles.example/page.php?p=4",
    ]


def test_a_claim_returns_the_first_claimant(state: SQLiteState) -> None:
    assert state.contents.claim(b"k", "https://a/1") is None
    assert state.contents.claim(b"k", "https://a/2") == "https://a/1"
    assert state.run_urls.claim(b"k", "https://a/3") is None  # another table


def test_frontier_takes_highest_priority_first_then_last_in(state: SQLiteState) -> None:
    frontier = state.frontier
    for fingerprint, priority in [(b"a", 0), (b"b", 10), (b"c", 0), (b"d", 10)]:
        assert frontier.add(fingerprint, priority, entry(fingerprint), force=False) == 0
    assert frontier.pending() == 4
    popped = [frontier.pop() for _ in range(5)]
    assert [q.data if q else None for q in popped] == [b"d", b"b", b"c", b"a", None]
    assert frontier.pending() == 0


def test_frontier_is_the_seen_set(state: SQLiteState) -> None:
    serialised: list[bytes] = []

    def data() -> tuple[str | None, bytes]:
        serialised.append(b"x")
        return None, b"x"

    assert state.frontier.add(b"a", 0, data, force=False) == 0
    assert state.frontier.add(b"a", 0, data, force=False) is None
    assert len(serialised) == 1  # a known request is never serialised again
    assert state.frontier.pending() == 1


def test_forcing_a_known_request_queues_it_again_under_a_new_ticket(state: SQLiteState) -> None:
    frontier = state.frontier
    frontier.add(b"a", 0, entry(b"first"), force=False)
    taken = frontier.pop()
    assert taken is not None and taken.ticket == 0
    assert frontier.add(b"a", 0, entry(b"retry"), force=True) == 1
    frontier.done(b"a", 0)  # the first attempt finishing must not close the retry
    again = frontier.pop()
    assert again is not None and (again.ticket, again.data) == (1, b"retry")


def test_a_resumed_run_requeues_what_was_in_flight_and_not_what_was_done(
    state: SQLiteState,
) -> None:
    for fingerprint in (b"a", b"b", b"c"):
        state.frontier.add(fingerprint, 0, entry(fingerprint), force=False)
    first, second = state.frontier.pop(), state.frontier.pop()
    assert first is not None and second is not None
    state.frontier.done(first.fingerprint, first.ticket)
    state.commit()
    state._db.close()  # the process dies: no close, no final commit
    state._lock.release()

    resumed = SQLiteState(state.folder)
    try:
        run, given_up = resumed.begin_run(
            "site", {"start_url": "https://articles.example/"}, NOW + timedelta(hours=1)
        )
        assert given_up is None and run.resumes == [NOW + timedelta(hours=1)]
        taken = [resumed.frontier.pop() for _ in range(3)]
        assert taken[-1] is None
        # The one done is not fetched again; the one in flight and the one queued are.
        assert {q.data for q in taken if q} == {b"a", b"b", b"c"} - {first.data}
    finally:
        resumed.close()


def test_done_key_closes_every_request_for_a_recovered_page(state: SQLiteState) -> None:
    state.frontier.add(b"a", 0, entry(b"a", "/page.php?p=1"), force=False)
    state.frontier.add(b"b", 0, entry(b"b", "/page.php?p=2"), force=False)
    state.frontier.done_key("/page.php?p=1")
    assert state.frontier.pending() == 1
    taken = state.frontier.pop()
    assert taken is not None and taken.data == b"b"


def test_a_new_run_starts_with_an_empty_frontier_and_claims(state: SQLiteState) -> None:
    run, _ = state.begin_run("site", {"start_url": "x"}, NOW)  # other arguments: a new run
    state.frontier.add(b"a", 0, entry(b"a"), force=False)
    state.run_urls.claim(b"u", "https://a/1")
    state.contents.claim(b"c", "https://a/1")
    state.add_category_page(make_category_page())
    state.finish_run(run, Coverage(1, {"title": 1.0}), NOW)

    state.begin_run("site", {"start_url": "x"}, NOW)
    assert state.frontier.pending() == 0
    assert state.frontier.add(b"a", 0, entry(b"a"), force=False) == 0
    assert state.run_urls.claim(b"u", "https://a/2") is None
    assert state.contents.claim(b"c", "https://a/2") == "https://a/1"  # kept across runs
    assert list(state.category_pages()) == []


def test_an_unfinished_run_of_other_arguments_is_given_up(state: SQLiteState) -> None:
    first, _ = state.begin_run("site", {"start_url": "a"}, NOW)
    first.run_dir = "/archive/site-1"
    state.save_run(first)
    second, given_up = state.begin_run("site", {"start_url": "b"}, NOW)
    assert given_up is not None and given_up.run_dir == "/archive/site-1"
    assert second.id != first.id and not second.resumed


def test_run_counters_and_folder_survive_a_resume(state: SQLiteState) -> None:
    run, _ = state.begin_run("site", {"start_url": "a"}, NOW)
    run.run_dir = "/archive/site-1"
    run.counters = {"articles/new": 7}
    state.save_run(run)
    state.commit()
    again, _ = state.begin_run("site", {"start_url": "a"}, NOW)
    assert (again.id, again.run_dir, again.counters) == (run.id, run.run_dir, run.counters)


def test_previous_coverage_is_the_latest_finished_run_with_enough_pages(
    state: SQLiteState,
) -> None:
    for pages in (50, 5):
        run, _ = state.begin_run("site", {"n": str(pages)}, NOW)
        state.finish_run(run, Coverage(pages, {"title": pages / 100}), NOW)
    assert state.previous_coverage("site", min_pages=20) == Coverage(50, {"title": 0.5})
    assert state.previous_coverage("site", min_pages=100) is None
    assert state.previous_coverage("category", min_pages=1) is None


def test_category_pages_come_back_in_the_order_added(state: SQLiteState) -> None:
    pages = [make_category_page(page=n, articles=[n]) for n in (2, 1, 3)]
    for page in pages:
        state.add_category_page(page)
    assert list(state.category_pages(batch=2)) == pages


def test_a_second_process_cannot_open_the_same_state(state: SQLiteState) -> None:
    with pytest.raises(StateBusy, match="in use by another crawl"):
        SQLiteState(state.folder)


def test_a_state_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    state = SQLiteState(tmp_path)
    state._db.execute("UPDATE meta SET value = '99' WHERE name = 'schema'")
    state.close()
    with pytest.raises(StateError, match="newer version of the crawler \\(schema 99, this one"):
        SQLiteState(tmp_path)


def test_a_damaged_database_is_refused_with_its_path(tmp_path: Path) -> None:
    (tmp_path / DB_FILE).write_bytes(b"not a database" * 100)
    with pytest.raises(StateError, match=DB_FILE):
        SQLiteState(tmp_path)


def test_unaccounted_are_listed_articles_neither_known_nor_finished(state: SQLiteState) -> None:
    state.save_sitemap_entries("/sitemap.xml", {f"/page.php?p={n}": None for n in (1, 2, 3, 4)})
    state.save_article(article("/page.php?p=1"))  # archived (or left for later)
    state.frontier.add(b"b", 0, entry(b"b", "/page.php?p=2"), force=False)
    taken = state.frontier.pop()
    assert taken is not None
    state.frontier.done(taken.fingerprint, taken.ticket)  # finished, whatever its outcome
    state.frontier.add(b"c", 0, entry(b"c", "/page.php?p=3"), force=False)  # still queued
    assert state.unaccounted() == ["/page.php?p=3", "/page.php?p=4"]
