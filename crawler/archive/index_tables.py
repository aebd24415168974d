"""The search index's tables (``crawler.archive.index``) and how one run's records change
them. No Scrapy needed.

An article's row is the version of it that ``crawler.archive.iter_records`` would pick, by
``position``, a string that sorts as the reader orders records (run start, run folder, shard,
line), and a removal read after that version takes the row out. The FTS table is kept in step
here, not by triggers (``_FtsChanges``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from crawler.archive.reader import ARTICLE, REMOVED, StoredRun, article_key
from crawler.archive.recover import shard_lines

#: Raised whenever the tables or what they hold change meaning: an older index is rebuilt.
FORMAT = 2
#: BM25 weights of title, summary and body: a word in the title counts ten times one in the body.
WEIGHTS = (10.0, 4.0, 1.0)
RANK = f"bm25({', '.join(map(str, WEIGHTS))})"
#: Unicode-aware words, accents folded (``cafe`` finds ``café``); no stemming, so a phrase
#: finds that phrase.
TOKENIZE = "unicode61 remove_diacritics 2"

_COLUMNS: tuple[str, ...] = ("id", "title", "summary", "body", "category", "published", "url")
_COLUMNS += ("version", "content_hash", "fetched_at", "run", "position")
_FTS_COLUMNS = ("title", "summary", "body")
SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    name TEXT PRIMARY KEY, finished_at TEXT, articles INTEGER NOT NULL,
    removed INTEGER NOT NULL, applied_at TEXT NOT NULL
);
-- pk is an INTEGER PRIMARY KEY, not the implicit rowid: VACUUM may renumber an implicit
-- rowid, which would leave the FTS table pointing at the wrong rows.
-- category compares in any case (scrapy search --category film), through its index too.
-- The short columns come first and the texts last: a search filters on category and
-- published and shows the others, which SQLite then reads without walking the overflow
-- pages of a 4 KB body (a third of a filtered query's time when the body came first).
CREATE TABLE articles (
    pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, category TEXT COLLATE NOCASE,
    published TEXT, version INTEGER, run TEXT NOT NULL, url TEXT, content_hash TEXT,
    fetched_at TEXT, position TEXT NOT NULL, title TEXT, summary TEXT, body TEXT
);
CREATE INDEX articles_category ON articles (category, published);
CREATE INDEX articles_published ON articles (published);
-- What a search's filters read of each article that matches, found by pk: a few MB where the
-- table's rows are 700 MB on 100,000 articles (a page read from the OS each).
CREATE INDEX articles_filters ON articles (pk, category, published);
CREATE TABLE removed (
    id TEXT PRIMARY KEY, url TEXT, status INTEGER, last_seen TEXT, run TEXT NOT NULL,
    position TEXT NOT NULL
);
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    {", ".join(_FTS_COLUMNS)}, content=[articles], content_rowid=[pk], tokenize='{TOKENIZE}'
);
INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', '{RANK}');
"""
_FTS_NAMES = ", ".join(_FTS_COLUMNS)
_FTS_INSERT = f"INSERT INTO articles_fts (rowid, {_FTS_NAMES}) VALUES (?, ?, ?, ?)"
_FTS_DELETE = (
    f"INSERT INTO articles_fts (articles_fts, rowid, {_FTS_NAMES}) VALUES ('delete', ?, ?, ?, ?)"
)
_HELD = "SELECT pk, title, summary, body, version, fetched_at, position FROM articles WHERE id = ?"
_INSERT = (
    f"INSERT INTO articles ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
)
_UPDATE = f"UPDATE articles SET {', '.join(f'{c} = ?' for c in _COLUMNS[1:])} WHERE pk = ?"
_UPSERT_REMOVED = """
INSERT INTO removed (id, url, status, last_seen, run, position) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET url = excluded.url, status = excluded.status,
    last_seen = excluded.last_seen, run = excluded.run, position = excluded.position
WHERE excluded.position > removed.position
"""
_REMOVED_AT = "SELECT position FROM removed WHERE id = ?"


def _position(run: StoredRun, shard: int, line: int) -> str:
    """A string that sorts as the reader orders records: run start (16 characters, blank if
    the folder names none), folder name, shard, line; spaces sort before any name's character.

    >>> from pathlib import Path
    >>> _position(StoredRun(Path("site-20261125T131500Z"), (), None, 0, True), 1, 7)
    '20261125T131500Z site-20261125T131500Z 00001 000000007'
    """
    return f"{run.order[0]:<16} {run.path.name} {shard:05d} {line:09d}"


