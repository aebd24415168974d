from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.archive.rundir import run_dir_name

STARTED = datetime(2025, 8, 6, 9, 5, 7, 999, tzinfo=UTC)


def test_run_dir_name_uses_utc_to_the_second() -> None:
    assert run_dir_name("site", STARTED) == "site-20250806T090507Z"


def test_run_dir_name_converts_other_zones_to_utc() -> None:
    local = STARTED.astimezone(timezone(timedelta(hours=2)))
    assert run_dir_name("site", local) == "site-20250806T090507Z"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        run_dir_name("site", datetime(2025, 8, 6))
