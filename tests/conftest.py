"""Suite-wide pytest configuration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from crawler.state.sqlite import SQLiteState
from tests.redis_server import MISSING, RedisServer

if TYPE_CHECKING:
    from redis import Redis

#: Every property test in the suite: the same examples on every run and machine, and no
#: example database left behind, so a CI failure reproduces locally as it is.
settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.load_profile("deterministic")

#: The page-mutation property tests (tests/fuzz): the same examples on every run and machine,
#: a bounded count (each example parses, mutates and extracts a whole page), no per-example
#: deadline, no example database. Registered here and applied per test with
#: ``@settings(settings.get_profile("extract-fuzz"))``, so other hypothesis tests keep their own.
settings.register_profile(
    "extract-fuzz",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    print_blob=True,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


STATE_NOW = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def crawl_state(tmp_path: Path) -> Iterator[SQLiteState]:
    """A crawl state with a run begun, as components see it during a crawl."""
    opened = SQLiteState(tmp_path / "state")
    opened.begin_run("site", {}, STATE_NOW)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A ``redis-server`` of the session's own on 127.0.0.1 (skipped where none is installed;
    CI installs one)."""
    if MISSING is not None:
        pytest.skip(MISSING)
    with RedisServer() as server:
        yield server.url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Redis]:
    """A client of the session's Redis, emptied before each test."""
    from redis import Redis  # the redis extra: imported only by the tests that use it

    client = Redis.from_url(redis_url)
    client.flushall()
    yield client
    client.close()
