"""The search index: ``<ARCHIVE_DIR>/index.sqlite``, the latest version of every live article
in SQLite with full-text search (FTS5). No Scrapy needed.

It is derived data: every row comes from the run folders' shards, so deleting the file loses
nothing (the next update, ``scrapy index`` or ``scrapy search`` builds it again). Its tables:

- ``articles``: one row per live article (``id``, ``title``, ``summary``, ``body``,
  ``category``, ``published``, ``url``, ``version``, ``content_hash``, ``fetched_at``, the
  ``run`` folder it comes from, and its ``position``: the run's start, the run folder, the
  shard's number and the line, which orders versions as the reader does);
- ``articles_fts``: FTS5 over ``title``, ``summary`` and ``body`` with ``articles`` as its
  external content: the layout sqlite-utils' ``enable_fts`` makes, which Datasette detects
  (``datasette index.sqlite`` searches and facets it). The code that applies runs keeps it in
  step with ``articles`` (no triggers): a program that edits ``articles`` by hand should run
  ``scrapy index --rebuild`` after;
- ``removed``: each article the archive last found gone (its ``removed`` record);
- ``runs``: the run folders applied, so that applying one twice changes nothing;
- ``meta``: the index's format; an index of another format is rebuilt.

What goes in. Every finished crawl run (one with a manifest), in any order: an article's row is
its version that ``crawler.archive.iter_records`` would pick (highest ``version``, then the
later run, ``fetched_at``, line), and an article whose last event is a removal has no row. A
run without a manifest waits for it (it is applied when resumed and finished). Reparse folders
are left out: they repeat a run's versions with a later extraction, they are not versions.

Concurrency. The file is in WAL mode: searches read while a crawl writes. Writers (the end of
every run, of every worker of a distributed crawl, and ``scrapy index``) take an advisory lock
on the archive folder (``flock``), then SQLite's write lock (``BEGIN IMMEDIATE``, waiting up
to ``BUSY_TIMEOUT`` seconds for another program's writer). A full build is written
to a temporary file first, then renamed into place (or, over an index that readers may hold
open, copied in with SQLite's backup API: a rename under an open WAL database would pair the
new file with the old one's ``-wal``).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from crawler.archive.atomic import OPEN_SUFFIX, fsync_dir
from crawler.archive.folders import NotAnArchive
from crawler.archive.index_tables import FORMAT, SCHEMA, apply_run, fts_config
from crawler.archive.reader import StoredRun, run_folders

INDEX_FILE = "index.sqlite"
#: Seconds a writer waits for another (a catch-up of a large archive can take a minute).
BUSY_TIMEOUT = 300.0
#: A full build keeps up to this many bytes of terms in memory before writing them out
#: (FTS5's ``hashsize``, 1 MiB by default) and a page cache as large. Builds in a command take
#: it; the end of a crawl passes its own, smaller budget (``SEARCH_INDEX_BUILD_MEMORY``), since
#: a first run would otherwise peak there, far above the crawl itself. Past 8 MiB more buys no
#: speed, only memory: on 100,000 articles, 64 MiB took 16.1-17.8 s of CPU for a peak RSS of
#: 370 MiB, 16 MiB 17.4-18.1 s for 117 MiB, 8 MiB 17.3-18.2 s for 74 MiB (2 builds each).
#: Either way the segments are merged once at the end (``automerge`` 0, then ``optimize``).
BUILD_MEMORY = 16 << 20
#: SQLite's page size for a new index: an article's row (4 KB of body) fits in one page rather
#: than spilling to overflow pages. On 100,000 articles a build takes a tenth less CPU than with
#: 4 KiB pages (13.6-14.1 s against 15.9 s), for a higher peak RSS (at 64 MiB, 370 MiB against
#: 190; at the crawl's 4 MiB, 49 MiB against 38).
PAGE_SIZE = 16 << 10
_DEFAULT_HASHSIZE = 1 << 20
_DEFAULT_AUTOMERGE = 4

Progress = Callable[[str], None]


class IndexFileError(Exception):
    """The index cannot be read or written (not SQLite, another program's file...)."""


@dataclass(frozen=True, slots=True)
class IndexUpdate:
    """What an update did: the runs it applied, and what the index holds after it."""

    path: Path
    applied: tuple[str, ...]
    articles: int
    removed: int
    runs: int
    rebuilt: bool
    seconds: float


def index_path(archive_dir: str | os.PathLike[str]) -> Path:
    """Where the index of ``archive_dir`` is kept.

    >>> index_path("data/archive").as_posix()
    'data/archive/index.sqlite'
    """
    return Path(archive_dir) / INDEX_FILE


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the index at ``path`` in autocommit mode (transactions are explicit),
    waiting up to ``BUSY_TIMEOUT`` for a writer."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
    return db


def crawl_runs(archive_dir: str | os.PathLike[str], *, unfinished: bool) -> list[StoredRun]:
    """The archive's crawl runs, oldest first: its run folders less the reparse folders."""
    return [run for run in run_folders(archive_dir, unfinished=unfinished) if run.order[1] == 0]


def _index_runs(archive: Path) -> list[StoredRun]:
    """The finished crawl runs an index of ``archive`` holds; :class:`NotAnArchive` if
    ``archive`` is itself a run folder (its index would be a file the run's manifest does not
    list)."""
    runs = crawl_runs(archive, unfinished=True)
    if any(run.path == archive for run in runs):
        raise NotAnArchive(f"{archive} is a run folder: give the archive folder that holds it")
    return [run for run in runs if run.finished]


@contextmanager
def _writer_lock(archive: Path) -> Iterator[None]:
    """Hold the index's writer lock (blocking): one writer at a time builds or updates. It is
    a ``flock`` on the archive folder itself, so no lock file is left beside the runs, and the
    kernel drops it when the process ends, however it ends."""
    fd = os.open(archive, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _counts(db: sqlite3.Connection) -> tuple[int, int, int]:
    """Articles, removed articles and runs in the index."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM removed), "
        "(SELECT count(*) FROM runs)"
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def update_index(
    archive_dir: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    build_memory: int = BUILD_MEMORY,
) -> IndexUpdate:
    """Bring the index of ``archive_dir`` up to date: apply every finished crawl run it has
        not applied, oldest first. The index is built whole instead when it is missing, of another
        format, or holds a run that is no longer in the archive; ``progress`` gets one line then,
    and the build keeps up to ``build_memory`` bytes of terms and as much page cache.

        ``FileNotFoundError`` / ``NotADirectoryError`` for a missing archive folder, ``ValueError``
        for a run folder, ``IndexFileError`` for an index file that cannot be read."""
    archive = Path(archive_dir)
    started = time.monotonic()
    runs = _index_runs(archive)
    with _writer_lock(archive):
        path = index_path(archive)
        if reason := _why_rebuild(path, runs):
            return _build(archive, runs, started, progress, reason=reason, memory=build_memory)
        db = connect(path)
        try:
            applied = _applied(db)
            todo = [run for run in runs if run.path.name not in applied]
            db.execute("BEGIN IMMEDIATE")
            try:
                for run in todo:
                    apply_run(db, run)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            articles, removed, count = _counts(db)
        except sqlite3.DatabaseError as exc:
            raise IndexFileError(f"{path}: {exc}") from exc
        finally:
            db.close()
    names = tuple(run.path.name for run in todo)
    return IndexUpdate(path, names, articles, removed, count, False, time.monotonic() - started)


def _why_rebuild(path: Path, runs: Sequence[StoredRun]) -> str | None:
    """Why the index at ``path`` must be built whole rather than updated, or ``None``."""
    if not path.exists():
        return "no index yet"
    if path.stat().st_size and not _is_sqlite(path):
        raise IndexFileError(f"{path} is not a SQLite file: move it away to build the index")
    db = connect(path)
    try:
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.OperationalError:  # no meta table: an empty or foreign database
            return "not an index"
        if row is None or int(row[0]) != FORMAT:
            return f"index of format {row[0] if row else None}, not {FORMAT}"
        applied = _applied(db)
    except sqlite3.DatabaseError as exc:
        raise IndexFileError(f"{path}: {exc}") from exc
    finally:
        db.close()
    if gone := applied - {run.path.name for run in runs}:
        return f"{len(gone)} run(s) it holds are no longer in the archive"
    return None


def _applied(db: sqlite3.Connection) -> set[str]:
    return {str(name) for (name,) in db.execute("SELECT name FROM runs")}


@dataclass(frozen=True, slots=True)
class IndexState:
    """Whether an index is current, without writing to it."""

    #: Why it must be built whole (missing, of another format, holding a run gone from the
    #: archive), or ``None``.
    rebuild: str | None
    #: The archive's finished crawl runs it has not applied.
    missing: tuple[str, ...]


def index_state(archive_dir: str | os.PathLike[str]) -> IndexState:
    """How the index of ``archive_dir`` stands against the archive (errors as
    :func:`update_index`'s)."""
    archive = Path(archive_dir)
    runs = _index_runs(archive)
    path = index_path(archive)
    if reason := _why_rebuild(path, runs):
        return IndexState(reason, ())
    db = connect(path)
    try:
        applied = _applied(db)
    finally:
        db.close()
    return IndexState(None, tuple(run.path.name for run in runs if run.path.name not in applied))


def rebuild_index(
    archive_dir: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    build_memory: int = BUILD_MEMORY,
) -> IndexUpdate:
    """Build the index of ``archive_dir`` whole from the shards, replacing any there
    (``build_memory`` as for :func:`update_index`)."""
    archive = Path(archive_dir)
    started = time.monotonic()
    runs = _index_runs(archive)
    with _writer_lock(archive):
        return _build(
            archive, runs, started, progress, reason="rebuild asked for", memory=build_memory
        )


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as stored:
        return stored.read(16) == b"SQLite format 3\x00"


def _build(
    archive: Path,
    runs: Sequence[StoredRun],
    started: float,
    progress: Progress | None,
    *,
    reason: str,
    memory: int,
) -> IndexUpdate:
    target = index_path(archive)
    if progress is not None:
        progress(f"index: {reason}: building {target} from {len(runs)} run(s)")
    fd, name = tempfile.mkstemp(prefix=f".{INDEX_FILE}.", suffix=OPEN_SUFFIX, dir=archive)
    os.close(fd)
    tmp = Path(name)
    try:
        db = connect(tmp)
        try:
            # A file no one else sees yet, removed if the build fails: no journal needed.
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute(f"PRAGMA cache_size = -{max(1, memory >> 10)}")
            db.execute(f"PRAGMA page_size = {_page_size(target)}")
            db.executescript(SCHEMA)
            # Segments are merged once, by 'optimize' at the end, not as they are written.
            fts_config(db, hashsize=memory, automerge=0)
            db.execute("BEGIN")
            for run in runs:
                apply_run(db, run, fts=False)
            # Filling the FTS table once at the end is three times faster than row by row.
            db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
            db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
            # FTS5's defaults for the updates at the end of each crawl (the file keeps them).
            fts_config(db, hashsize=_DEFAULT_HASHSIZE, automerge=_DEFAULT_AUTOMERGE)
            db.execute("INSERT INTO meta (key, value) VALUES ('format', ?)", (str(FORMAT),))
            db.execute("COMMIT")
            articles, removed, count = _counts(db)
            db.execute("PRAGMA journal_mode = WAL")
        finally:
            db.close()
        tmp.chmod(0o644)  # mkstemp's 0600 would hide it from Datasette run by another user
        _install(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    names = tuple(run.path.name for run in runs)
    return IndexUpdate(target, names, articles, removed, count, True, time.monotonic() - started)


def _page_size(target: Path) -> int:
    """The page size to build ``target`` with: ``PAGE_SIZE``, or that of the index it replaces,
    which readers may hold open (SQLite's backup into a database in WAL mode cannot change its
    page size): delete it to build it with ``PAGE_SIZE``."""
    if not target.exists() or not target.stat().st_size:
        return PAGE_SIZE
    db = connect(target)
    try:
        return int(db.execute("PRAGMA page_size").fetchone()[0])
    finally:
        db.close()


def _install(tmp: Path, target: Path) -> None:
    """Put the built index ``tmp`` at ``target``."""
    if not target.exists():
        # A -wal or -shm left without its database (deleted by hand) would be paired with the
        # new file: they go first.
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        tmp.replace(target)
        fsync_dir(target.parent)
        return
    source, destination = connect(tmp), connect(target)
    try:
        destination.execute("PRAGMA journal_mode = WAL")
        # One step, in one transaction of the destination: readers see the old index or the
        # new one, never a mix.
        source.backup(destination)
    finally:
        source.close()
        destination.close()
    tmp.unlink()
