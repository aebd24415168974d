"""A full build's FTS table (``crawler.archive.index``), filled on a second core. No Scrapy
needed.

Indexing the texts is two thirds of a build's work, and SQLite lets go of Python's lock while
FTS5 tokenises: so a thread of its own fills the FTS table in a file of its own, row by row in
rowid order (as fast as FTS5's ``rebuild``), while the build reads the shards into the
``articles`` table. Once both are done, the FTS table's shadow tables (its whole state) are
copied into the index, whose own FTS table is still empty. No FTS5 code runs on the index's
connection after that copy.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from pathlib import Path
from typing import Any

from crawler.archive.index_tables import FTS_INSERT, SCHEMA, FtsChanges, fts_config

#: FTS5's defaults, for the updates at the end of each crawl (the file keeps them).
DEFAULT_HASHSIZE = 1 << 20
DEFAULT_AUTOMERGE = 4
#: Rows a batch, and batches waiting for the thread: what the build holds of texts (a few MB).
_BATCH = 64
_WAITING = 4
#: All an external-content FTS5 table holds (``articles`` is its content).
_SHADOW = ("articles_fts_data", "articles_fts_idx", "articles_fts_docsize", "articles_fts_config")
_Batch = tuple[str, list[tuple[Any, ...]]]


class FtsWriter:
    """The thread that fills the FTS table in ``path``, which it creates: up to ``memory``
    bytes of terms before they are written out (``hashsize``), and ``cache`` of page cache.
    Segments are merged once at the end (``automerge`` 0, then ``optimize``)."""

    def __init__(self, path: Path, *, page_size: int, memory: int, cache: int) -> None:
        self.path = path
        self._settings = (page_size, memory, cache)
        self._queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=_WAITING)
        self._rows: list[tuple[Any, ...]] = []
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name="index-fts", daemon=True)
        self._thread.start()

    def changes(self) -> FtsChanges:
        """What ``apply_run`` tells of a run's changes: new rows at once, others at its end."""
        return FtsChanges(self._execute, self._insert)

    def finish(self, db: sqlite3.Connection) -> None:
        """Wait for the FTS table, then copy it into ``db`` (not in a transaction), whose
        FTS table is empty."""
        self._flush()
        self._put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        db.execute("ATTACH DATABASE ? AS fts", (str(self.path),))
        try:
            db.execute("BEGIN")
            for table in _SHADOW:
                db.execute(f"DELETE FROM main.{table}")
                db.execute(f"INSERT INTO main.{table} SELECT * FROM fts.{table}")
            db.execute("COMMIT")
        finally:
            db.execute("DETACH DATABASE fts")

    def abandon(self) -> None:
        """Stop the thread without finishing the table (the build failed)."""
        self._abandoned = True
        while self._thread.is_alive():
            try:
                self._queue.put(None, timeout=0.1)
            except queue.Full:
                continue
            self._thread.join()

    def _insert(self, pk: int, texts: tuple[Any, ...]) -> None:
        self._rows.append((pk, *texts))
        if len(self._rows) >= _BATCH:
            self._flush()

    def _execute(self, sql: str, rows: Any) -> None:
        self._flush()
        if rows := list(rows):
            self._put((sql, rows))

    def _flush(self) -> None:
        if self._rows:
            self._put((FTS_INSERT, self._rows))
            self._rows = []

    def _put(self, batch: _Batch | None) -> None:
        while True:
            if self._error is not None:  # the thread has stopped: say why, rather than wait
                raise self._error
            try:
                self._queue.put(batch, timeout=0.1)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        page_size, memory, cache = self._settings
        try:
            db = sqlite3.connect(self.path, isolation_level=None)
        except BaseException as exc:
            self._error = exc
            return
        try:
            # A file no one else sees, removed after the build: no journal needed.
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute(f"PRAGMA cache_size = -{max(1, cache >> 10)}")
            db.execute(f"PRAGMA page_size = {page_size}")
            db.executescript(SCHEMA)
            fts_config(db, hashsize=memory, automerge=0)
            db.execute("BEGIN")
            while (batch := self._queue.get()) is not None:
                db.executemany(*batch)
            if self._abandoned:
                return
            db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
            fts_config(db, hashsize=DEFAULT_HASHSIZE, automerge=DEFAULT_AUTOMERGE)
            db.execute("COMMIT")
        except BaseException as exc:
            self._error = exc
        finally:
            db.close()
