"""The SQLite state's file: its tables, opening it, and bringing an older one up to date.

One module for what the file holds, so that a change to the tables, the version it bumps and
the migration that goes with it are made in one place; ``crawler.state.sqlite.SQLiteState``
only queries the tables. ``read_site_of`` and ``check_state_file`` are here too: they read a
state's file without the state (and its lock), for a command that checks it before it crawls.

A file that cannot be read as a state (cut short, overwritten, not a database at all, or
written by a newer version) is refused with ``StateDamaged`` when it is opened, before
anything is written to it: ``PRAGMA quick_check`` reads every page, since SQLite opens a
truncated file without complaint and fails only on the query that reaches a missing page. It
costs about 40 ms on the state of a 30,000-article site (48 MB).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crawler.state import StateError
from crawler.state.site import Site, read_site

DB_FILE = "state.sqlite"
#: Bumped when the tables change in a way an older state cannot be read with; ``_MIGRATIONS``
#: brings an older state up to date in place.
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    id TEXT,
    version INTEGER NOT NULL,
    content_hash TEXT,
    field_hashes TEXT,
    etag TEXT,
    last_modified TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_status INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    duplicate_of TEXT,
    lastmod TEXT,
    due_at TEXT,
    interval REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sitemaps (
    url TEXT PRIMARY KEY,
    lastmod TEXT,
    etag TEXT,
    last_modified TEXT
);
-- What each sitemap listed when last read: an article missing from it now may be removed.
CREATE TABLE IF NOT EXISTS sitemap_entries (
    key TEXT PRIMARY KEY,
    sitemap TEXT NOT NULL,
    lastmod TEXT
);
CREATE INDEX IF NOT EXISTS sitemap_entries_by_file ON sitemap_entries (sitemap);
-- Every listing page seen by any run, and when it is next swept.
CREATE TABLE IF NOT EXISTS listings (
    url TEXT NOT NULL,
    page INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    PRIMARY KEY (url, page)
);
-- The category records of the last finished run.
CREATE TABLE IF NOT EXISTS categories (
    url TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    articles TEXT NOT NULL
);
-- Site templates learned from the archive (crawler.templates); at most one active. Created on
-- any open, so an older state gains it without a migration.
CREATE TABLE IF NOT EXISTS templates (
    id INTEGER PRIMARY KEY,
    template TEXT NOT NULL,
    learned_at TEXT NOT NULL,
    run_dir TEXT,
    active INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS contents (digest BLOB PRIMARY KEY, url TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    spider TEXT NOT NULL,
    arguments TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    run_dir TEXT,
    resumes TEXT NOT NULL,
    counters TEXT NOT NULL,
    coverage TEXT
);
-- The current run's tables: emptied when a new run begins.
CREATE TABLE IF NOT EXISTS frontier (
    fp BLOB NOT NULL UNIQUE,
    key TEXT,
    state INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ticket INTEGER NOT NULL,
    data BLOB
);
CREATE INDEX IF NOT EXISTS frontier_queue ON frontier (priority DESC, seq DESC) WHERE state = 0;
CREATE INDEX IF NOT EXISTS frontier_key ON frontier (key) WHERE key IS NOT NULL;
CREATE TABLE IF NOT EXISTS run_urls (digest BLOB PRIMARY KEY, url TEXT NOT NULL) WITHOUT ROWID;
-- The articles the sitemaps this run read whole listed (what a finished run accounts for).
CREATE TABLE IF NOT EXISTS run_listed (key TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS category_pages (
    seq INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    page INTEGER NOT NULL,
    articles TEXT NOT NULL
);
"""

#: Indexes on columns a migration adds: created once the columns exist.
_INDEXES = """
CREATE INDEX IF NOT EXISTS articles_due ON articles (due_at) WHERE removed = 0;
"""

#: Schema version -> statements that bring a state of that version to the next one.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE articles ADD COLUMN lastmod TEXT",
        "ALTER TABLE articles ADD COLUMN due_at TEXT",
        "ALTER TABLE articles ADD COLUMN interval REAL NOT NULL DEFAULT 0",
    ),
}

