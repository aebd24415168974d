from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadTimeoutError, NotConfigured
from scrapy.http import Response

from crawler.middlewares import retry
from crawler.middlewares.retry import RetryAfterMiddleware, backoff_delay, parse_retry_after
from tests.middlewares.conftest import make_crawler

NOW = datetime(2025, 8, 6, 9, 0, 0, tzinfo=UTC)
URL = "http://127.0.0.1:8000/page.php?p=0000001"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the middleware sleeps, recorded instead of slept."""
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(retry, "sleep", fake_sleep)
    return slept


def middleware(**settings: Any) -> RetryAfterMiddleware:
    crawler = make_crawler(**settings)
    built = RetryAfterMiddleware.from_crawler(crawler)
    # No jitter and a fixed clock: the waits are exact.
    built.jitter = lambda: 0.0
    built.clock = lambda: NOW
    return built


def respond(
    mw: RetryAfterMiddleware, request: Request, status: int, **headers: str
) -> Request | Response:
    response = Response(request.url, status=status, headers=headers, request=request)
    return asyncio.run(mw.process_response(request, response))


def stats(mw: RetryAfterMiddleware) -> dict[str, Any]:
    assert mw.crawler.stats is not None
    return mw.crawler.stats.get_stats()


# -- Retry-After parsing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (b"0", 0.0),
        (b"7", 7.0),
        (" 120 ", 120.0),
        ("Wed, 06 Aug 2025 09:01:00 GMT", 60.0),
        ("Wednesday, 06-Aug-25 09:01:00 GMT", 60.0),  # obsolete RFC 850 form
        ("Wed Aug  6 09:01:00 2025", 60.0),  # asctime form, no zone: GMT
        ("Wed, 06 Aug 2025 08:00:00 GMT", 0.0),  # in the past
    ],
)
def test_retry_after_seconds_and_dates(value: bytes | str, seconds: float) -> None:
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize("value", [None, b"", b"-5", b"1.5", b"soon", "\u0661\u0662"])
def test_unreadable_retry_after_is_ignored(value: bytes | str | None) -> None:
    assert parse_retry_after(value, NOW) is None


# -- backoff ---------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap() -> None:
    delays = [backoff_delay(n, 1.0, 5.0, jitter=1.0) for n in range(1, 6)]
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0]


@pytest.mark.parametrize("jitter", [0.0, 0.3, 0.999])
def test_backoff_jitter_stays_in_the_upper_half(jitter: float) -> None:
    assert 1.0 <= backoff_delay(2, 1.0, 30.0, jitter) <= 2.0


# -- the middleware --------------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_asks(waits: list[float]) -> None:
    mw = middleware()
    result = respond(mw, Request(URL), 429, **{"Retry-After": "7"})
    assert isinstance(result, Request) and result.meta["retry_times"] == 1
    assert waits == [7.0]
    assert stats(mw)["retry/retry_after"] == 1
    assert stats(mw)["retry/reason_count/429 Too Many Requests"] == 1
    assert stats(mw)["retry/waited_ms"] == 7000


def test_retry_after_as_http_date(waits: list[float]) -> None:
    later = (NOW + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    result = respond(middleware(), Request(URL), 503, **{"Retry-After": later})
    assert isinstance(result, Request)
    assert waits == [30.0]


def test_retry_after_shorter_than_the_backoff_waits_the_backoff(waits: list[float]) -> None:
    respond(middleware(RETRY_BACKOFF_BASE=4.0), Request(URL), 429, **{"Retry-After": "1"})
    assert waits == [2.0]


def test_retry_after_beyond_the_cap_gives_up(waits: list[float]) -> None:
    mw = middleware(RETRY_AFTER_MAX=60)
    request = Request(URL)
    result = respond(mw, request, 429, **{"Retry-After": "3600"})
    assert isinstance(result, Response) and result.status == 429
    assert waits == []
    assert stats(mw)["retry/retry_after_too_long"] == 1
    assert "retry/count" not in stats(mw)


def test_without_retry_after_the_backoff_doubles(waits: list[float]) -> None:
    mw = middleware(RETRY_BACKOFF_BASE=1.0, RETRY_TIMES=3)
    request = Request(URL)
    for _ in range(3):
        result = respond(mw, request, 503)
        assert isinstance(result, Request)
        request = result
    assert waits == [0.5, 1.0, 2.0]


def test_exhausted_retries_return_the_response_without_waiting(waits: list[float]) -> None:
    mw = middleware(RETRY_TIMES=1)
    result = respond(mw, Request(URL, meta={"retry_times": 1}), 503)
    assert isinstance(result, Response) and result.status == 503
    assert waits == []
    assert stats(mw)["retry/max_reached"] == 1


@pytest.mark.parametrize(("status", "meta"), [(200, {}), (404, {}), (503, {"dont_retry": True})])
def test_responses_not_to_retry_pass_through(
    waits: list[float], status: int, meta: dict[str, Any]
) -> None:
    result = respond(middleware(), Request(URL, meta=meta), status, **{"Retry-After": "1"})
    assert isinstance(result, Response) and result.status == status
    assert waits == []


def test_zero_backoff_base_only_honours_retry_after(waits: list[float]) -> None:
    mw = middleware(RETRY_BACKOFF_BASE=0)
    assert isinstance(respond(mw, Request(URL), 503), Request)
    assert isinstance(respond(mw, Request(URL), 429, **{"Retry-After": "3"}), Request)
    assert waits == [3.0]


def test_retried_exceptions_wait_the_backoff(waits: list[float]) -> None:
    mw = middleware(RETRY_BACKOFF_BASE=2.0)
    result = asyncio.run(mw.process_exception(Request(URL), DownloadTimeoutError("slow")))
    assert isinstance(result, Request)
    assert waits == [1.0]


def test_other_exceptions_are_left_alone(waits: list[float]) -> None:
    result = asyncio.run(middleware().process_exception(Request(URL), ValueError("bug")))
    assert result is None
    assert waits == []


def test_jitter_spreads_the_waits(waits: list[float]) -> None:
    mw = middleware(RETRY_BACKOFF_BASE=2.0)
    mw.jitter = iter([0.0, 0.5, 0.99]).__next__
    for _ in range(3):
        respond(mw, Request(URL), 503)
    assert waits == [1.0, 1.5, 1.99]


def test_disabled_by_retry_enabled() -> None:
    with pytest.raises(NotConfigured):
        RetryAfterMiddleware.from_crawler(make_crawler(RETRY_ENABLED=False))


def test_the_wait_does_not_block_the_event_loop() -> None:
    # Scrapy's own sleep: while a retry waits, the loop runs other work (a blocking sleep
    # would let the ticker start only after the retry came back).
    mw = middleware(RETRY_BACKOFF_BASE=0.2)
    events: list[str] = []

    async def retry_once() -> None:
        response = Response(URL, status=503, request=Request(URL))
        assert isinstance(await mw.process_response(Request(URL), response), Request)
        events.append("retried")

    async def ticker() -> None:
        for _ in range(3):
            events.append("tick")
            await asyncio.sleep(0.01)

    async def both() -> None:
        await asyncio.gather(retry_once(), ticker())

    asyncio.run(both())
    assert events == ["tick", "tick", "tick", "retried"]