def _records(run: StoredRun) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, shard in enumerate(run.shards, 1):
        # The run's and shard's part once a shard (``run.order`` parses the folder's name).
        prefix = _position(run, number, 0)[:-9]
        for line_number, line in enumerate(shard_lines(shard), 1):
            yield f"{prefix}{line_number:09d}", json.loads(line)


def _order(version: Any, fetched_at: Any, position: str) -> tuple[int, str, str, str]:
    """Which of two versions of an article wins: the higher version, then the later run start
    (``position``'s first 17 characters), ``fetched_at``, then position, as
    ``crawler.archive.reader`` decides."""
    return (int(version or 0), position[:17], str(fetched_at or ""), position)


class _FtsChanges:
    """What a run changes in the FTS table, written when the run is applied: the rows taken
    out (with the texts they were indexed with), then the rows put in, each in rowid order.
    FTS5 writes its pending terms out whenever a rowid comes that is not above the last one,
    so an article deleted and inserted again row by row costs a write each (2 ms a row, where
    in order the run's rows cost 0.1 ms)."""

    def __init__(self) -> None:
        self.indexed: dict[int, tuple[Any, ...]] = {}
        self.final: dict[int, tuple[Any, ...] | None] = {}

    def replace(self, pk: int, old: tuple[Any, ...] | None, new: tuple[Any, ...] | None) -> None:
        """Row ``pk`` held the texts ``old`` (``None``: a new row) and now ``new``
        (``None``: deleted)."""
        if old is not None and pk not in self.final:
            self.indexed[pk] = old
        self.final[pk] = new

    def write(self, db: sqlite3.Connection) -> None:
        db.executemany(_FTS_DELETE, ((pk, *self.indexed[pk]) for pk in sorted(self.indexed)))
        db.executemany(
            _FTS_INSERT,
            ((pk, *texts) for pk, texts in sorted(self.final.items()) if texts is not None),
        )


def apply_run(db: sqlite3.Connection, run: StoredRun, *, fts: bool = True) -> tuple[int, int]:
    """Apply one run's records, in their order; how many article and removed records it
    held. ``fts=False`` leaves the FTS table alone (a build fills it once at the end); else
    the FTS table is kept in step here, not by triggers (``_FtsChanges``)."""
    articles = removed = 0
    name = run.path.name
    changes = _FtsChanges() if fts else None
    for position, record in _records(run):
        kind = record.get("type")
        if kind == ARTICLE:
            articles += 1
            values = [record.get(column) for column in _COLUMNS[:-2]]
            values[0] = article_key(record)
            _apply_article(db, (*values, name, position), changes)
        elif kind == REMOVED:
            removed += 1
            key = article_key(record)
            fields = (record.get("url"), record.get("status"), record.get("last_seen"))
            db.execute(_UPSERT_REMOVED, (key, *fields, name, position))
            held = db.execute(_HELD, (key,)).fetchone()
            if held is not None and held[6] < position:
                db.execute("DELETE FROM articles WHERE pk = ?", (held[0],))
                if changes is not None:
                    changes.replace(held[0], held[1:4], None)
    if changes is not None:
        changes.write(db)
    finished_at = None
    manifest = run.path / "manifest.json"
    if manifest.exists():
        finished_at = json.loads(manifest.read_bytes()).get("finished_at")
    db.execute(
        "INSERT INTO runs (name, finished_at, articles, removed, applied_at) "
        "VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
        (name, finished_at, articles, removed),
    )
    return articles, removed


def _apply_article(
    db: sqlite3.Connection, values: tuple[Any, ...], changes: _FtsChanges | None
) -> None:
    """Make the article version ``values`` (``_COLUMNS``) the article's row if it wins over
    the one held and no later removal names it."""
    key, version, fetched_at, position = values[0], values[7], values[9], values[11]
    gone = db.execute(_REMOVED_AT, (key,)).fetchone()
    if gone is not None and gone[0] > position:
        return
    held = db.execute(_HELD, (key,)).fetchone()
    if held is None:
        pk = int(db.execute(_INSERT, values).lastrowid or 0)
        if changes is not None:
            changes.replace(pk, None, values[1:4])
    elif _order(version, fetched_at, position) > _order(held[4], held[5], held[6]):
        db.execute(_UPDATE, (*values[1:], held[0]))
        if changes is not None:
            changes.replace(held[0], held[1:4], values[1:4])


def fts_config(db: sqlite3.Connection, **options: int) -> None:
    for option, value in options.items():
        db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES (?, ?)", (option, value))
