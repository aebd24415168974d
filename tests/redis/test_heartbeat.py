"""A worker's heartbeat through an outage: a key that expired while Redis was away is taken
again unless another worker began taking the worker's part over, and taking a part over
begins only while its worker's heartbeat is absent and no outage just ended."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from crawler.redis.state import RedisState
from crawler.redis.workers import LOST

if TYPE_CHECKING:
    from redis import Redis

NOW = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)
ARGUMENTS = {"start_url": "https://articles.example/"}
TIMEOUT = 5.0


def joined(client: Redis, worker: str) -> RedisState:
    state = RedisState(client, "test", worker)
    state.heartbeat.acquire(TIMEOUT)
    state.begin_run("site", ARGUMENTS, NOW)
    return state


@pytest.fixture
def pair(redis_client: Redis) -> Iterator[tuple[RedisState, RedisState]]:
    waiting, other = joined(redis_client, "w1"), joined(redis_client, "w2")
    yield waiting, other
    other.close()


def expire(state: RedisState, client: Redis) -> None:
    """``state``'s heartbeat expired (Redis was away past the timeout); its process lives."""
    client.delete(state.keys.worker(state.worker))


def test_an_expired_heartbeat_is_taken_again_when_no_one_took_the_part_over(
    pair: tuple[RedisState, RedisState], redis_client: Redis
) -> None:
    waiting, other = pair
    expire(waiting, redis_client)
    assert waiting.heartbeat.beat(TIMEOUT)
    assert redis_client.pttl(waiting.keys.worker("w1")) > 0
    assert not other.workers.lock_part(waiting.run_id or 0, "w1", 60)


def test_a_worker_whose_part_is_being_taken_over_is_dead(
    pair: tuple[RedisState, RedisState], redis_client: Redis
) -> None:
    waiting, other = pair
    expire(waiting, redis_client)
    assert other.workers.lock_part(waiting.run_id or 0, "w1", 60)
    assert not waiting.heartbeat.beat(TIMEOUT)
    assert not redis_client.exists(waiting.keys.worker("w1"))


def test_a_worker_whose_part_was_taken_over_is_dead(
    pair: tuple[RedisState, RedisState], redis_client: Redis
) -> None:
    waiting, other = pair
    run_id = waiting.run_id or 0
    expire(waiting, redis_client)
    other.workers.settle(run_id, "w1", LOST, None, "worker_lost", NOW)
    assert not waiting.heartbeat.beat(TIMEOUT)


def test_no_worker_is_taken_for_dead_while_an_outage_just_ended(
    pair: tuple[RedisState, RedisState], redis_client: Redis
) -> None:
    waiting, other = pair
    run_id = waiting.run_id or 0
    expire(waiting, redis_client)
    redis_client.hset(waiting.keys.run(run_id).in_flight("w1"), "7", "-7")
    for state in pair:
        state.workers.started(run_id)
    assert other.workers.check_done(run_id) == ("dead", "w1")
    assert other.redis_back(TIMEOUT)  # Redis answers the other worker again first
    assert other.workers.check_done(run_id) == ("busy", "w1")
    assert other.workers.dead_parts(run_id) == []
    assert not other.workers.lock_part(run_id, "w1", 60)
    assert waiting.redis_back(TIMEOUT)  # then the waiting one, which renews its heartbeat
    redis_client.delete(waiting.keys.outage)
    assert other.workers.dead_parts(run_id) == []


def test_a_worker_taken_over_during_the_outage_hears_it_when_redis_is_back(
    pair: tuple[RedisState, RedisState], redis_client: Redis
) -> None:
    waiting, other = pair
    expire(waiting, redis_client)
    assert other.workers.lock_part(waiting.run_id or 0, "w1", 60)
    assert not waiting.redis_back(TIMEOUT)


def test_a_worker_restarted_while_its_part_is_taken_over_waits_then_joins_anew(
    pair: tuple[RedisState, RedisState], redis_client: Redis
) -> None:
    dead, taker = pair
    run_id = dead.run_id or 0
    expire(dead, redis_client)
    assert taker.workers.lock_part(run_id, "w1", 60)

    def finish_takeover() -> None:
        threading.Event().wait(0.3)
        taker.workers.settle(run_id, "w1", LOST, None, "worker_lost", NOW)
        taker.workers.unlock_part(run_id, "w1")

    finishing = threading.Thread(target=finish_takeover)
    finishing.start()
    restarted = RedisState(redis_client, "test", "w1")
    restarted.heartbeat.acquire(TIMEOUT)
    run, _given_up = restarted.begin_run("site", ARGUMENTS, NOW)
    finishing.join()
    assert run.id == run_id and not run.resumed  # a part of its own, not the one taken over
    part = restarted.workers.part(run_id, "w1")
    assert part is not None and part.status == "active"
    restarted.close()
