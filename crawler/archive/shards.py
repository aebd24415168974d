"""Rotating JSON Lines shards: ``articles-00001.jsonl`` (or ``.jsonl.gz``), ``articles-00002...``.

The shard in progress carries the ``.open`` suffix; it is renamed to its final name only once it
is complete and on disk (see ``crawler.archive.atomic``), so every file under a final name is a
finished shard whose digest is the one recorded in the manifest.

Each record reaches the kernel as soon as it is written (one ``write`` per line; a gzip shard
is sync-flushed after each line), before the crawl state records it as archived: a process
killed at any instant leaves an ``.open`` shard holding every record the state knows of, plus
at most one partial last line (``crawler.archive.recover`` keeps the complete ones).
"""

from __future__ import annotations

import contextlib
import gzip as gzip_module
import hashlib
import json
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from crawler.archive.atomic import open_path, publish


@dataclass(frozen=True, slots=True)
class DataFile:
    """A finished data file of a run folder (a shard, the categories, a WARC file): its name
    in the folder, how many records it holds and its SHA-256 (hex), as the manifest lists it."""

    name: str
    records: int
    sha256: str


def encode_record(record: Mapping[str, Any]) -> bytes:
    """One JSON Lines line: compact, non-ASCII kept as UTF-8, key order preserved.

    >>> encode_record({"title": "Кино", "n": 1})
    b'{"title":"\\xd0\\x9a\\xd0\\xb8\\xd0\\xbd\\xd0\\xbe","n":1}\\n'
    """
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class _HashingFile:
    """Forwards writes to a file and hashes exactly the bytes stored, so the digest never needs
    a second read of the shard (which may be gigabytes)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, data: bytes, /) -> int:
        self.digest.update(data)
        view = memoryview(data)
        while view:  # an unbuffered write may take only part of a large line
            written = self.raw.write(view)
            view = view[written or 0 :]
        return len(data)

    def flush(self) -> None:
        self.raw.flush()


class _OpenShard:
    def __init__(self, final: Path, *, gzip: bool) -> None:
        self.final = final
        self.tmp = open_path(final)
        self.records = 0
        # Unbuffered: each line goes to the kernel in the write that carries it.
        self._file = _HashingFile(self.tmp.open("xb", buffering=0))
        # mtime=0 and no file name in the header: the same records give the same bytes.
        self._gzip = (
            gzip_module.GzipFile(filename="", mode="wb", fileobj=self._file, mtime=0)
            if gzip
            else None
        )

    def write(self, line: bytes) -> None:
        if self._gzip is not None:
            self._gzip.write(line)
            # A sync flush ends the deflate block at a byte boundary: every line written so
            # far can be decompressed from the file as it stands.
            self._gzip.flush(zlib.Z_SYNC_FLUSH)
        else:
            self._file.write(line)
        self.records += 1

    def abandon(self) -> None:
        """Release the file without publishing it: it stays ``.open``, i.e. unfinished.

        Closing flushes buffers, which fails again on a full disk; the file is unfinished
        either way, so that error is not raised over the one that caused the abandon."""
        with contextlib.suppress(OSError):
            if self._gzip is not None:
                self._gzip.close()
        with contextlib.suppress(OSError):
            self._file.raw.close()

    def finish(self) -> DataFile:
        if self._gzip is not None:
            self._gzip.close()  # writes the gzip trailer through the hashing file
        self._file.flush()
        os.fsync(self._file.raw.fileno())
        self._file.raw.close()
        publish(self.tmp, self.final)
        return DataFile(self.final.name, self.records, self._file.digest.hexdigest())


class ShardWriter:
    """Writes records to ``<run_dir>/<prefix>-NNNNN.jsonl[.gz]``, ``max_records`` per shard.

    A shard is started only when a record arrives, so there is never an empty shard.
    ``close()`` publishes the last shard; ``shards`` lists the finished ones in order.
    ``existing``: shards a killed process of the same run finished; numbering goes on after
    them and ``shards`` includes them.
    """

    def __init__(
        self,
        run_dir: Path,
        prefix: str = "articles",
        max_records: int = 10_000,
        gzip: bool = False,
        existing: Sequence[DataFile] = (),
    ) -> None:
        if max_records < 1:
            raise ValueError(f"max_records must be at least 1, got {max_records}")
        self.run_dir = run_dir
        self.prefix = prefix
        self.max_records = max_records
        self.gzip = gzip
        self._shards: list[DataFile] = list(existing)
        self._current: _OpenShard | None = None
        self._closed = False

    @property
    def shards(self) -> tuple[DataFile, ...]:
        return tuple(self._shards)

    @property
    def records_written(self) -> int:
        """Records in finished shards plus the shard in progress."""
        current = self._current.records if self._current else 0
        return sum(shard.records for shard in self._shards) + current

    def shard_name(self, number: int) -> str:
        """Final file name of shard ``number`` (1-based).

        >>> ShardWriter(Path("."), gzip=True).shard_name(2)
        'articles-00002.jsonl.gz'
        """
        return f"{self.prefix}-{number:05d}.jsonl" + (".gz" if self.gzip else "")

    def write(self, record: Mapping[str, Any]) -> None:
        if self._closed:
            raise ValueError("write to a closed ShardWriter")
        line = encode_record(record)  # before opening a shard: a bad record leaves no file
        if self._current is None:
            final = self.run_dir / self.shard_name(len(self._shards) + 1)
            self._current = _OpenShard(final, gzip=self.gzip)
        self._current.write(line)
        if self._current.records >= self.max_records:
            self._finish_current()

    def close(self) -> None:
        """Publish the shard in progress, if any. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._finish_current()

    def abort(self) -> None:
        """Stop without publishing the shard in progress; it stays on disk as ``.open`` so a
        reader (or a later resume) sees a run that did not finish. Idempotent."""
        self._closed = True
        if self._current is not None:
            self._current.abandon()
            self._current = None

    def _finish_current(self) -> None:
        if self._current is not None:
            self._shards.append(self._current.finish())
            self._current = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
