"""What a folder is to the archive's commands and reader: an archive, a crawl's run folder, a
reparse folder, or none of them. ``scrapy verify``, ``report``, ``export``, ``reparse`` and
``iter_records`` all decide it here, by the same rules:

- A **run folder** (a crawl's) is named ``<spider>-<YYYYMMDDTHHMMSSZ>``: its spider and the UTC
  second its run started (``crawler.archive.rundir``), then ``-2``, ``-3``... when another run
  started in the same second, and ``-<worker id>`` for a worker of a distributed crawl
  (``site-20261125T131500Z``, ``site-20261125T131500Z-2``, ``site-20261125T131500Z-w1``). It is
  *finished* once it holds ``manifest.json`` (written last); until then it is *unfinished*
  (running, stopped or killed), whatever it holds so far: shards, ``.open`` files, or nothing.
- A **reparse folder** is named ``reparse-<run folder>-<YYYYMMDDTHHMMSSZ>[-N]`` (``scrapy
  reparse``, ``crawler.reparse``): the records of that run, extracted again from its captures.
  It is not a crawl: it found nothing new, and its records are copies of its source's.
- An **archive** is a folder whose sub-folders are all run or reparse folders. Entries whose
  name starts with a dot, and plain files beside the run folders, are left alone. A folder
  with nothing in it is an *empty archive*.

Anything else is not an archive: a folder with other sub-folders (the archive's parent, the
state folder), a folder of files only, a file, a path with nothing there. Given where an
archive is expected, one run or reparse folder stands for itself alone.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

#: The UTC start second a run folder's name carries.
STAMP = r"\d{8}T\d{6}Z"
REPARSE_PREFIX = "reparse-"
_RUN_NAME = re.compile(rf"(?P<spider>[\w.-]+?)-(?P<stamp>{STAMP})(?:-[\w.-]+)?")
_REPARSE_NAME = re.compile(rf"{REPARSE_PREFIX}(?P<source>.+)-(?P<made>{STAMP})(?:-\d+)?")
#: Sub-folders named in a "not an archive" error, at most.
_NAMED = 3


class NotAnArchive(ValueError):
    """A path given as an archive is neither an archive nor a run folder; the message says
    why in one line."""


class NoSuchFolder(NotAnArchive, FileNotFoundError):
    """Nothing is at the path given as an archive."""


@dataclass(frozen=True, slots=True)
class RunName:
    """What a run or reparse folder's name says."""

    #: The spider of the crawl the records come from (a reparse's: its source's).
    spider: str
    #: The UTC start of that crawl (``20261125T131500Z``), which orders runs.
    stamp: str
    #: A reparse folder's source run folder name; ``None`` for a crawl's run folder.
    source: str | None = None
    #: When a reparse folder was made (its own stamp); ``None`` for a crawl's run folder.
    made: str | None = None

    @property
    def reparse(self) -> bool:
        return self.source is not None


def run_name(name: str) -> RunName | None:
    """What the folder name ``name`` says, or ``None`` if it is not a run folder's name.

    >>> run_name("site-20261125T131500Z-w1")
    RunName(spider='site', stamp='20261125T131500Z', source=None, made=None)
    >>> run_name("reparse-site-20261125T131500Z-20261203T090000Z").source
    'site-20261125T131500Z'
    >>> run_name("state") is None
    True
    """
    reparse = _REPARSE_NAME.fullmatch(name)
    if reparse is not None:
        source = run_name(reparse["source"])
        if source is None:
            return None
        # A reparse of a reparse (made before they were refused) names the crawl at the root.
        return RunName(
            source.spider, source.stamp, source.source or reparse["source"], reparse["made"]
        )
    if name.startswith(REPARSE_PREFIX):
        return None
    crawl = _RUN_NAME.fullmatch(name)
    return RunName(crawl["spider"], crawl["stamp"]) if crawl is not None else None


def run_name_of(path: Path) -> RunName | None:
    """What the name of the folder at ``path`` says (``.`` and ``site-X/..`` included)."""
    return run_name(Path(path).resolve().name)


def is_run_folder(path: Path) -> bool:
    """``path`` is a folder named as a run or reparse folder."""
    return run_name_of(path) is not None and path.is_dir()


@dataclass(frozen=True, slots=True)
class Archive:
    """The run folders found at a path given as an archive."""

    path: Path
    #: Crawl run folders, then reparse folders, each in name order (finished or not).
    runs: tuple[Path, ...]
    reparses: tuple[Path, ...]
    #: ``path`` is itself one run or reparse folder, not an archive of them.
    single: bool = False

    @property
    def empty(self) -> bool:
        return not self.runs and not self.reparses

    def describe(self) -> str:
        """``2 run(s)``, ``2 run(s) and 1 reparse folder(s)``: what the archive holds."""
        parts = [f"{len(self.runs)} run(s)"] if self.runs or not self.reparses else []
        if self.reparses:
            parts.append(f"{len(self.reparses)} reparse folder(s)")
        return " and ".join(parts)


def find_archive(path: str | os.PathLike[str]) -> Archive:
    """The run folders of the archive at ``path``, or ``path`` itself if it is a run or reparse
    folder. :class:`NotAnArchive` (:class:`NoSuchFolder` when nothing is there) otherwise."""
    root = Path(path)
    if not root.exists():
        raise NoSuchFolder(f"no archive folder {str(root)!r}")
    if not root.is_dir():
        raise NotAnArchive(f"{str(root)!r} is a file, not an archive folder")
    if (name := run_name_of(root)) is not None:
        alone = (root,)
        return Archive(root, () if name.reparse else alone, alone if name.reparse else (), True)
    entries = [entry for entry in root.iterdir() if not entry.name.startswith(".")]
    folders = sorted(entry for entry in entries if entry.is_dir())
    if strays := [folder for folder in folders if run_name(folder.name) is None]:
        raise NotAnArchive(_not_an_archive(root, strays))
    if entries and not folders:
        raise NotAnArchive(
            f"{str(root)!r} is not an archive folder: it holds files but no run folders "
            "(named <spider>-<YYYYMMDDTHHMMSSZ>)"
        )
    reparses = tuple(f for f in folders if (n := run_name(f.name)) is not None and n.reparse)
    runs = tuple(folder for folder in folders if folder not in reparses)
    return Archive(root, runs, reparses)


def _not_an_archive(root: Path, strays: list[Path]) -> str:
    named = ", ".join(folder.name for folder in strays[:_NAMED])
    if len(strays) > _NAMED:
        named += f" and {len(strays) - _NAMED} more"
    message = (
        f"{str(root)!r} is not an archive folder: {named} "
        f"{'is not a run folder' if len(strays) == 1 else 'are not run folders'} "
        "(named <spider>-<YYYYMMDDTHHMMSSZ>)"
    )
    if archives := [folder for folder in strays if _looks_like_an_archive(folder)]:
        message += f"; did you mean {str(archives[0])!r}?"
    return message


def _looks_like_an_archive(folder: Path) -> bool:
    try:
        return any(is_run_folder(child) for child in folder.iterdir())
    except OSError:
        return False
