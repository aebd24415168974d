"""The archive folder ``scrapy verify``, ``report``, ``export``, ``replay`` and ``wacz`` are
given: their positional argument, else the ``ARCHIVE_DIR`` setting (as for ``state rebuild``),
what is refused, and the one ``error:`` line a refusal or a failure ends them on, the same way
for all five (no command class here, so no ``scrapy archive_folder`` either)."""

from __future__ import annotations

import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler.archive.folders import Archive, NotAnArchive, find_archive

#: Exit status for a folder that is not an archive, or an empty one where runs are needed: bad
#: input, as for Scrapy's usage errors.
NOT_AN_ARCHIVE = 2


def archive_paths(args: list[str], settings: BaseSettings) -> list[Path]:
    """The folders given on the command line, else ``ARCHIVE_DIR``."""
    return [Path(arg) for arg in args] or [Path(settings["ARCHIVE_DIR"])]


def archive_path(args: list[str], settings: BaseSettings) -> Path:
    """The one folder given on the command line, else ``ARCHIVE_DIR``."""
    if len(args) > 1:
        raise UsageError("give at most one archive folder (or run folder)", print_help=False)
    [path] = archive_paths(args, settings)
    return path


def open_archive(
    command: ScrapyCommand, name: str, path: Path, *, needs_runs: str | None = None
) -> Archive | None:
    """The archive at ``path``, or ``None`` once ``command`` has failed with the one ``error:``
    line saying why it is not one (exit status ``NOT_AN_ARCHIVE``). ``needs_runs``: what an
    empty archive leaves undone (``"nothing to verify"``), which makes an empty archive an error
    too."""
    try:
        archive = find_archive(path)
    except NotAnArchive as exc:
        fail(command, name, str(exc), NOT_AN_ARCHIVE)
        return None
    if archive.empty and needs_runs:
        fail(command, name, f"{empty_archive(path)}, {needs_runs}", NOT_AN_ARCHIVE)
        return None
    return archive


def fail(command: ScrapyCommand, name: str, message: str, status: int) -> None:
    """``command`` (``scrapy NAME``) ended on ``error: scrapy NAME: MESSAGE`` on stderr, with
    exit status ``status``."""
    print(f"error: scrapy {name}: {message}", file=sys.stderr)
    command.exitcode = status


def empty_archive(path: Path) -> str:
    return f"{str(path)!r} is an empty archive: 0 runs"
