"""The Redis crawl state, against a real redis-server: what the SQLite state does (articles,
claims, the frontier, runs, category pages), and what several workers add (joining a run,
requests in flight per worker, claims of a dead worker, the end of a run)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from crawler.coverage import Coverage
from crawler.redis.claims import CONTENT_CLAIM, URL_CLAIM
from crawler.redis.state import RedisState
from crawler.redis.workers import FINISHED, LOST
from crawler.state import ArticleState, StateError
from crawler.state.lock import StateBusy
from tests.factories import make_category_page

if TYPE_CHECKING:
    from redis import Redis

NOW = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)
ARGUMENTS = {"start_url": "https://articles.example/"}
PREFIX = "test"
#: Seconds a worker id is held without a heartbeat in these tests.
TIMEOUT = 0.5


def open_state(client: Redis, worker: str = "w1", *, begin: bool = True) -> RedisState:
    state = RedisState(client, PREFIX, worker)
    state.heartbeat.acquire(TIMEOUT)
    if begin:
        state.begin_run("site", ARGUMENTS, NOW)
    return state


def die(state: RedisState) -> None:
    """The process holding ``state`` is killed: nothing more is sent, its id expires."""
    state.pipeline.reset()
    state.heartbeat._held = False


@pytest.fixture
def state(redis_client: Redis) -> Iterator[RedisState]:
    opened = open_state(redis_client)
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


# -- what the SQLite state does too -------------------------------------------------------------


def test_an_article_is_kept_whole_across_processes(state: RedisState, redis_client: Redis) -> None:
    state.save_article(article(duplicate_of=None, removed=False))
    state.commit()
    other = open_state(redis_client, "w2", begin=False)
    assert other.article("/page.php?p=1") == article()
    assert other.article("/page.php?p=2") is None


def test_saved_articles_are_sent_with_the_next_commit(
    state: RedisState, redis_client: Redis
) -> None:
    state.save_article(article())
    assert state.article("/page.php?p=1") == article()  # this worker sees it at once
    assert not redis_client.hexists(state.keys.articles, "/page.php?p=1")
    state.commit()
    assert redis_client.hexists(state.keys.articles, "/page.php?p=1")


def test_live_article_urls_skip_removed_and_never_archived(state: RedisState) -> None:
    state.save_article(article("/page.php?p=1"))
    state.save_article(article("/page.php?p=2", removed=True))
    state.save_article(article("/page.php?p=3", version=0, duplicate_of="x"))
    state.save_article(article("/page.php?p=4"))
    assert list(state.live_article_urls(batch=1)) == [
        "https://articles.example/page.php?p=1",
        "https://articles.example/page.php?p=4",
    ]


def test_an_article_removed_later_leaves_the_live_set(state: RedisState) -> None:
    state.save_article(article("/page.php?p=1"))
    state.save_article(article("/page.php?p=1", removed=True, last_status=410))
    assert list(state.live_article_urls()) == []


def test_a_claim_returns_the_first_claimant(state: RedisState, redis_client: Redis) -> None:
    assert state.contents.claim(b"k", "https://a/1") is None
    assert state.contents.claim(b"k", "https://a/2") == "https://a/1"
    assert state.run_urls.claim(b"k", "https://a/3") is None  # another table
    other = open_state(redis_client, "w2")
    assert other.contents.claim(b"k", "https://a/4") == "https://a/1"  # shared by workers


def test_a_claim_sent_again_after_its_reply_was_lost_is_still_won(
    state: RedisState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("crawler.redis.claims.nonce", lambda: "the same call")
    assert state.run_urls.claim(b"k", "https://a/1") is None
    assert state.run_urls.claim(b"k", "https://a/1") is None  # the same call, sent again
    monkeypatch.setattr("crawler.redis.claims.nonce", lambda: "a later call")
    assert state.run_urls.claim(b"k", "https://a/1") == "https://a/1"  # a real duplicate


def test_a_take_sent_again_after_its_reply_was_lost_gets_the_same_request(
    state: RedisState, monkeypatch: pytest.MonkeyPatch
) -> None:
    for fingerprint in (b"a", b"b"):
        state.frontier.add(fingerprint, 0, entry(fingerprint), force=False)
    monkeypatch.setattr("crawler.redis.frontier.nonce", lambda: "the same call")
    first, again = state.frontier.pop(), state.frontier.pop()
    assert first is not None and first == again
    assert state.frontier.in_flight() == 1 and state.frontier.pending() == 1


def test_frontier_takes_highest_priority_first_then_last_in(state: RedisState) -> None:
    frontier = state.frontier
    for fingerprint, priority in [(b"a", 0), (b"b", 10), (b"c", 0), (b"d", 10), (b"e", -3)]:
        assert frontier.add(fingerprint, priority, entry(fingerprint), force=False) is not None
    assert frontier.pending() == 5
    popped = [frontier.pop() for _ in range(6)]
    assert [q.data if q else None for q in popped] == [b"d", b"b", b"c", b"a", b"e", None]
    assert frontier.pending() == 0


def test_frontier_is_the_seen_set(state: RedisState, redis_client: Redis) -> None:
    serialised: list[bytes] = []

    def data() -> tuple[str | None, bytes]:
        serialised.append(b"x")
        return None, b"x"

    assert state.frontier.add(b"a", 0, data, force=False) is not None
    assert state.frontier.add(b"a", 0, data, force=False) is None
    assert len(serialised) == 1  # a request known here is never serialised again
    assert state.frontier.pending() == 1
    other = open_state(redis_client, "w2")
    assert other.frontier.known(b"a")
    assert other.frontier.add(b"a", 0, data, force=False) is None  # seen by another worker


def test_forcing_a_known_request_queues_it_again_under_a_new_ticket(state: RedisState) -> None:
    frontier = state.frontier
    frontier.add(b"a", 0, entry(b"first"), force=False)
    taken = frontier.pop()
    assert taken is not None
    retry = frontier.add(b"a", 0, entry(b"retry"), force=True)
    assert retry is not None and retry != taken.ticket
    frontier.done(b"a", taken.ticket)  # the first attempt finishing must not close the retry
    state.commit()
    again = frontier.pop()
    assert again is not None and (again.ticket, again.data) == (retry, b"retry")


def test_a_restarted_worker_gets_back_what_it_had_in_flight_and_not_what_was_done(
    state: RedisState, redis_client: Redis
) -> None:
    for fingerprint in (b"a", b"b", b"c"):
        state.frontier.add(fingerprint, 0, entry(fingerprint), force=False)
    first, second = state.frontier.pop(), state.frontier.pop()
    assert first is not None and second is not None
    state.frontier.done(first.fingerprint, first.ticket)
    state.commit()
    die(state)

    restarted = RedisState(redis_client, PREFIX, "w1")
    restarted.heartbeat.acquire(TIMEOUT)  # waits for the dead process's id to expire
    run, given_up = restarted.begin_run("site", ARGUMENTS, NOW + timedelta(hours=1))
    assert given_up is None and run.resumes == [NOW + timedelta(hours=1)]
    assert restarted.frontier.requeue_in_flight() == 1
    taken = [restarted.frontier.pop() for _ in range(3)]
    assert taken[-1] is None
    assert {q.data for q in taken if q} == {b"a", b"b", b"c"} - {first.data}


def test_done_key_closes_every_request_for_a_recovered_page(state: RedisState) -> None:
    frontier = state.frontier
    frontier.add(b"a", 0, entry(b"a", "/page.php?p=1"), force=False)
    frontier.add(b"b", 0, entry(b"b", "/page.php?p=2"), force=False)
    frontier.add(b"c", 5, entry(b"c", "/page.php?p=3"), force=False)
    taken = frontier.pop()
    assert taken is not None and taken.data == b"c"
    frontier.done_key("/page.php?p=1")
    frontier.done_key("/page.php?p=3")
    assert frontier.requeue_in_flight() == 1  # in flight when its record was recovered
    again = frontier.pop()
    assert again is not None and again.data == b"b"
    assert frontier.pop() is None
    # A request for the page made after its recovery is fetched.
    frontier.add(b"a2", 0, entry(b"a2", "/page.php?p=1"), force=True)
    later = frontier.pop()
    assert later is not None and later.data == b"a2"


def test_a_new_run_starts_with_an_empty_frontier_and_claims(state: RedisState) -> None:
    run, _ = state.begin_run("site", {"start_url": "x"}, NOW)  # other arguments: a new run
    state.frontier.add(b"a", 0, entry(b"a"), force=False)
    state.run_urls.claim(b"u", "https://a/1")
    state.contents.claim(b"c", "https://a/1")
    state.add_category_page(make_category_page())
    state.workers.started(run.id)
    assert state.workers.check_done(run.id) == ("busy", None)
    queued = state.frontier.pop()
    assert queued is not None
    state.frontier.done(queued.fingerprint, queued.ticket)
    state.commit()
    assert state.workers.check_done(run.id) == ("done", None)
    state.finish_run(run, Coverage(1, {"title": 1.0}), NOW)

    again, _ = state.begin_run("site", {"start_url": "x"}, NOW)
    assert again.id != run.id and not again.resumed
    assert state.frontier.pending() == 0
    assert state.frontier.add(b"a", 0, entry(b"a"), force=False) is not None
    assert state.run_urls.claim(b"u", "https://a/2") is None
    assert state.contents.claim(b"c", "https://a/2") == "https://a/1"  # kept across runs
    assert list(state.category_pages()) == []


def test_a_finished_run_leaves_no_scratch_keys(state: RedisState, redis_client: Redis) -> None:
    run, _ = state.begin_run("site", ARGUMENTS, NOW)
    state.frontier.add(b"a", 0, entry(b"a", "/page.php?p=1"), force=False)
    taken = state.frontier.pop()
    assert taken is not None
    state.run_urls.claim(b"u", "https://a/1")
    state.frontier.done(taken.fingerprint, taken.ticket)
    state.workers.started(run.id)
    state.commit()
    assert state.workers.check_done(run.id) == ("done", None)
    state.finish_run(run, Coverage(1, {}), NOW)
    left = sorted(key.decode() for key in redis_client.scan_iter(f"{PREFIX}:run:{run.id}:*"))
    assert left == [f"{PREFIX}:run:{run.id}:part:w1", f"{PREFIX}:run:{run.id}:parts"]
    assert state.workers.current_run() is None


def test_an_unfinished_run_of_other_arguments_is_refused_while_a_worker_lives(
    state: RedisState, redis_client: Redis
) -> None:
    other = open_state(redis_client, "w2", begin=False)
    with pytest.raises(StateBusy, match="other arguments"):
        other.begin_run("site", {"start_url": "b"}, NOW)


def test_an_unfinished_run_of_other_arguments_is_given_up_once_its_workers_died(
    state: RedisState, redis_client: Redis
) -> None:
    first = state.run_id
    die(state)
    redis_client.delete(state.keys.worker("w1"))  # its id expired
    other = open_state(redis_client, "w2", begin=False)
    second, given_up = other.begin_run("site", {"start_url": "b"}, NOW)
    assert given_up is not None and given_up.id == first and given_up.run_dir is None
    assert second.id != first and not second.resumed
    assert [part.worker for part in other.workers.dead_parts(first)] == ["w1"]


def test_a_second_worker_joins_the_current_run(state: RedisState, redis_client: Redis) -> None:
    other = open_state(redis_client, "w2", begin=False)
    run, given_up = other.begin_run("site", ARGUMENTS, NOW + timedelta(minutes=1))
    assert given_up is None and run.id == state.run_id and not run.resumed
    assert run.started_at == NOW  # the run's start, not this worker's
    assert [part.worker for part in other.workers.parts(run.id)] == ["w1", "w2"]


def test_the_part_counters_and_folder_survive_a_restart(
    state: RedisState, redis_client: Redis
) -> None:
    run, _ = state.begin_run("site", ARGUMENTS, NOW)
    run.run_dir = "/archive/site-1-w1"
    run.counters = {"articles/new": 7}
    state.save_run(run)
    state.commit()
    die(state)
    restarted = open_state(redis_client, "w1", begin=False)
    again, _ = restarted.begin_run("site", ARGUMENTS, NOW)
    assert (again.id, again.run_dir, again.counters) == (run.id, run.run_dir, run.counters)
    assert again.resumed


def test_a_run_is_done_only_when_no_worker_has_work(state: RedisState, redis_client: Redis) -> None:
    other = open_state(redis_client, "w2")
    run_id = state.run_id or 0
    state.workers.started(run_id)
    assert state.workers.check_done(run_id) == ("busy", "w2")  # w2 has not gone through its start
    other.workers.started(run_id)
    other.frontier.add(b"a", 0, entry(b"a"), force=False)
    assert state.workers.check_done(run_id) == ("busy", None)  # queued
    taken = other.frontier.pop()
    assert taken is not None
    assert state.workers.check_done(run_id) == ("busy", "w2")  # in flight at w2
    other.frontier.done(taken.fingerprint, taken.ticket)
    assert state.workers.check_done(run_id) == ("busy", "w2")  # the mark is not committed yet
    other.commit()
    assert state.workers.check_done(run_id) == ("done", None)
    assert other.workers.check_done(run_id) == ("done", None)


def test_a_dead_worker_is_named_before_the_run_can_be_done(
    state: RedisState, redis_client: Redis
) -> None:
    other = open_state(redis_client, "w2")
    run_id = state.run_id or 0
    other.workers.started(run_id)
    state.workers.started(run_id)
    die(other)
    redis_client.delete(state.keys.worker("w2"))
    assert state.workers.check_done(run_id) == ("dead", "w2")
    assert [part.worker for part in state.workers.dead_parts(run_id)] == ["w2"]


def test_the_run_finishes_with_its_last_part(state: RedisState, redis_client: Redis) -> None:
    other = open_state(redis_client, "w2")
    run_id = state.run_id or 0
    for worker in (state, other):
        worker.workers.started(run_id)
    assert state.workers.check_done(run_id) == ("done", None)
    assert not state.workers.settle(
        run_id, "w1", FINISHED, Coverage(30, {"title": 1.0}), "finished", NOW
    )
    assert state.workers.run_status(run_id) == "done"
    assert other.workers.settle(
        run_id, "w2", LOST, Coverage(10, {"title": 0.0}), "worker_lost", NOW
    )
    assert state.workers.run_status(run_id) == FINISHED
    # The run's coverage is its parts', weighted by their pages.
    assert state.previous_coverage("site", 1) == Coverage(40, {"title": 0.75})


def test_previous_coverage_is_the_latest_finished_run_with_enough_pages(
    state: RedisState,
) -> None:
    for pages in (50, 5):
        run, _ = state.begin_run("site", {"n": str(pages)}, NOW)
        state.workers.started(run.id)
        assert state.workers.check_done(run.id) == ("done", None)
        state.finish_run(run, Coverage(pages, {"title": pages / 100}), NOW)
    assert state.previous_coverage("site", min_pages=20) == Coverage(50, {"title": 0.5})
    assert state.previous_coverage("site", min_pages=100) is None
    assert state.previous_coverage("category", min_pages=1) is None


def test_category_pages_come_back_in_the_order_added(state: RedisState) -> None:
    pages = [make_category_page(page=n, articles=[n]) for n in (2, 1, 3)]
    for page in pages:
        state.add_category_page(page)
    assert list(state.category_pages(batch=2)) == pages


def test_one_worker_of_a_run_writes_its_categories(state: RedisState, redis_client: Redis) -> None:
    other = open_state(redis_client, "w2")
    run_id = state.run_id or 0
    assert other.workers.claim_categories(run_id)
    assert not state.workers.claim_categories(run_id)
    assert other.workers.claim_categories(run_id)  # asking again does not change the answer
    assert state.workers.categories_writer(run_id) == "w2"


# -- several workers ---------------------------------------------------------------------------


def test_a_worker_id_in_use_is_refused(state: RedisState, redis_client: Redis) -> None:
    with pytest.raises(StateBusy, match="worker id 'w1' is in use"):
        RedisState(redis_client, PREFIX, "w1").heartbeat.acquire(TIMEOUT, wait=0.2)


def test_a_heartbeat_keeps_the_id_and_a_lost_one_says_so(
    state: RedisState, redis_client: Redis
) -> None:
    assert state.heartbeat.beat(TIMEOUT)
    redis_client.set(state.keys.worker("w1"), "someone else")  # taken for dead, id reused
    assert not state.heartbeat.beat(TIMEOUT)
    state.close()  # leaves the other holder's key alone
    assert redis_client.get(state.keys.worker("w1")) == b"someone else"


def test_each_request_goes_to_one_worker(state: RedisState, redis_client: Redis) -> None:
    other = open_state(redis_client, "w2")
    for n in range(20):
        state.frontier.add(bytes([n]), 0, entry(bytes([n])), force=False)
    taken = []
    while True:
        mine, theirs = state.frontier.pop(), other.frontier.pop()
        if mine is None and theirs is None:
            break
        taken += [q.data for q in (mine, theirs) if q is not None]
    assert sorted(taken) == [bytes([n]) for n in range(20)]
    assert state.frontier.in_flight() == 10 and other.frontier.in_flight() == 10


def test_a_dead_workers_requests_go_back_to_the_queue_with_their_order(
    state: RedisState, redis_client: Redis
) -> None:
    other = open_state(redis_client, "w2")
    for data, priority in [(b"low", 0), (b"high", 9)]:
        state.frontier.add(data, priority, entry(data), force=False)
    assert [q.data for q in (other.frontier.pop(), other.frontier.pop()) if q] == [b"high", b"low"]
    die(other)
    state.frontier.add(b"mid", 5, entry(b"mid"), force=False)
    assert state.frontier.requeue("w2") == 2
    assert [q.data for q in iter(state.frontier.pop, None)] == [b"high", b"mid", b"low"]


def test_a_worker_taken_for_dead_cannot_close_what_was_queued_again(
    state: RedisState, redis_client: Redis
) -> None:
    other = open_state(redis_client, "w2")
    state.frontier.add(b"a", 0, entry(b"a"), force=False)
    taken = other.frontier.pop()
    assert taken is not None
    state.frontier.requeue("w2")  # w2 was taken for dead...
    other.frontier.done(taken.fingerprint, taken.ticket)  # ...and wakes up
    other.commit()
    again = state.frontier.pop()
    assert again is not None and again.data == b"a"


def test_claims_of_records_never_written_are_released(
    state: RedisState, redis_client: Redis
) -> None:
    other = open_state(redis_client, "w2")
    assert other.run_urls.claim(b"written", "https://a/1") is None
    assert other.contents.claim(b"written-body", "https://a/1") is None
    assert other.run_urls.claim(b"lost", "https://a/2") is None
    assert other.contents.claim(b"lost-body", "https://a/2") is None
    assert state.contents.claim(b"mine", "https://a/3") is None
    die(other)

    keep = {URL_CLAIM + b"written", CONTENT_CLAIM + b"written-body"}
    assert state.release_claims("w2", keep) == 2
    assert state.run_urls.claim(b"written", "https://a/9") == "https://a/1"
    assert state.contents.claim(b"written-body", "https://a/9") == "https://a/1"
    assert state.run_urls.claim(b"lost", "https://a/2") is None  # free again
    assert state.contents.claim(b"lost-body", "https://a/2") is None
    assert state.release_claims("w2", keep) == 0  # its log is gone


def test_a_state_of_another_schema_is_refused(redis_client: Redis) -> None:
    redis_client.set(f"{PREFIX}:schema", 99)
    with pytest.raises(StateError, match="another, newer version"):
        RedisState(redis_client, PREFIX, "w1")


def test_nothing_of_the_run_is_there_before_it_is_begun(redis_client: Redis) -> None:
    state = RedisState(redis_client, PREFIX, "w1")
    with pytest.raises(StateError, match="no run"):
        _ = state.frontier


def test_unaccounted_are_listed_articles_neither_known_nor_finished(state: RedisState) -> None:
    state.save_sitemap_entries("/sitemap.xml", {f"/page.php?p={n}": None for n in (1, 2, 3, 4, 5)})
    state.save_article(article("/page.php?p=1"))  # archived (or left for later)
    state.frontier.add(b"b", 0, lambda: ("/page.php?p=2", b"r"), force=False)
    state.frontier.add(b"c", 0, lambda: ("/page.php?p=3", b"r"), force=False)
    taken = state.frontier.pop()  # the last queued first: p=3
    assert taken is not None
    state.frontier.done(taken.fingerprint, taken.ticket)  # finished, whatever its outcome
    state.frontier.done_key("/page.php?p=4")  # its record recovered from a dead worker's shard
    assert state.unaccounted() == ["/page.php?p=2", "/page.php?p=5"]
