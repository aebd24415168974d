"""Calls to Redis through an outage (``crawler.redis.outage``): retried with backoff for at most
the timeout, one warning when the outage starts and one when it ends, what Redis needs after
an outage done before a call is sent again; then, against a real redis-server killed and
restarted from its append-only file, a client that waits it out."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import pytest
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from crawler.redis.outage import BACKOFF_CAP, OutageRetry, WorkerRedis
from tests.redis_server import MISSING, RedisServer


class Clock:
    """Time that moves only when slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


REFUSED = "Error 111 connecting to 127.0.0.1:6379. Connection refused."


def failing(times: int, result: str = "ok") -> Callable[[], str]:
    """A call that fails with a connection error ``times`` times, then answers."""
    left = [times]

    def call() -> str:
        if left[0]:
            left[0] -= 1
            raise RedisConnectionError(REFUSED)
        return result

    return call


@pytest.fixture
def clock() -> Clock:
    return Clock()


def policy(clock: Clock, timeout: float = 10.0) -> tuple[OutageRetry, list[str]]:
    reasons: list[str] = []
    retry = OutageRetry(
        timeout,
        url="redis://127.0.0.1:6379/0",
        give_up=reasons.append,
        clock=clock,
        sleep=clock.sleep,
    )
    return retry, reasons


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "crawler.redis.outage"]


