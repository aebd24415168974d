"""The archive folder ``scrapy verify``, ``report`` and ``export`` are given: their one optional
positional argument, else the ``ARCHIVE_DIR`` setting, and what is refused, the same way for
all three (no command class here, so no ``scrapy archive_folder`` either)."""

from __future__ import annotations

import sys
from pathlib import Path

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler.archive.folders import Archive, NotAnArchive, find_archive

#: Exit status for a folder that is not an archive, or an empty one where runs are needed: bad
#: input, as for Scrapy's usage errors.
NOT_AN_ARCHIVE = 2


def archive_path(args: list[str], settings: BaseSettings) -> Path:
    """The folder given on the command line, else ``ARCHIVE_DIR``."""
    if len(args) > 1:
        raise UsageError("give at most one archive folder (or run folder)", print_help=False)
    return Path(args[0] if args else settings["ARCHIVE_DIR"])


def open_archive(command: str, path: Path, *, needs_runs: str | None = None) -> Archive | None:
    """The archive at ``path``, or ``None`` once the one ``error:`` line saying why it is not
    one is printed. ``needs_runs``: what an empty archive leaves undone (``"nothing to
    verify"``), which makes an empty archive an error too."""
    try:
        archive = find_archive(path)
    except NotAnArchive as exc:
        print(f"error: scrapy {command}: {exc}", file=sys.stderr)
        return None
    if archive.empty and needs_runs:
        print(f"error: scrapy {command}: {empty_archive(path)}, {needs_runs}", file=sys.stderr)
        return None
    return archive


def empty_archive(path: Path) -> str:
    return f"{str(path)!r} is an empty archive: 0 runs"
