from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.archive.rundir import create_run_dir, run_dir_name

STARTED = datetime(2025, 8, 6, 9, 5, 7, 999, tzinfo=UTC)


def test_run_dir_name_uses_utc_to_the_second() -> None:
    assert run_dir_name("site", STARTED) == "site-20250806T090507Z"


def test_run_dir_name_converts_other_zones_to_utc() -> None:
    local = STARTED.astimezone(timezone(timedelta(hours=2)))
    assert run_dir_name("site", local) == "site-20250806T090507Z"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        run_dir_name("site", datetime(2025, 8, 6))


def test_existing_folders_are_never_reused(tmp_path: Path) -> None:
    made = [create_run_dir(tmp_path / "archive", "site", STARTED) for _ in range(3)]
    assert [p.name for p in made] == [
        "site-20250806T090507Z",
        "site-20250806T090507Z-2",
        "site-20250806T090507Z-3",
    ]
    assert all(p.is_dir() and not any(p.iterdir()) for p in made)


def test_existing_content_is_left_alone(tmp_path: Path) -> None:
    earlier = tmp_path / "site-20250806T090507Z"
    earlier.mkdir()
    (earlier / "manifest.json").write_text("{}")
    assert create_run_dir(tmp_path, "site", STARTED).name == "site-20250806T090507Z-2"
    assert (earlier / "manifest.json").read_text() == "{}"