ARTICLE_COLUMNS = (
    "key, url, id, version, content_hash, field_hashes, etag, last_modified, first_seen, "
    "last_seen, last_status, removed, duplicate_of, lastmod, due_at, interval"
)
#: Archived and not removed.
LIVE = "version > 0 AND removed = 0"

#: The current run's tables (``_SCHEMA``), emptied when a new run begins.
RUN_TABLES = ("frontier", "run_urls", "category_pages", "run_listed")


class StateDamaged(StateError):
    """The state file cannot be read as a crawl state by this version: damaged, not a
    database, or written by a newer version. The archive can rebuild it."""


def damaged(path: Path, exc: sqlite3.DatabaseError) -> StateDamaged:
    """The error for a state file SQLite could not read."""
    return StateDamaged(f"the crawl state {path} cannot be read ({exc})")


def _check_integrity(db: sqlite3.Connection, path: Path) -> None:
    # At most 3 problems: the first one is all the message gives, and a badly damaged file
    # could list thousands.
    found = [str(row[0]) for row in db.execute("PRAGMA quick_check(3)")]
    if found != ["ok"]:
        lines = [line for text in found for line in text.splitlines() if "***" not in line]
        raise StateDamaged(f"the crawl state {path} is damaged ({(lines or found)[0]})")


def _check_version(db: sqlite3.Connection, path: Path) -> int | None:
    """The file's schema version (``None`` for a state from before it was recorded);
    ``StateDamaged`` for one newer than this version reads."""
    row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
    if row is None:
        return None
    if not str(row[0]).isdigit():
        raise StateDamaged(f"the crawl state {path} is damaged (schema version {row[0]!r})")
    if int(row[0]) > SCHEMA_VERSION:
        raise StateDamaged(
            f"the crawl state {path} was written by a newer version of the crawler (schema "
            f"{row[0]}, this one reads {SCHEMA_VERSION})"
        )
    return int(row[0])


def connect(path: Path) -> sqlite3.Connection:
    """The state database at ``path``, created or brought up to ``SCHEMA_VERSION``, with a
    transaction begun; ``StateDamaged`` if it cannot be used."""
    try:
        # isolation_level=None: transactions are begun and committed here, explicitly.
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from exc
    try:
        # Checked before anything is written: a damaged file is left as it was found, for
        # `scrapy state rebuild` to set aside.
        _check_integrity(db, path)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.executescript(_SCHEMA)
        version = _check_version(db, path)
        if version is None:
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        else:
            _migrate(db, version)
        db.executescript(_INDEXES)
        db.execute("BEGIN")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise damaged(path, exc) from exc
    except BaseException:
        db.close()
        raise
    return db


def check_state_file(folder: Path) -> None:
    """``StateDamaged`` if the state file in ``folder`` exists and cannot be opened as a state
    (the checks ``connect`` makes, on a read-only connection, without its lock)."""
    path = folder / DB_FILE
    if not path.exists():
        return
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            _check_integrity(db, path)
            # A file with no tables at all (cut to nothing) is no state either.
            _check_version(db, path)
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from exc


def _migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring a state written by an older version up to ``SCHEMA_VERSION``, in one
    transaction: a migration cut short leaves the state as it was."""
    if version == SCHEMA_VERSION:
        return
    db.execute("BEGIN")
    for step in range(version, SCHEMA_VERSION):
        for statement in _MIGRATIONS[step]:
            db.execute(statement)
    db.execute("UPDATE meta SET value = ? WHERE name = 'schema'", (str(SCHEMA_VERSION),))
    db.execute("COMMIT")


def read_site_of(folder: Path) -> Site | None:
    """The site the state in ``folder`` was made for, read without taking its lock (``None``
    for no state, or one that cannot be read: opening it will say why)."""
    path = folder / DB_FILE
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            state = _MetaReader(db)
            row = db.execute(f"SELECT url FROM articles WHERE {LIVE} LIMIT 1").fetchone()
            return read_site(state, row[0] if row else None)
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return None


class _MetaReader:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:  # pragma: no cover - read-only
        raise sqlite3.OperationalError("read-only")
