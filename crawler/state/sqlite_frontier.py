"""The SQLite state's current run: its frontier, and the claims deduplication makes.

Both are hot paths (a few queries a page, every page), so their in-memory shortcuts live with
them: requests are taken into flight a batch at a time, and the fingerprints of the links
every page repeats are refused from memory. This process is the only writer of the file
(``crawler.state.lock``), so what it remembers stays true.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable

from crawler.cache import BoundedCache
from crawler.state import Queued

QUEUED, IN_FLIGHT, DONE = 0, 1, 2
#: Requests moved in flight at a time (``SQLiteFrontier.pop``).
TAKE_BATCH = 16
#: Fingerprints remembered in memory as known, so the links every page repeats (navigation,
#: related cards) are refused without a query. Bounded: the table stays the seen set.
KNOWN_CACHE_SIZE = 16_384


class SQLiteClaims:
    """``Claims`` in one table of the state database."""

    def __init__(self, db: sqlite3.Connection, table: str) -> None:
        self._db = db
        self._insert = f"INSERT OR IGNORE INTO {table} (digest, url) VALUES (?, ?)"
        self._select = f"SELECT url FROM {table} WHERE digest = ?"

    def claim(self, key: bytes, url: str) -> str | None:
        if self._db.execute(self._insert, (key, url)).rowcount:
            return None
        row = self._db.execute(self._select, (key,)).fetchone()
        return str(row[0])


class SQLiteFrontier:
    """``Frontier`` in the ``frontier`` table; a partial index holds just the queued rows,
    so taking the next request stays one index probe however many are done."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._pending = int(
            db.execute("SELECT count(*) FROM frontier WHERE state = ?", (QUEUED,)).fetchone()[0]
        )
        self._seq = int(db.execute("SELECT coalesce(max(seq), 0) FROM frontier").fetchone()[0])
        self._known: BoundedCache[bytes, None] = BoundedCache(KNOWN_CACHE_SIZE)
        #: Requests taken from the queue (in flight in the table) and not yet handed out.
        self._taken: deque[Queued] = deque()

    def _remember(self, fingerprint: bytes) -> None:
        self._known.put(fingerprint, None)

    def add(
        self,
        fingerprint: bytes,
        priority: int,
        entry: Callable[[], tuple[str | None, bytes]],
        *,
        force: bool,
    ) -> int | None:
        if not force and fingerprint in self._known:
            return None
        known = self._db.execute(
            "SELECT state, ticket FROM frontier WHERE fp = ?", (fingerprint,)
        ).fetchone()
        self._remember(fingerprint)
        self._seq += 1
        if known is None:
            key, data = entry()
            self._db.execute(
                "INSERT INTO frontier (fp, key, state, priority, seq, ticket, data) "
                "VALUES (?, ?, ?, ?, ?, 0, ?)",
                (fingerprint, key, QUEUED, priority, self._seq, data),
            )
            self._pending += 1
            return 0
        if not force:
            return None
        state, ticket = known
        ticket += 1
        self._db.execute(
            "UPDATE frontier SET state = ?, priority = ?, seq = ?, ticket = ?, data = ? "
            "WHERE fp = ?",
            (QUEUED, priority, self._seq, ticket, entry()[1], fingerprint),
        )
        if state != QUEUED:
            self._pending += 1
        return int(ticket)

    def pop(self) -> Queued | None:
        if not self._taken:
            self._take()
        return self._taken.popleft() if self._taken else None

    def _take(self) -> None:
        """Move the next ``TAKE_BATCH`` queued requests in flight, in one query and one update
        (a row a request cost a tenth of the crawl's state overhead). A request queued with a
        higher priority meanwhile waits for at most one batch."""
        if not self._pending:
            return
        rows = self._db.execute(
            "SELECT rowid, fp, ticket, data FROM frontier WHERE state = ? "
            "ORDER BY priority DESC, seq DESC LIMIT ?",
            (QUEUED, TAKE_BATCH),
        ).fetchall()
        if not rows:  # pragma: no cover - the counter and the table disagree
            self._pending = 0
            return
        marks = ",".join("?" * len(rows))
        self._db.execute(
            f"UPDATE frontier SET state = ? WHERE rowid IN ({marks})",
            (IN_FLIGHT, *(row[0] for row in rows)),
        )
        self._pending -= len(rows)
        self._taken.extend(
            Queued(bytes(fp), int(ticket), bytes(data)) for _, fp, ticket, data in rows
        )

    def done(self, fingerprint: bytes, ticket: int) -> None:
        # The data is dropped: a done request is only a fingerprint in the seen set now.
        self._db.execute(
            "UPDATE frontier SET state = ?, data = NULL WHERE fp = ? AND ticket = ? AND state = ?",
            (DONE, fingerprint, ticket, IN_FLIGHT),
        )

    def done_key(self, key: str) -> None:
        self._pending -= self._db.execute(
            "UPDATE frontier SET state = ?, data = NULL WHERE key = ? AND state = ?",
            (DONE, key, QUEUED),
        ).rowcount
        self._db.execute(
            "UPDATE frontier SET state = ?, data = NULL WHERE key = ? AND state = ?",
            (DONE, key, IN_FLIGHT),
        )

    def requeue_in_flight(self) -> int:
        moved = self._db.execute(
            "UPDATE frontier SET state = ? WHERE state = ?", (QUEUED, IN_FLIGHT)
        ).rowcount
        self._pending += moved
        return moved

    def pending(self) -> int:
        return self._pending + len(self._taken)