def test_an_outage_is_waited_out_with_one_line_as_it_starts_and_one_as_it_ends(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    retry, reasons = policy(clock)
    recovered: list[float] = []
    retry.recovered.append(lambda: recovered.append(clock.now))
    with caplog.at_level(logging.WARNING):
        assert retry.call_with_retry(failing(8), lambda error: None) == "ok"
    lines = outage_lines(caplog)
    assert len(lines) == 2 and reasons == []
    assert lines[0].startswith("Redis at redis://127.0.0.1:6379/0 does not answer (Error 111")
    assert "retrying for up to 10 s (REDIS_OUTAGE_TIMEOUT)" in lines[0]
    assert lines[1].startswith("Redis at redis://127.0.0.1:6379/0 answers again, after ")
    assert retry.down_since is None
    # What Redis needs after an outage ran before every attempt once it had begun.
    assert len(recovered) == 7


def test_the_backoff_doubles_up_to_its_cap(clock: Clock) -> None:
    retry, _reasons = policy(clock, timeout=60)
    retry.call_with_retry(failing(12), lambda error: None)
    assert clock.sleeps[:3] == [0.05, 0.1, 0.2]
    assert max(clock.sleeps) == BACKOFF_CAP == clock.sleeps[-1]
    assert clock.sleeps == sorted(clock.sleeps)


def test_a_connection_dropped_once_is_no_outage(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    retry, _reasons = policy(clock)
    recovered: list[float] = []
    retry.recovered.append(lambda: recovered.append(clock.now))
    failures: list[Exception] = []
    with caplog.at_level(logging.DEBUG):
        assert retry.call_with_retry(failing(1), failures.append) == "ok"
    assert outage_lines(caplog) == [] and recovered == [] and len(failures) == 1


def test_past_the_timeout_it_gives_up_with_the_reason(clock: Clock) -> None:
    retry, reasons = policy(clock, timeout=5)
    counts: list[int] = []
    with pytest.raises(RedisConnectionError):
        retry.call_with_retry(
            failing(1000), lambda error, count: counts.append(count), with_failure_count=True
        )
    assert reasons == [
        "Redis at REDIS_URL (redis://127.0.0.1:6379/0) did not answer for 5 s "
        f"(REDIS_OUTAGE_TIMEOUT): {REFUSED}"
    ]
    assert clock.now == pytest.approx(5.0)  # never slept past the timeout
    assert counts == list(range(1, len(counts) + 1))


def test_a_failure_of_what_redis_needs_after_an_outage_is_one_more_failed_attempt(
    clock: Clock,
) -> None:
    retry, reasons = policy(clock)
    hook = failing(3, result="loaded")
    retry.recovered.append(hook)
    assert retry.call_with_retry(failing(2), lambda error: None) == "ok"
    assert reasons == [] and hook() == "loaded"


def test_a_step_of_a_call_is_not_retried_on_its_own(clock: Clock) -> None:
    retry, _reasons = policy(clock)
    inner_attempts: list[int] = []

    def step() -> str:
        inner_attempts.append(1)
        raise RedisConnectionError("reset by peer")

    outer = failing(3)

    def call() -> str:
        if len(inner_attempts) < 2:
            retry.call_with_retry(step, lambda error: None)  # connecting, under a command
        return outer()

    assert retry.call_with_retry(call, lambda error: None) == "ok"
    assert len(inner_attempts) == 2  # once per attempt of the call, never retried by itself


def test_errors_redis_answers_with_are_not_retried(clock: Clock) -> None:
    retry, reasons = policy(clock)

    def wrong() -> None:
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    with pytest.raises(ResponseError):
        retry.call_with_retry(wrong, lambda error: None)
    assert clock.sleeps == [] and reasons == []


def test_every_connection_of_a_client_shares_the_policy(clock: Clock) -> None:
    retry, _reasons = policy(clock)
    client = WorkerRedis.from_url("redis://127.0.0.1:1/0", retry=retry)
    connection = client.connection_pool.make_connection()
    assert isinstance(connection, Connection)
    assert connection.retry is retry and client.get_retry() is retry


# -- against a real redis-server --------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[RedisServer]:
    if MISSING is not None:
        pytest.skip(MISSING)
    with RedisServer(appendonly=True) as running:
        yield running


def restart_later(server: RedisServer, seconds: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (threading.Event().wait(seconds), server.start()))
    thread.start()
    return thread


def client_of(server: RedisServer, timeout: float = 20) -> tuple[WorkerRedis, list[str]]:
    reasons: list[str] = []
    retry = OutageRetry(timeout, url=server.url, give_up=reasons.append)
    client = WorkerRedis.from_url(server.url, retry=retry)
    assert isinstance(client, WorkerRedis)
    retry.recovered.append(client.load_scripts_again)
    return client, reasons


def test_a_client_waits_for_redis_to_come_back_with_what_it_had_written(
    server: RedisServer,
) -> None:
    client, reasons = client_of(server)
    client.set("kept", "yes")
    server.kill()
    restarting = restart_later(server, 1.0)
    assert client.get("kept") == b"yes"  # waited, then read from the append-only file
    restarting.join()
    assert reasons == []
    client.close()


def test_a_pipeline_sent_again_after_a_restart_finds_its_scripts(server: RedisServer) -> None:
    client, reasons = client_of(server)
    script = client.register_script("return redis.call('SET', KEYS[1], ARGV[1])")
    pipeline = client.pipeline(transaction=False)
    script(keys=["key"], args=["value"], client=pipeline)
    load_scripts = pipeline.load_scripts
    restarting: list[threading.Thread] = []

    def load_then_crash() -> None:
        # Redis dies between redis-py loading the pipeline's scripts and sending it; it
        # comes back with no script loaded.
        load_scripts()  # type: ignore[no-untyped-call]
        server.kill()
        restarting.append(restart_later(server, 0.5))

    pipeline.load_scripts = load_then_crash  # type: ignore[method-assign]
    pipeline.execute()
    restarting[0].join()
    assert client.get("key") == b"value" and reasons == []
    client.close()


def test_a_client_gives_up_once_redis_stays_away(server: RedisServer) -> None:
    client, reasons = client_of(server, timeout=1.0)
    client.ping()
    server.kill()
    with pytest.raises(RedisConnectionError):
        client.get("anything")
    assert len(reasons) == 1 and "did not answer for 1 s (REDIS_OUTAGE_TIMEOUT)" in reasons[0]
    client.close()
