"""Taking over a run folder that a killed process left unfinished.

A killed crawl leaves its last shard as ``articles-NNNNN.jsonl[.gz].open``: every line in it
but perhaps the last is a complete record (``crawler.archive.shards`` writes each line through
to the kernel). Recovery publishes the complete lines under the shard's final name, so the
resumed crawl goes on with the next shard number and no record is fetched or written twice.
Completed shards are only read, never changed. No Scrapy needed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crawler.archive.atomic import OPEN_SUFFIX, fsync_dir, publish
from crawler.archive.shards import DataFile

logger = logging.getLogger(__name__)

SHARD_NAME = re.compile(r"articles-(\d{5})\.jsonl(?:\.gz)?")
_CHUNK = 1 << 20


def _number(path: Path) -> int:
    match = SHARD_NAME.fullmatch(path.name.removesuffix(OPEN_SUFFIX))
    assert match is not None
    return int(match[1])


def _plain_complete_length(path: Path) -> int:
    """Bytes up to and including the last newline of ``path``."""
    size = path.stat().st_size
    with path.open("rb") as stored:
        position = size
        while position > 0:
            start = max(0, position - _CHUNK)
            stored.seek(start)
            chunk = stored.read(position - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                return start + newline + 1
            position = start
    return 0


def gzip_complete_lines(path: Path) -> Iterator[bytes]:
    """The complete lines of a gzip file that may be cut short anywhere."""
    inflater = zlib.decompressobj(wbits=31)
    pending = b""
    with path.open("rb") as stored:
        while chunk := stored.read(_CHUNK):
            try:
                pending += inflater.decompress(chunk)
            except zlib.error:
                break  # corrupt past here: keep what decoded cleanly
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line + b"\n"
            if inflater.eof:
                break


def _recover_gzip(dead: Path, final: Path) -> int:
    """Write the complete lines of ``dead`` into a new gzip file published as ``final``."""
    tmp = final.with_name(final.name + ".recovered" + OPEN_SUFFIX)
    records = 0
    with tmp.open("wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
            for line in gzip_complete_lines(dead):
                packed.write(line)
                records += 1
        raw.flush()
        os.fsync(raw.fileno())
    if records:
        publish(tmp, final)
    else:
        tmp.unlink()
    dead.unlink()
    return records


def _recover_plain(dead: Path, final: Path) -> int:
    length = _plain_complete_length(dead)
    if length == 0:
        dead.unlink()
        return 0
    with dead.open("r+b") as stored:
        stored.truncate(length)
        stored.flush()
        os.fsync(stored.fileno())
    publish(dead, final)
    with final.open("rb") as stored:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stored.read(_CHUNK), b""))


def recover_open_shards(run_dir: Path) -> list[Path]:
    """Publish the complete lines of each ``.open`` shard in ``run_dir`` under its final name
    (an ``.open`` shard without one complete line is removed); return what was published."""
    published = []
    for dead in sorted(run_dir.glob(f"articles-*{OPEN_SUFFIX}")):
        if not SHARD_NAME.fullmatch(dead.name.removesuffix(OPEN_SUFFIX)):
            continue
        final = dead.with_name(dead.name.removesuffix(OPEN_SUFFIX))
        if final.exists():
            # A recovery killed after publishing, before removing what it recovered from.
            dead.unlink()
            continue
        if final.name.endswith(".gz"):
            records = _recover_gzip(dead, final)
        else:
            records = _recover_plain(dead, final)
        logger.info("Recovered %d complete records of %s", records, dead)
        if records:
            published.append(final)
    fsync_dir(run_dir)
    return published


def completed_shards(run_dir: Path) -> list[Path]:
    """The finished article shards of ``run_dir``, in number order.

    Raises ``ValueError`` if their numbers are not 1, 2, 3...: a shard is missing."""
    shards = sorted(
        (path for path in run_dir.iterdir() if SHARD_NAME.fullmatch(path.name)), key=_number
    )
    numbers = [_number(path) for path in shards]
    if numbers != list(range(1, len(shards) + 1)):
        raise ValueError(f"{run_dir}: article shards are not numbered 1..n: {numbers}")
    return shards


def shard_lines(path: Path) -> Iterator[bytes]:
    """Every line of a finished plain or gzip shard."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as lines:
        yield from lines


def describe(path: Path) -> DataFile:
    """A finished shard as the manifest lists it: name, record count, SHA-256."""
    digest = hashlib.sha256()
    with path.open("rb") as stored:
        while chunk := stored.read(_CHUNK):
            digest.update(chunk)
    return DataFile(path.name, sum(1 for _ in shard_lines(path)), digest.hexdigest())


def run_records(shards: list[Path]) -> Iterator[dict[str, Any]]:
    """The records of ``shards``, in order."""
    for shard in shards:
        for line in shard_lines(shard):
            yield json.loads(line)
