"""The pages a worker holds for learning, in Redis: what its commits sent outlives it, for
itself restarted or for the worker that takes its part over."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.redis.held import RedisHeldPages, take_held
from tests.redis.test_state import die, open_state

if TYPE_CHECKING:
    from redis import Redis

    from crawler.templates.held import HeldPage


def hold(held: RedisHeldPages, n: int) -> HeldPage:
    url = f"https://x/page.php?p={n}"
    return held.hold(url, "article", 200, [(b"ETag", b'"1"')], b"<p>%d" % n, "missing_body")


def test_pages_held_after_the_last_commit_are_not_kept(redis_client: Redis) -> None:
    state = open_state(redis_client)
    held = RedisHeldPages(10, state)
    first = hold(held, 1)
    state.commit()
    hold(held, 2)
    die(state)
    restarted = RedisHeldPages(10, open_state(redis_client))
    assert [page.key for page in restarted.pages()] == [first.key]
    assert restarted.body(first) == b"<p>1"


def test_a_page_released_or_a_store_closed_finished_leaves_redis(redis_client: Redis) -> None:
    state = open_state(redis_client)
    held = RedisHeldPages(10, state)
    first, second = hold(held, 1), hold(held, 2)
    held.release(first.key)
    state.commit()
    assert [page.key for page in RedisHeldPages(10, state).pages()] == [second.key]
    held.close()
    state.commit()
    assert list(RedisHeldPages(10, state).pages()) == []
    state.close()


def test_a_taker_gets_a_dead_workers_committed_pages_with_their_bodies(
    redis_client: Redis,
) -> None:
    dead = open_state(redis_client, "w1")
    page = hold(RedisHeldPages(10, dead), 1)
    dead.commit()
    die(dead)
    taker = open_state(redis_client, "w2")
    assert take_held(taker, "w1") == [page]
    assert take_held(taker, "w1") == []
    mine = RedisHeldPages(10, taker)
    mine.adopt([page])
    assert mine.adopted == {page.key}
    assert mine.body(page) == b"<p>1"
    taker.close()
