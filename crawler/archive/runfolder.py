"""A run folder from its creation to its manifest: the one owner of its files.

A run folder holds a run's article shards, WARC files, ``categories.jsonl`` and, written last,
``manifest.json``. Every writer of the archive goes through :class:`RunFolder`: the archive
pipeline for a crawl, a distributed crawl's takeover of a dead worker's folder, and reparse.
No Scrapy needed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from crawler.archive.atomic import atomic_write, fsync_dir
from crawler.archive.categories import CATEGORIES_FILE, write_categories
from crawler.archive.manifest import MANIFEST_FILE, Manifest, write_manifest
from crawler.archive.payloads import PayloadStore, Stored, payload_digest
from crawler.archive.recover import completed_shards, describe, recover_open_shards, run_records
from crawler.archive.shards import DataFile, ShardWriter
from crawler.archive.warc import (
    WarcPointer,
    WarcWriter,
    completed_warcs,
    describe_warc,
    recover_open_warcs,
    warc_date,
)
from crawler.coverage import Coverage
from crawler.items import Capture, Category

#: A template learned in the run (``crawler.templates``), beside the records it read.
TEMPLATE_FILE = "template.json"


def create_folder(root: Path, base: str) -> Path:
    """Create and return a new, empty folder ``root/base`` (``-2``, ``-3``... if taken).

    An existing folder is never reused, since the archive is append-only. ``mkdir`` without
    ``exist_ok`` makes the check and the creation one step, so concurrent runs cannot claim the
    same folder.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> [create_folder(root, "site-20250806T090500Z").name for _ in range(2)]
    ['site-20250806T090500Z', 'site-20250806T090500Z-2']
    """
    root.mkdir(parents=True, exist_ok=True)
    attempt = 1
    while True:
        candidate = root / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            attempt += 1
            continue
        fsync_dir(root)
        return candidate


def _link(source: Path, target: Path) -> None:
    """Make ``source``'s file part of ``target`` too: a hard link (no copy of gigabytes of
    WARC), or a copy where the file system has none."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class RunFolder:
    """One run's folder: created new, or resumed after a killed process, then finished (its
    categories and manifest written) or abandoned (its files in progress left ``.open``, for
    the next process to recover).

    Data files are written through the writers :meth:`open_writers` starts, numbered after the
    files a killed process of the same run finished.
    """

    def __init__(
        self,
        path: Path,
        *,
        shards: Sequence[DataFile] = (),
        warcs: Sequence[DataFile] = (),
        recovered: Sequence[Path] = (),
    ) -> None:
        self.path = path
        #: Files of the folder a killed process finished (or published by recovery).
        self.existing_shards: tuple[DataFile, ...] = tuple(shards)
        self.existing_warcs: tuple[DataFile, ...] = tuple(warcs)
        #: The files recovery published from the ``.open`` files of a killed process.
        self.recovered: tuple[Path, ...] = tuple(recovered)
        self._shards: ShardWriter | None = None
        self._warcs: WarcWriter | None = None
        self._payloads: PayloadStore | None = None
        self._categories: DataFile | None = None

    @classmethod
    def create(cls, root: Path, base: str) -> Self:
        """A new, empty folder under ``root`` named ``base`` (see :func:`create_folder`)."""
        return cls(create_folder(root, base))

    @classmethod
    def resume(cls, path: Path) -> Self:
        """The folder ``path`` as a killed process left it: the complete records of its
        ``.open`` files are published under their final names (``crawler.archive.recover``),
        and its finished files are listed, for the writers to go on after them."""
        recovered = recover_open_shards(path) + recover_open_warcs(path)
        return cls(
            path,
            shards=[describe(shard) for shard in completed_shards(path)],
            warcs=[describe_warc(warc) for warc in completed_warcs(path)],
            recovered=recovered,
        )

    # -- what the folder holds ------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """Whether the folder has its manifest: the run it holds is complete."""
        return (self.path / MANIFEST_FILE).exists()

    def manifest(self) -> dict[str, Any]:
        """The folder's ``manifest.json``, read."""
        data: dict[str, Any] = json.loads((self.path / MANIFEST_FILE).read_bytes())
        return data

    def coverage(self) -> Coverage:
        """The coverage a finished folder's manifest records (zero pages if none)."""
        return Coverage.from_dict(self.manifest().get("coverage") or {"pages": 0, "fields": {}})

    def records(self) -> Iterator[dict[str, Any]]:
        """The records of the folder's finished shards, in order."""
        return run_records(completed_shards(self.path))

    # -- writing --------------------------------------------------------------------------------

    def open_writers(
        self,
        *,
        shard_items: int,
        gzip: bool,
        warc_max_bytes: int | None = None,
        operator: str = "",
        payloads: PayloadStore | None = None,
    ) -> None:
        """Start the writers of the folder's shards and (with ``warc_max_bytes``) WARC files.
        ``payloads``: the archive's captured payloads, which make a capture of bytes stored
        before a ``revisit`` record (:meth:`keep`); without it every capture is stored."""
        self._payloads = payloads
        self._shards = ShardWriter(
            self.path, max_records=shard_items, gzip=gzip, existing=self.existing_shards
        )
        if warc_max_bytes is not None:
            self._warcs = WarcWriter(
                self.path, max_bytes=warc_max_bytes, operator=operator, existing=self.existing_warcs
            )

    @property
    def captures(self) -> bool:
        """Whether the folder stores the HTTP exchanges of its records."""
        return self._warcs is not None

    def write(self, record: Mapping[str, Any]) -> None:
        """Append ``record`` to the shard in progress."""
        if self._shards is None:
            raise RuntimeError(f"{self.path}: write before open_writers")
        self._shards.write(record)

    def capture(self, capture: Capture) -> WarcPointer:
        """Store an HTTP exchange, before the record that points to it."""
        digest = payload_digest(capture.body)
        pointer = self._warc_writer().write(capture, digest)
        self._remember(capture, digest, pointer)
        return pointer

    def keep(self, capture: Capture) -> bool:
        """Store an HTTP exchange no record points to (a listing page, a stylesheet, an
        image), for replay: as a ``revisit`` record when the archive's latest capture of its
        URL has the same payload, else in full. Returns whether it was a revisit."""
        writer = self._warc_writer()
        digest = payload_digest(capture.body)
        stored = self._payloads.get(capture.url) if self._payloads is not None else None
        if stored is not None and stored.digest == digest:
            writer.write_revisit(capture, digest, (stored.url, stored.date, stored.record_id))
            return True
        self._remember(capture, digest, writer.write(capture, digest))
        return False

    def _warc_writer(self) -> WarcWriter:
        if self._warcs is None:
            raise RuntimeError(f"{self.path}: no WARC writer")
        return self._warcs

    def _remember(self, capture: Capture, digest: str, pointer: WarcPointer) -> None:
        if self._payloads is not None:
            self._payloads.remember(
                Stored(capture.url, digest, warc_date(capture), pointer.record_id)
            )

    def link_warcs(self, source: Path, files: Iterable[DataFile]) -> None:
        """Make another finished folder's WARC files part of this one (reparse keeps the
        captures its records point to)."""
        linked = list(files)
        for entry in linked:
            _link(source / entry.name, self.path / entry.name)
        self.existing_warcs += tuple(linked)
        fsync_dir(self.path)

    def close_data(self) -> None:
        """Publish the data files in progress: every record written is final."""
        if self._shards is not None:
            self._shards.close()
        if self._warcs is not None:
            self._warcs.close()

    def abandon(self) -> None:
        """Stop writing without publishing: the files in progress stay ``.open``, as after a
        kill, and no manifest says the run is complete."""
        if self._shards is not None:
            self._shards.abort()
        if self._warcs is not None:
            self._warcs.abort()

    def write_categories(self, categories: Iterable[Category]) -> DataFile:
        """Publish the run's ``categories.jsonl`` (empty for a folder of a distributed run that
        does not hold them)."""
        self._categories = write_categories(self.path, categories)
        return self._categories

    def copy_categories(self, source: Path) -> DataFile:
        """Publish another finished folder's ``categories.jsonl`` as this one's, byte for byte."""
        data = (source / CATEGORIES_FILE).read_bytes()
        atomic_write(self.path / CATEGORIES_FILE, data)
        self._categories = DataFile(
            CATEGORIES_FILE, data.count(b"\n"), hashlib.sha256(data).hexdigest()
        )
        return self._categories

    def write_template(self, text: str) -> DataFile:
        """Publish a template learned in this run (its JSON) as ``template.json``, for an
        archivist to review; the manifest names it."""
        data = text.encode("utf-8")
        atomic_write(self.path / TEMPLATE_FILE, data)
        return DataFile(TEMPLATE_FILE, 1, hashlib.sha256(data).hexdigest())

    @property
    def shards(self) -> tuple[DataFile, ...]:
        return self._shards.shards if self._shards is not None else self.existing_shards

    @property
    def warcs(self) -> tuple[DataFile, ...]:
        return self._warcs.files if self._warcs is not None else self.existing_warcs

    def finish(self, manifest: Manifest) -> Manifest:
        """Complete the run: publish its data files, then its manifest, which lists the
        folder's files (``manifest``'s own lists are replaced). Call it once the categories
        are written; returns the manifest written."""
        if self._categories is None:
            raise RuntimeError(f"{self.path}: finish before the categories are written")
        self.close_data()
        final = dataclasses.replace(
            manifest, shards=self.shards, warcs=self.warcs, categories=self._categories
        )
        write_manifest(self.path, final)
        return final
