"""Raw captures: the HTTP exchanges the archived records were extracted from, as WARC files.

Each run folder gets ``capture-00001.warc.gz``, ``capture-00002...``, rotated by size. A file
opens with a ``warcinfo`` record; each archived page, and each listing page and requisite kept
for replay, adds a ``request`` and a ``response`` record, each its own gzip member, so a reader
can seek to any record by its offset. A kept page whose payload the archive holds already
adds one ``revisit`` record instead (identical-payload-digest; ``crawler.archive.payloads``).
As with shards, a file is written as ``.open`` and published under its final name when complete;
every record reaches the kernel before the article line that points to it, so after a kill
the complete records of the ``.open`` file are all a resume needs (``recover_open_warc``).

Bodies are stored as Scrapy handed them to the spider: decompressed. The stored HTTP headers
say so (no ``Content-Encoding``, ``Content-Length`` of the stored body), so each response
record is self-consistent and replays as it was parsed. No Scrapy needed; warcio writes and
reads the records.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawler.archive.atomic import OPEN_SUFFIX, open_path, publish
from crawler.archive.rundir import to_utc
from crawler.archive.shards import DataFile
from crawler.items import Capture
from crawler.version import __version__

PREFIX = "capture"
#: Headers that describe the bytes on the wire, not the stored (decoded) body.
_TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
#: Level 1, not warcio's 9: on a 29 kB article page 0.3 ms a capture instead of 1 ms, for
#: files some 12% larger than at level 6. The crawl's CPU is the scarcer resource.
COMPRESS_LEVEL = 1


@dataclass(frozen=True, slots=True)
class WarcPointer:
    """Where a record's response lies: file name in the run folder, offset of its gzip member,
    and its ``WARC-Record-ID``."""

    file: str
    offset: int
    record_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "offset": self.offset, "record_id": self.record_id}


def warc_name(number: int) -> str:
    """
    >>> warc_name(3)
    'capture-00003.warc.gz'
    """
    return f"{PREFIX}-{number:05d}.warc.gz"


def _member(record: ArcWarcRecord, builder: WARCWriter, buffer: BytesIO) -> bytes:
    buffer.seek(0)
    buffer.truncate()
    builder.write_record(record)
    return gzip.compress(buffer.getvalue(), compresslevel=COMPRESS_LEVEL, mtime=0)


class _OpenWarc:
    def __init__(self, final: Path) -> None:
        self.final = final
        self.tmp = open_path(final)
        # Unbuffered: each record is in the kernel once written.
        self._file: IO[bytes] = self.tmp.open("xb", buffering=0)
        self._digest = hashlib.sha256()
        self.size = 0
        self.records = 0

    def append(self, member: bytes) -> int:
        offset = self.size
        view = memoryview(member)
        while view:
            view = view[self._file.write(view) or 0 :]
        self._digest.update(member)
        self.size += len(member)
        self.records += 1
        return offset

    def finish(self) -> DataFile:
        os.fsync(self._file.fileno())
        self._file.close()
        publish(self.tmp, self.final)
        return DataFile(self.final.name, self.records, self._digest.hexdigest())

    def abandon(self) -> None:
        self._file.close()


class WarcWriter:
    """Writes captures to ``<run_dir>/capture-NNNNN.warc.gz``, a new file once one reaches
    ``max_bytes``. ``existing``: WARC files a killed process of the same run finished.
    ``files`` lists the finished ones (name, record count, SHA-256) for the manifest."""

    def __init__(
        self,
        run_dir: Path,
        *,
        max_bytes: int,
        operator: str = "",
        existing: Sequence[DataFile] = (),
    ) -> None:
        self.run_dir = run_dir
        self.max_bytes = max_bytes
        self.operator = operator
        self._files: list[DataFile] = list(existing)
        self._current: _OpenWarc | None = None
        self._buffer = BytesIO()
        self._builder = WARCWriter(self._buffer, gzip=False, warc_version="1.1")

    @property
    def files(self) -> tuple[DataFile, ...]:
        return tuple(self._files)

    def _open(self) -> _OpenWarc:
        if self._current is not None and self._current.size >= self.max_bytes:
            self._files.append(self._current.finish())
            self._current = None
        if self._current is None:
            self._current = _OpenWarc(self.run_dir / warc_name(len(self._files) + 1))
            info = {
                "software": f"evergreen-crawler/{__version__} (Scrapy)",
                "format": "WARC File Format 1.1",
                "operator": self.operator,
            }
            record = self._builder.create_warcinfo_record(self._current.final.name, info)
            self._current.append(_member(record, self._builder, self._buffer))
        return self._current

    def write(self, capture: Capture, digest: str | None = None) -> WarcPointer:
        """Append ``capture``'s response and request records; return the response's place.
        ``digest``: the body's ``WARC-Payload-Digest``, when the caller has it already."""
        current = self._open()
        date = warc_date(capture)
        warc_headers = {"WARC-Date": date}
        if digest is not None:
            warc_headers["WARC-Payload-Digest"] = digest
        response = self._builder.create_warc_record(
            capture.url,
            "response",
            payload=BytesIO(capture.body),
            length=len(capture.body),
            http_headers=_http_headers(capture),
            warc_headers_dict=warc_headers,
        )
        record_id = str(response.rec_headers.get_header("WARC-Record-ID"))
        offset = current.append(_member(response, self._builder, self._buffer))
        request = self._builder.create_warc_record(
            capture.url,
            "request",
            http_headers=StatusAndHeaders(
                f"{capture.method} {_target(capture.url)} HTTP/1.1",
                list(capture.request_headers),
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        current.append(_member(request, self._builder, self._buffer))
        return WarcPointer(current.final.name, offset, record_id)

    def write_revisit(
        self, capture: Capture, digest: str, refers_to: tuple[str, str, str]
    ) -> WarcPointer:
        """Append a ``revisit`` record (profile identical-payload-digest) for ``capture``,
        whose payload (``digest``) a record stored before holds: ``refers_to`` is that
        record's target URI, date and record id. Only the HTTP headers are stored, and no
        request record: a replay takes the payload from the record referred to."""
        current = self._open()
        uri, date, record_id = refers_to
        revisit = self._builder.create_revisit_record(
            capture.url,
            digest,
            uri,
            date,
            http_headers=_http_headers(capture),
            warc_headers_dict={"WARC-Date": warc_date(capture), "WARC-Refers-To": record_id},
        )
        offset = current.append(_member(revisit, self._builder, self._buffer))
        return WarcPointer(
            current.final.name, offset, str(revisit.rec_headers.get_header("WARC-Record-ID"))
        )

    def close(self) -> None:
        """Publish the file in progress, if any."""
        if self._current is not None:
            self._files.append(self._current.finish())
            self._current = None

    def abort(self) -> None:
        """Stop without publishing: the file in progress stays ``.open``."""
        if self._current is not None:
            self._current.abandon()
            self._current = None


def warc_date(capture: Capture) -> str:
    """The ``WARC-Date`` of ``capture``'s records: when it was fetched."""
    return str(datetime_to_iso_date(to_utc(capture.fetched_at)))


def _http_headers(capture: Capture) -> StatusAndHeaders:
    """The response's status line and headers as stored: those of the decoded body."""
    headers = [
        (name, value) for name, value in capture.headers if name.lower() not in _TRANSFER_HEADERS
    ]
    headers.append(("Content-Length", str(len(capture.body))))
    return StatusAndHeaders(
        f"{capture.status} {capture.reason}".strip(), headers, protocol="HTTP/1.1"
    )


def _target(url: str) -> str:
    """The request target of ``url``: its path and query.

    >>> _target("http://127.0.0.1:8000/page.php?p=1#top")
    '/page.php?p=1'
    """
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def read_record(run_dir: Path, pointer: Mapping[str, Any]) -> ArcWarcRecord:
    """The WARC record a record's ``warc`` pointer names, content loaded; ``ValueError`` if it
    is not there (damaged file, wrong offset) or is not that record."""
    with (run_dir / str(pointer["file"])).open("rb") as stored:
        stored.seek(int(pointer["offset"]))
        for record in ArchiveIterator(stored):
            if record.rec_headers.get_header("WARC-Record-ID") != pointer["record_id"]:
                break
            record.content = record.content_stream().read()
            return record
    raise ValueError(f"no WARC record {pointer['record_id']} at {pointer}")


@dataclass(frozen=True, slots=True)
class Captured:
    """A response record of a run folder's WARC files, its body left in the file
    (:func:`read_record` of ``pointer`` reads it)."""

    url: str
    status: int
    date: str
    pointer: WarcPointer


def iter_responses(run_dir: Path) -> Iterator[Captured]:
    """Every response record of the run folder's finished WARC files, in file order: those
    its records point to, and the captures of pages it dropped, which none does."""
    for path in completed_warcs(run_dir):
        with path.open("rb") as stored:
            records = ArchiveIterator(stored)
            for record in records:
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                headers = record.rec_headers
                yield Captured(
                    url=str(headers.get_header("WARC-Target-URI")),
                    status=int(record.http_headers.get_statuscode()),
                    date=str(headers.get_header("WARC-Date")),
                    pointer=WarcPointer(
                        path.name,
                        records.get_record_offset(),
                        str(headers.get_header("WARC-Record-ID")),
                    ),
                )


def captured_validators(run_dir: Path, pointer: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The ``ETag`` and ``Last-Modified`` the page answered with, from the response record a
    record's ``warc`` pointer names: what a record recovered after a kill needs for its page
    to be asked for conditionally next time. ``(None, None)`` if the capture is unreadable."""
    try:
        record = read_record(run_dir, pointer)
    except (OSError, ValueError, KeyError):
        return None, None
    headers = record.http_headers
    if headers is None:
        return None, None
    return headers.get_header("ETag"), headers.get_header("Last-Modified")


def complete_length(path: Path) -> tuple[int, int]:
    """Bytes of ``path`` up to the end of its last complete record, and how many records.

    Each record is one gzip member; a member is complete when its gzip trailer was read (a
    reader of a cut-short member sees no error, just less data, so that is the test)."""
    end = count = position = 0
    inflater = zlib.decompressobj(wbits=31)
    with path.open("rb") as stored:
        while chunk := stored.read(1 << 16):
            while chunk:
                try:
                    inflater.decompress(chunk)  # the output is not needed, only the trailer
                except zlib.error:
                    return end, count
                if not inflater.eof:
                    position += len(chunk)
                    break
                position += len(chunk) - len(inflater.unused_data)
                end, count = position, count + 1
                chunk = inflater.unused_data
                inflater = zlib.decompressobj(wbits=31)
    return end, count


def recover_open_warcs(run_dir: Path) -> list[Path]:
    """Publish the complete records of each ``capture-*.warc.gz.open`` under its final name (a
    file without one is removed); return what was published."""
    published = []
    for dead in sorted(run_dir.glob(f"{PREFIX}-*.warc.gz{OPEN_SUFFIX}")):
        final = dead.with_name(dead.name.removesuffix(OPEN_SUFFIX))
        if final.exists():
            dead.unlink()
            continue
        length, records = complete_length(dead)
        if records == 0:
            dead.unlink()
            continue
        with dead.open("r+b") as stored:
            stored.truncate(length)
            stored.flush()
            os.fsync(stored.fileno())
        publish(dead, final)
        published.append(final)
    return published


def completed_warcs(run_dir: Path) -> list[Path]:
    return sorted(run_dir.glob(f"{PREFIX}-*.warc.gz"))


def describe_warc(path: Path) -> DataFile:
    """A finished WARC file as the manifest lists it: name, record count, SHA-256."""
    digest = hashlib.sha256()
    with path.open("rb") as stored:
        while chunk := stored.read(1 << 20):
            digest.update(chunk)
    return DataFile(path.name, complete_length(path)[1], digest.hexdigest())
