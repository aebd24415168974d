"""Whether a worker can reach ``REDIS_URL``, asked before the crawl starts
(``crawler.redis.connection.unreachable``), and its client when the redis extra is missing."""

from __future__ import annotations

import sys

import pytest
from scrapy.settings import Settings

from crawler.redis.connection import EXTRA_MISSING, redis_client, unreachable
from crawler.state import StateError


def settings(url: str) -> Settings:
    return Settings({"REDIS_URL": url, "REDIS_OUTAGE_TIMEOUT": 1.0})


def without_the_redis_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in ("redis", "scrapy_redis"):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "scrapy_redis", None)


def test_a_running_redis_can_be_reached(redis_url: str) -> None:
    assert unreachable(settings(redis_url)) is None


def test_a_redis_nobody_answers_for_is_named_with_what_to_do() -> None:
    problem = unreachable(settings("redis://127.0.0.1:1/0"))
    assert problem is not None
    assert problem.startswith(
        "cannot reach Redis at REDIS_URL (redis://127.0.0.1:1/0): start it, or point REDIS_URL "
        "at a running server ("
    )
    assert "Connection refused" in problem


def test_the_password_of_redis_url_is_not_shown() -> None:
    problem = unreachable(settings("redis://:s3cret@127.0.0.1:1/0"))
    assert problem is not None and "s3cret" not in problem
    assert "redis://:***@127.0.0.1:1/0" in problem


def test_a_url_that_is_not_redis_s_says_so() -> None:
    problem = unreachable(settings("http://127.0.0.1:6379/0"))
    assert problem is not None
    assert problem.startswith("REDIS_URL 'http://127.0.0.1:6379/0' is not a Redis URL: ")


def test_without_the_redis_extra_the_line_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without_the_redis_extra(monkeypatch)
    assert unreachable(settings("redis://127.0.0.1:6379/0")) == EXTRA_MISSING
    assert "pip install 'evergreen-crawler[redis]'" in EXTRA_MISSING
    with pytest.raises(StateError, match="needs the redis extra"):
        redis_client(settings("redis://127.0.0.1:6379/0"), print)
