"""One folder per crawl run under the archive root, named by spider and UTC start time."""

from __future__ import annotations

from datetime import UTC, datetime


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; naive datetimes are refused because their zone is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware (UTC) datetime")
    return moment.astimezone(UTC)


def run_dir_name(spider: str, started: datetime) -> str:
    """Base name of a run folder.

    >>> run_dir_name("site", datetime(2025, 8, 6, 9, 5, 0, tzinfo=UTC))
    'site-20250806T090500Z'
    """
    return f"{spider}-{to_utc(started):%Y%m%dT%H%M%SZ}"
