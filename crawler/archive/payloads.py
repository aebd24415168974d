"""The payloads the archive has captured, by URL: what makes a capture a WARC ``revisit``.

A listing page or a requisite (stylesheet, image) fetched again with the same bytes is not
stored again: the run writes a ``revisit`` record (profile identical-payload-digest) naming
the capture that holds them (``crawler.archive.warc``). To know whether the bytes are the same,
the archive keeps, per URL, the payload digest, date and record id of its latest stored
capture in ``<ARCHIVE_DIR>/payloads.sqlite``.

The file is derived data: the WARC files are the source of truth, and a missing file is built
again from them (:func:`rebuild_payloads`) the first time a crawl opens it. Deleting it costs
one full copy of each page and asset in the next run, no more. Each capture is entered as soon
as its record is written (autocommit, WAL), so the workers of a distributed crawl share it. No
Scrapy needed.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.folders import run_name_of
from crawler.archive.warc import completed_warcs

PAYLOADS_FILE = "payloads.sqlite"
#: Seconds a writer waits for another (a worker of the same crawl) to finish its insert.
BUSY_TIMEOUT = 30.0
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS payloads ("
    " url TEXT PRIMARY KEY, digest TEXT NOT NULL, date TEXT NOT NULL, record_id TEXT NOT NULL)"
)


def payload_digest(body: bytes) -> str:
    """The ``WARC-Payload-Digest`` of ``body``, as warcio and pywb write it (SHA-1, base32).

    >>> payload_digest(b"")
    'sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ'
    """
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


@dataclass(frozen=True, slots=True)
class Stored:
    """The capture that holds a URL's payload: what a revisit record refers to."""

    url: str
    digest: str
    date: str
    record_id: str


class PayloadStore:
    """``payloads.sqlite`` of one archive. Opened on first use (built from the archive's WARC
    files first when it is missing), so a run that captures nothing leaves no file."""

    def __init__(self, archive_dir: Path) -> None:
        self.archive_dir = archive_dir
        self.path = archive_dir / PAYLOADS_FILE
        self._opened: sqlite3.Connection | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._opened is None:
            missing = not self.path.exists()
            self.archive_dir.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            db.execute("PRAGMA journal_mode = WAL")
            # WAL with NORMAL loses at most the last inserts to a power cut, never consistency:
            # a lost entry costs one full copy of a page in the next run.
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(_SCHEMA)
            self._opened = db
            if missing:
                self._enter(stored_payloads(self.archive_dir))
        return self._opened

    def get(self, url: str) -> Stored | None:
        row = self._db.execute(
            "SELECT url, digest, date, record_id FROM payloads WHERE url = ?", (url,)
        ).fetchone()
        return Stored(*row) if row is not None else None

    def remember(self, stored: Stored) -> None:
        """``stored`` now holds its URL's payload."""
        self._enter((stored,))

    def _enter(self, entries: Iterable[Stored]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO payloads (url, digest, date, record_id)"
                " VALUES (?, ?, ?, ?)",
                ((e.url, e.digest, e.date, e.record_id) for e in entries),
            )

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._opened = None


def rebuild_payloads(archive_dir: Path) -> Path:
    """Build ``payloads.sqlite`` again from the archive's WARC files; returns its path."""
    path = archive_dir / PAYLOADS_FILE
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = PayloadStore(archive_dir)
    store.get("")  # opening it builds it
    store.close()
    return path


def stored_payloads(archive_dir: Path) -> Iterator[Stored]:
    """Every ``response`` record of the archive's crawl run folders, oldest run first (a later
    capture of a URL replaces an earlier one). Reparse folders hold their source's files."""
    if not archive_dir.is_dir():
        return
    for folder in sorted(archive_dir.iterdir(), key=lambda path: path.name):
        name = run_name_of(folder)
        if name is None or name.source is not None:
            continue
        for warc in completed_warcs(folder):
            yield from _responses(warc)


def _responses(warc: Path) -> Iterator[Stored]:
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            headers = record.rec_headers
            digest = headers.get_header("WARC-Payload-Digest")
            if digest is None:
                continue
            yield Stored(
                str(headers.get_header("WARC-Target-URI")),
                str(digest),
                str(headers.get_header("WARC-Date")),
                str(headers.get_header("WARC-Record-ID")),
            )
