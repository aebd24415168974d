"""The crawl's clock: real UTC time, or the time ``CRAWL_CLOCK`` tells a run to act at."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from crawler.clock import crawl_clock, parse_clock, utc_now


class FakeMonotonic:
    """``time.monotonic`` that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> FakeMonotonic:
    fake = FakeMonotonic()
    monkeypatch.setattr(time, "monotonic", fake)
    return fake


# -- parse_clock ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01T03:00:00Z", datetime(2026, 3, 1, 3, 0, tzinfo=UTC)),
        ("2026-03-01T03:00:00+00:00", datetime(2026, 3, 1, 3, 0, tzinfo=UTC)),
        ("2026-03-01T05:30:00+02:30", datetime(2026, 3, 1, 3, 0, tzinfo=UTC)),
        ("2026-02-28T22:00:00-05:00", datetime(2026, 3, 1, 3, 0, tzinfo=UTC)),
        ("  2026-03-01T03:00:00Z\n", datetime(2026, 3, 1, 3, 0, tzinfo=UTC)),
    ],
)
def test_a_clock_value_with_a_zone_is_read_in_utc(value: str, expected: datetime) -> None:
    parsed = parse_clock(value)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value", ["2026-03-01", "2026-03-01T03:00:00", "tomorrow", "", "2026-13-01T03:00:00Z"]
)
def test_a_naive_or_malformed_clock_value_is_refused_with_the_message(value: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_clock(value)
    assert str(raised.value) == (
        "CRAWL_CLOCK must be an ISO 8601 time with a zone, e.g. 2026-03-01T03:00:00Z, "
        f"not {value!r}"
    )


# -- crawl_clock ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", None])
def test_no_clock_setting_is_real_time(value: str | None) -> None:
    assert crawl_clock(value) is utc_now


def test_real_time_is_aware_utc_now() -> None:
    before = datetime.now(UTC)
    now = utc_now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_a_set_clock_starts_at_its_value(monotonic: FakeMonotonic) -> None:
    clock = crawl_clock("2031-01-01T03:00:00Z")
    assert clock() == datetime(2031, 1, 1, 3, 0, tzinfo=UTC)


def test_a_set_clock_goes_on_with_real_time(monotonic: FakeMonotonic) -> None:
    clock = crawl_clock("2031-01-02T03:00:00Z")
    monotonic.now += 90.5
    assert clock() == datetime(2031, 1, 2, 3, 1, 30, 500_000, tzinfo=UTC)


def test_a_set_clock_never_goes_back() -> None:
    clock = crawl_clock("2031-01-03T03:00:00Z")
    readings = [clock() for _ in range(1_000)]
    assert readings == sorted(readings)
    assert readings[0] >= datetime(2031, 1, 3, 3, 0, tzinfo=UTC)
    assert readings[-1] - readings[0] < timedelta(seconds=60)


def test_a_set_clock_is_the_same_clock_for_the_same_value() -> None:
    assert crawl_clock("2031-01-04T03:00:00Z") is crawl_clock("2031-01-04T03:00:00Z")


def test_set_clocks_of_different_values_are_different_clocks() -> None:
    assert crawl_clock("2031-01-05T03:00:00Z") is not crawl_clock("2031-01-06T03:00:00Z")


def test_a_malformed_clock_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="CRAWL_CLOCK must be an ISO 8601 time with a zone"):
        crawl_clock("2031-01-07")
