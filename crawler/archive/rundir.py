"""One folder per crawl run under the archive root, named by spider and UTC start time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from crawler.archive.atomic import fsync_dir


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


def create_run_dir(root: Path, spider: str, started: datetime) -> Path:
    """Create and return a new, empty run folder under ``root``.

    Two runs started within the same second get ``-2``, ``-3``... : an existing folder is never
    reused, since the archive is append-only. ``mkdir`` without ``exist_ok`` makes the check
    and the creation one step, so concurrent runs cannot claim the same folder.
    """
    root.mkdir(parents=True, exist_ok=True)
    base = run_dir_name(spider, started)
    attempt = 1
    while True:
        candidate = root / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            attempt += 1
            continue
        fsync_dir(root)
        return candidate
