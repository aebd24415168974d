"""The folders a crawl leaves in an archive, listed as a test sees them: without the code
under test, which has its own way of finding runs (``crawler.archive.reader``) and reading
their manifests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def archive_folders(archive: Path) -> list[Path]:
    """The folders under ``archive`` (its runs and reparses), sorted by name; the files beside
    them (the search index, ...) are left out, and a missing ``archive`` has none."""
    return sorted(path for path in archive.iterdir() if path.is_dir()) if archive.is_dir() else []


def manifest(run_dir: Path) -> dict[str, Any]:
    """The ``manifest.json`` a finished run (or reparse) leaves in its folder."""
    result: dict[str, Any] = json.loads((run_dir / "manifest.json").read_bytes())
    return result
