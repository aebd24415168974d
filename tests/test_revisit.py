"""The revisit policy's pure parts: sitemap lastmods, schedules, the trust sample's size and
the trust in the site's lastmod."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.revisit import (
    DAY,
    RevisitSettings,
    Trust,
    after_check,
    first_due,
    from_iso,
    parse_lastmod,
    spread,
    sweep_due,
    to_iso,
)

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
BOUND = 30 * DAY
MINIMUM = DAY
LISTING = "https://articles.example/category.php?c=film-history"


def key(n: int) -> str:
    return f"/page.php?p={n:07d}"


# -- parse_lastmod --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025", "2025-01-01T00:00:00Z"),
        ("2025-08", "2025-08-01T00:00:00Z"),
        ("2025-08-06", "2025-08-06T00:00:00Z"),
        ("2025-08-06T09:30Z", "2025-08-06T09:30:00Z"),
        ("2025-08-06T09:30:15Z", "2025-08-06T09:30:15Z"),
        ("2025-08-06T09:30:15.987654Z", "2025-08-06T09:30:15Z"),
        ("2025-08-06T09:30:15.5Z", "2025-08-06T09:30:15Z"),
    ],
)
def test_every_w3c_datetime_form_is_read_as_utc(text: str, expected: str) -> None:
    assert parse_lastmod(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-08-06T09:30+02:00", "2025-08-06T07:30:00Z"),
        ("2025-08-06T09:30:15+05:45", "2025-08-06T03:45:15Z"),
        ("2025-08-06T09:30:15.25-05:00", "2025-08-06T14:30:15Z"),
        ("2025-08-06T23:30-01:00", "2025-08-07T00:30:00Z"),  # into the next day
        ("2025-01-01T00:15+01:00", "2024-12-31T23:15:00Z"),  # into the previous year
        ("2025-08-06T09:30+00:00", "2025-08-06T09:30:00Z"),
    ],
)
def test_an_offset_is_converted_to_utc(text: str, expected: str) -> None:
    assert parse_lastmod(text) == expected


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_lastmod("\n  2025-08-06T09:30Z \n") == "2025-08-06T09:30:00Z"


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "yesterday",
        "2025-13-40",
        "2025-02-30",
        "2025-08-06T25:00Z",
        "2025-08-06T09:60Z",
        "2025-08-06T09:30",  # a time needs a zone
        "2025-08-06 09:30Z",
        "25-08-06",
        "2025-8-6",
        "2025-08-06T09Z",
        "2025-08-06T09:30+0200",
    ],
)
def test_a_missing_or_malformed_lastmod_is_none(text: str | None) -> None:
    assert parse_lastmod(text) is None


@pytest.mark.parametrize("text", ["9999-12-31T23:30-01:00", "0001-01-01T00:30+01:00"])
def test_a_lastmod_outside_the_representable_range_is_none(text: str) -> None:
    assert parse_lastmod(text) is None


# Whole-minute offsets (W3C's TZD is hh:mm); years that stay four-digit and in range in UTC.
_ZONES = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(
    st.datetimes(
        min_value=datetime(1000, 1, 2),
        max_value=datetime(9998, 12, 30),
        timezones=_ZONES,
    )
)
def test_any_aware_isoformat_round_trips_through_parse_lastmod(moment: datetime) -> None:
    assert parse_lastmod(moment.isoformat()) == to_iso(moment)


# -- to_iso / from_iso ----------------------------------------------------------------------------


def test_to_iso_and_from_iso_round_trip_to_the_second() -> None:
    moment = datetime(2026, 3, 1, 3, 0, 5, tzinfo=UTC)
    assert from_iso(to_iso(moment)) == moment


# -- spread ---------------------------------------------------------------------------------------


def test_spread_is_within_zero_exclusive_and_one_inclusive() -> None:
    values = [spread(key(n)) for n in range(2_000)]
    assert all(0 < value <= 1 for value in values)


def test_spread_is_the_same_for_the_same_key() -> None:
    assert spread(key(7)) == spread(key(7))


def test_spread_differs_between_keys() -> None:
    assert len({spread(key(n)) for n in range(1_000)}) == 1_000


def test_spread_is_roughly_uniform() -> None:
    buckets = [0] * 10
    for n in range(10_000):
        buckets[min(9, int(spread(key(n)) * 10))] += 1
    assert all(800 <= count <= 1200 for count in buckets), buckets


# -- first_due ------------------------------------------------------------------------------------


def test_a_first_schedule_is_due_within_the_bound() -> None:
    for n in range(200):
        due_at, interval = first_due(key(n), NOW, BOUND)
        assert NOW <= from_iso(due_at) <= NOW + timedelta(seconds=BOUND)
        assert interval == BOUND


def test_a_first_schedule_falls_where_the_key_puts_it() -> None:
    due_at, _ = first_due(key(1), NOW, BOUND)
    assert due_at == to_iso(NOW + timedelta(seconds=BOUND * spread(key(1))))


def test_first_schedules_spread_over_the_bound() -> None:
    days = {from_iso(first_due(key(n), NOW, BOUND)[0]).date() for n in range(1_000)}
    assert len(days) >= 29  # not all on one day: nearly every day of the 30 gets some


# -- after_check ----------------------------------------------------------------------------------


def test_an_unchanged_check_doubles_the_interval() -> None:
    due_at, interval = after_check(2 * DAY, changed=False, now=NOW, bound=BOUND, minimum=MINIMUM)
    assert (due_at, interval) == ("2026-03-05T03:00:00Z", 4 * DAY)


def test_doubling_stops_at_the_bound() -> None:
    due_at, interval = after_check(20 * DAY, changed=False, now=NOW, bound=BOUND, minimum=MINIMUM)
    assert (due_at, interval) == ("2026-03-31T03:00:00Z", BOUND)


def test_an_interval_at_the_bound_stays_there() -> None:
    assert after_check(BOUND, changed=False, now=NOW, bound=BOUND, minimum=MINIMUM)[1] == BOUND


def test_an_interval_above_a_lowered_bound_comes_down_to_it() -> None:
    lowered = 7 * DAY  # the trust was lost: the bound went from 30 days to 7
    assert after_check(BOUND, changed=False, now=NOW, bound=lowered, minimum=MINIMUM)[1] == lowered


def test_a_change_resets_the_interval_to_the_minimum() -> None:
    due_at, interval = after_check(16 * DAY, changed=True, now=NOW, bound=BOUND, minimum=MINIMUM)
    assert (due_at, interval) == ("2026-03-02T03:00:00Z", MINIMUM)


def test_an_interval_below_the_minimum_doubles_from_the_minimum() -> None:
    _, interval = after_check(60.0, changed=False, now=NOW, bound=BOUND, minimum=MINIMUM)
    assert interval == 2 * MINIMUM


def test_a_zero_interval_never_schedules_below_the_minimum() -> None:
    for changed in (False, True):
        _, interval = after_check(0.0, changed=changed, now=NOW, bound=BOUND, minimum=MINIMUM)
        assert interval >= MINIMUM


def test_repeated_unchanged_checks_climb_to_the_bound_and_stay() -> None:
    interval = MINIMUM
    seen = []
    for _ in range(8):
        _, interval = after_check(interval, changed=False, now=NOW, bound=BOUND, minimum=MINIMUM)
        seen.append(interval / DAY)
    assert seen == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]


# -- sweep_due ------------------------------------------------------------------------------------


def test_a_first_sweep_falls_within_the_period_where_the_page_puts_it() -> None:
    period = 7 * DAY
    due_at = sweep_due(LISTING, 3, NOW, period, first=True)
    assert due_at == to_iso(NOW + timedelta(seconds=period * spread(f"{LISTING}#3")))
    assert NOW <= from_iso(due_at) <= NOW + timedelta(seconds=period)


def test_a_later_sweep_is_a_whole_period_after_this_one() -> None:
    assert sweep_due(LISTING, 3, NOW, 7 * DAY, first=False) == "2026-03-08T03:00:00Z"


def test_first_sweeps_of_a_category_s_pages_fall_at_different_points() -> None:
    dues = {sweep_due(LISTING, page, NOW, 7 * DAY, first=True) for page in range(2, 22)}
    assert len(dues) == 20


# -- RevisitSettings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("archived", "size"),
    [(0, 0), (3, 3), (5, 5), (100, 5), (1_000, 5), (3_000, 15), (30_000, 150)],
)
def test_the_sample_is_a_share_at_least_the_minimum_never_more_than_there_are(
    archived: int, size: int
) -> None:
    assert RevisitSettings().sample_size(archived) == size


def test_the_sample_follows_its_settings() -> None:
    settings = RevisitSettings(trust_sample=0.1, trust_sample_min=2)
    assert [settings.sample_size(n) for n in (1, 10, 15, 200)] == [1, 2, 2, 20]


def test_the_bound_is_the_trusted_one_while_the_lastmod_is_trusted() -> None:
    settings = RevisitSettings(max_age_days=7, max_age_days_trusted=30)
    assert (settings.bound(trusted=True), settings.bound(trusted=False)) == (30 * DAY, 7 * DAY)


# -- Trust ----------------------------------------------------------------------------------------


def test_unknown_trust_stays_unknown_without_lastmods() -> None:
    after = Trust().after_run(found_lastmods=False, contradicted=[], now="t1", recover=3)
    assert after == Trust()


def test_unknown_trust_becomes_trusted_when_a_run_finds_lastmods() -> None:
    after = Trust().after_run(found_lastmods=True, contradicted=[], now="t1", recover=3)
    assert after == Trust("trusted", 0, "t1", [])
    assert after.trusted


def test_trusted_stays_trusted_through_clean_runs() -> None:
    trusted = Trust("trusted", 0, "t1")
    after = trusted.after_run(found_lastmods=True, contradicted=[], now="t2", recover=3)
    assert after == Trust("trusted", 0, "t1", [])


def test_a_contradiction_makes_trusted_untrusted_since_the_run() -> None:
    trusted = Trust("trusted", 0, "t1")
    after = trusted.after_run(
        found_lastmods=True, contradicted=["https://a/1", "https://a/2"], now="t2", recover=3
    )
    assert after == Trust("untrusted", 0, "t2", ["https://a/1", "https://a/2"])
    assert not after.trusted


def test_a_contradiction_of_unknown_trust_makes_it_untrusted() -> None:
    after = Trust().after_run(found_lastmods=True, contradicted=["u"], now="t1", recover=3)
    assert after == Trust("untrusted", 0, "t1", ["u"])


def test_the_contradicted_list_is_a_copy_of_the_run_s() -> None:
    contradicted = ["u"]
    after = Trust("trusted").after_run(
        found_lastmods=True, contradicted=contradicted, now="t1", recover=3
    )
    contradicted.append("v")
    assert after.contradicted == ["u"]


def test_untrusted_clean_runs_count_up_and_recover_after_trust_recover() -> None:
    trust = Trust("untrusted", 0, "t0", ["u"])
    states = []
    for run in range(1, 4):
        trust = trust.after_run(found_lastmods=True, contradicted=[], now=f"t{run}", recover=3)
        states.append((trust.state, trust.clean_runs, trust.since))
    assert states == [("untrusted", 1, "t0"), ("untrusted", 2, "t0"), ("trusted", 0, "t3")]
    assert trust.contradicted == []


def test_untrusted_counting_up_keeps_what_was_contradicted() -> None:
    trust = Trust("untrusted", 0, "t0", ["u"])
    after = trust.after_run(found_lastmods=True, contradicted=[], now="t1", recover=3)
    assert after.contradicted == ["u"]


def test_a_contradiction_while_untrusted_resets_the_clean_runs() -> None:
    trust = Trust("untrusted", 2, "t0", ["u"])
    after = trust.after_run(found_lastmods=True, contradicted=["v"], now="t5", recover=3)
    assert after == Trust("untrusted", 0, "t5", ["v"])


def test_trust_round_trips_through_its_text() -> None:
    trust = Trust("untrusted", 2, "2026-03-01T03:00:00Z", ["https://a/1", "https://a/2"])
    assert Trust.loads(trust.dumps()) == trust


@pytest.mark.parametrize("text", [None, ""])
def test_no_stored_trust_loads_as_unknown(text: str | None) -> None:
    assert Trust.loads(text) == Trust("unknown", 0, None, [])


def test_trust_text_missing_fields_loads_their_defaults() -> None:
    assert Trust.loads('{"state": "trusted"}') == Trust("trusted", 0, None, [])
