"""The folders a crawl leaves in an archive, listed as a test sees them: without the code
under test, which has its own way of finding runs (``crawler.archive.reader``)."""

from __future__ import annotations

from pathlib import Path


def archive_folders(archive: Path) -> list[Path]:
    """The folders under ``archive`` (its runs and reparses), sorted by name; the files beside
    them (the search index, ...) are left out, and a missing ``archive`` has none."""
    return sorted(path for path in archive.iterdir() if path.is_dir()) if archive.is_dir() else []
