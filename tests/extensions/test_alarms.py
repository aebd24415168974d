"""Drift alarms from a run's stats: unreachable site, pages without records, coverage falls."""

from __future__ import annotations

from typing import Any

from crawler.coverage import Coverage
from crawler.extensions import alarms
from crawler.extensions.alarms import Thresholds, evaluate
from crawler.stats import FIELD_PREFIX, PAGES_KEY

DEFAULTS = Thresholds()


def healthy(pages: int = 240, **overrides: Any) -> dict[str, Any]:
    """Stats of a crawl that went well: every request answered, every field on every page."""
    stats: dict[str, Any] = {
        "downloader/request_count": pages + 50,
        "downloader/response_count": pages + 50,
        "downloader/response_status_count/200": pages + 45,
        "downloader/response_status_count/404": 5,
        PAGES_KEY: pages,
        **{FIELD_PREFIX + name: pages for name in ("id", "title", "summary", "body", "blocks")},
    }
    stats.update(overrides)
    return stats


def kinds(found: list[alarms.Alarm]) -> list[str]:
    return [alarm.kind for alarm in found]


def test_a_healthy_crawl_raises_nothing() -> None:
    previous = Coverage.from_stats(healthy())
    assert evaluate(healthy(), previous, DEFAULTS) == []


def test_no_response_at_all_is_an_unreachable_site() -> None:
    stats = {
        "downloader/request_count": 8,
        "downloader/exception_count": 8,
        "downloader/exception_type_count/twisted.internet.error.ConnectionRefusedError": 8,
    }
    [alarm] = evaluate(stats, None, DEFAULTS)
    assert alarm.kind == "unreachable" and alarm.exit_code == 4
    assert "could not be reached" in alarm.message and "ConnectionRefusedError: 8" in alarm.message


def test_nearly_every_request_failing_is_an_alarm() -> None:
    stats = {
        "downloader/request_count": 100,
        "downloader/response_count": 60,
        "downloader/response_status_count/503": 55,
        "downloader/response_status_count/200": 5,
        "downloader/exception_type_count/builtins.TimeoutError": 40,
    }
    [alarm] = evaluate(stats, None, DEFAULTS)
    assert alarm.kind == "failing" and "95 of 100" in alarm.message


def test_article_pages_without_records_are_a_template_alarm() -> None:
    stats = healthy(**{"validate/dropped/missing_title": 200})
    [alarm] = evaluate(stats, None, DEFAULTS)
    assert alarm.kind == "no_records" and alarm.exit_code == 5
    assert "200 of 240 article pages" in alarm.message


def test_a_field_falling_well_below_the_previous_run_is_named() -> None:
    previous = Coverage.from_stats(healthy())
    found = evaluate(healthy(**{FIELD_PREFIX + "summary": 12}), previous, DEFAULTS)
    assert kinds(found) == ["coverage"] and found[0].exit_code == 6
    assert "'summary'" in found[0].message and "5% of 240" in found[0].message


def test_small_runs_and_small_drifts_are_not_judged() -> None:
    previous = Coverage.from_stats(healthy())
    few = healthy(pages=10, **{FIELD_PREFIX + "summary": 0, "validate/dropped/missing_body": 9})
    assert evaluate(few, previous, DEFAULTS) == []
    slight = healthy(**{FIELD_PREFIX + "summary": 200})
    assert evaluate(slight, previous, DEFAULTS) == []


def test_thresholds_are_settings() -> None:
    stats = healthy(**{"validate/dropped/missing_title": 30})
    assert evaluate(stats, None, DEFAULTS) == []
    assert kinds(evaluate(stats, None, Thresholds(no_record_share=0.1))) == ["no_records"]
