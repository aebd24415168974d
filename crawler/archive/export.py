"""Exports of an archive's latest articles: Parquet, CSV or JSON Lines, and the related-link
graph as an edge table. ``scrapy export`` wraps it; no Scrapy needed.

Every column has a fixed type, whatever the archive holds, so two exports of different
archives read the same way. In Parquet the list and object fields are nested columns
(``blocks``: ``list<struct<kind, text>>``, ``related``: ``list<struct<url, category, summary,
published>>``, ``changed_fields``: ``list<string>``, ``warc``: ``struct<file, offset,
record_id>``); in CSV they are JSON text; JSON Lines holds the records as archived. The
columns are those of ``crawler/schema/article.schema.json``; keys a record carries beyond
them (later additions) become columns after them: typed when every value is a bool, an
integer, a number or a string, JSON text otherwise.

pyarrow (the ``export`` extra) writes Parquet; CSV and JSON Lines need nothing. Each output is
written to a temporary file beside it and renamed over it once complete.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol, Self

from crawler.archive.folders import NotAnArchive, find_archive
from crawler.archive.reader import ARTICLE, iter_records, url_article_id
from crawler.archive.shards import encode_record

FORMATS: tuple[str, ...] = ("parquet", "csv", "jsonl")
#: Records a Parquet row group is built from at a time (bounds the export's memory).
BATCH = 1_000

#: Every article column in record order, with its kind: ``string``, ``int``, or one of the
#: nested shapes below. Keys not listed here are found in the records (``_extra_columns``).
ARTICLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("type", "string"),
    ("url", "string"),
    ("id", "string"),
    ("title", "string"),
    ("summary", "string"),
    ("published", "string"),
    ("category", "string"),
    ("body", "string"),
    ("blocks", "blocks"),
    ("related", "related"),
    ("version", "int"),
    ("content_hash", "string"),
    ("fetched_at", "string"),
    ("previous_hash", "string"),
    ("changed_fields", "strings"),
    ("warc", "warc"),
    ("reparsed_at", "string"),
    ("reparsed_from", "string"),
    ("schema_version", "int"),
)
#: One row per related card of each exported article; ``position`` is 1 for the first card.
EDGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_id", "string"),
    ("target_id", "string"),
    ("position", "int"),
    ("target_url", "string"),
)
_SCALAR_KINDS = {bool: "bool", int: "int", float: "float", str: "string"}


class ExportError(Exception):
    """The export cannot be made (missing folder, pyarrow missing, unwritable path); the
    message says why in one line."""


@dataclass(frozen=True, slots=True)
class Exported:
    articles: int
    edges: int | None


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa

    text = pa.string()
    nested = {
        "string": text,
        "json": text,
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "strings": pa.list_(text),
        "blocks": pa.list_(pa.struct([("kind", text), ("text", text)])),
        "related": pa.list_(
            pa.struct([("url", text), ("category", text), ("summary", text), ("published", text)])
        ),
        "warc": pa.struct([("file", text), ("offset", pa.int64()), ("record_id", text)]),
    }
    return nested[kind]


def arrow_schema(columns: Sequence[tuple[str, str]]) -> Any:
    """The pyarrow schema of ``columns`` (``ARTICLE_COLUMNS`` plus extras, or edges)."""
    import pyarrow as pa

    return pa.schema([(name, _arrow_type(kind)) for name, kind in columns])


def _extra_columns(records: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Keys beyond ``ARTICLE_COLUMNS``, in first-seen order, each with the one scalar kind
    all its values share (``None`` aside), or ``json``."""
    known = {name for name, _kind in ARTICLE_COLUMNS}
    kinds: dict[str, str | None] = {}
    for record in records:
        for key, value in record.items():
            if key in known:
                continue
            held = kinds.setdefault(key, None)
            if value is None:
                continue
            kind = _SCALAR_KINDS.get(value.__class__, "json")
            if held is None or held == kind:
                kinds[key] = kind
            else:
                kinds[key] = "float" if {held, kind} == {"int", "float"} else "json"
    return [(key, kind or "string") for key, kind in kinds.items()]


# -- writers --------------------------------------------------------------------------------


class _AtomicFile:
    """A temporary file beside ``path``, renamed over it by ``commit()``; removed if the
    export fails. Opened at once, so an unwritable path fails before any work."""

    def __init__(self, path: Path) -> None:
        if path.is_dir():
            raise ExportError(f"cannot write {path}: it is a folder")
        self.path = path
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            # Not mkstemp: its files are private (0600); an export gets the umask's mode.
            fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        self.handle: IO[bytes] = os.fdopen(fd, "wb")

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        self.tmp.replace(self.path)

    def discard(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


class _Writer(Protocol):
    def write(self, row: Mapping[str, Any]) -> None: ...

    def finish(self) -> None: ...


class _JsonlWriter:
    def __init__(self, target: IO[bytes], columns: Sequence[tuple[str, str]]) -> None:
        self.target = target

    def write(self, row: Mapping[str, Any]) -> None:
        self.target.write(encode_record(row))

    def finish(self) -> None:
        pass


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _CsvWriter:
    """RFC 4180 CSV, UTF-8, a header row; nested values and ``json`` extras as JSON text,
    ``None`` as an empty cell."""

    def __init__(self, target: IO[bytes], columns: Sequence[tuple[str, str]]) -> None:
        import io

        self.text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
        self.columns = columns
        self.writer = csv.writer(self.text, lineterminator="\r\n")
        self.writer.writerow([name for name, _kind in columns])

    def _cell(self, value: Any, kind: str) -> Any:
        if value is None:
            return ""
        if kind in ("string", "int", "float") and not isinstance(value, list | dict | bool):
            return value
        return _json_text(value)

    def write(self, row: Mapping[str, Any]) -> None:
        self.writer.writerow([self._cell(row.get(name), kind) for name, kind in self.columns])

    def finish(self) -> None:
        self.text.flush()
        self.text.detach()


class _ParquetWriter:
    """Parquet through pyarrow, one row group per ``BATCH`` rows, zstd-compressed."""

    def __init__(self, target: IO[bytes], columns: Sequence[tuple[str, str]]) -> None:
        import pyarrow.parquet as pq

        self.columns = columns
        self.json_columns = [name for name, kind in columns if kind == "json"]
        self.schema = arrow_schema(columns)
        self.writer = pq.ParquetWriter(target, self.schema, compression="zstd")
        self.rows: list[Mapping[str, Any]] = []

    def write(self, row: Mapping[str, Any]) -> None:
        if self.json_columns:
            row = {**row, **{n: _json_or_none(row.get(n)) for n in self.json_columns}}
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_batch(pa.RecordBatch.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def finish(self) -> None:
        self._flush()
        self.writer.close()


def _json_or_none(value: Any) -> str | None:
    return None if value is None else _json_text(value)


_WRITERS: dict[str, Callable[[IO[bytes], Sequence[tuple[str, str]]], _Writer]] = {
    "parquet": _ParquetWriter,
    "csv": _CsvWriter,
    "jsonl": _JsonlWriter,
}


class _Output:
    """One exported file: its atomic temporary file and the format's writer on it."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.file = _AtomicFile(path)
        self.fmt = fmt
        self.writer: _Writer | None = None
        self.rows = 0

    def start(self, columns: Sequence[tuple[str, str]]) -> None:
        self.writer = _WRITERS[self.fmt](self.file.handle, columns)

    def write(self, row: Mapping[str, Any]) -> None:
        assert self.writer is not None
        self.writer.write(row)
        self.rows += 1

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None and self.writer is not None:
            self.writer.finish()
            self.file.commit()
        else:
            self.file.discard()


# -- the export -----------------------------------------------------------------------------


def related_edges(record: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The edge rows of one article: one per related card, in page order.

    >>> list(related_edges({"id": "1", "related": [{"url": "https://a.example/page.php?p=2"}]}))
    [{'source_id': '1', 'target_id': '2', 'position': 1, 'target_url': 'https://a.example/page.php?p=2'}]
    """
    for position, link in enumerate(record.get("related") or (), start=1):
        url = link.get("url") if isinstance(link, Mapping) else None
        yield {
            "source_id": record.get("id"),
            "target_id": url_article_id(url) if url else None,
            "position": position,
            "target_url": url,
        }


class _Counted:
    """The records of ``records``, counted as they are read (and told to ``progress``)."""

    def __init__(
        self,
        records: Iterator[dict[str, Any]],
        progress: Callable[[int, int | None], None] | None,
    ) -> None:
        self.records = records
        self.progress = progress
        self.count = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for record in self.records:
            self.count += 1
            if self.progress is not None:
                self.progress(self.count, None)
            yield record


def _check(archive_dir: Path, fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: {', '.join(FORMATS)}")
    try:
        find_archive(archive_dir)
    except NotAnArchive as exc:
        raise ExportError(str(exc)) from None
    if fmt == "parquet":
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise ExportError(
                "Parquet needs pyarrow, an optional extra: pip install 'evergreen-crawler[export]'"
            ) from None


def export(
    archive_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    fmt: str,
    *,
    edges: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Exported:
    """Write the latest version of every article of ``archive_dir`` (``iter_records``) to
    ``out`` as ``fmt`` (``parquet``, ``csv`` or ``jsonl``), and with ``edges`` the related
    links as an edge table (``EDGE_COLUMNS``) in the same format.

    ``progress(done, total)`` is told the articles written so far, of how many: known for
    Parquet and CSV, whose columns are found in a first pass over the articles (told as
    ``(read, None)``, then the count starts over), ``None`` for JSON Lines.

    ``ExportError`` before anything is written for a folder that is not an archive
    (``crawler.archive.folders``), an unknown format, pyarrow missing for Parquet, or an
    output path that cannot be written. An existing output is replaced only once the new one
    is complete. Reparse folders are left out, as ``iter_records`` leaves them."""
    archive = Path(archive_dir)
    _check(archive, fmt)
    out_path, edges_path = Path(out), Path(edges) if edges is not None else None
    if edges_path is not None and edges_path.resolve() == out_path.resolve():
        raise ExportError(f"--related-edges and --out are the same file: {out_path}")
    with contextlib.ExitStack() as stack:
        articles = stack.enter_context(_Output(out_path, fmt))
        graph = stack.enter_context(_Output(edges_path, fmt)) if edges_path else None
        total = None
        extras: list[tuple[str, str]] = []
        if fmt != "jsonl":
            counted = _Counted(iter_records(archive, ARTICLE), progress)
            extras = _extra_columns(counted)
            total = counted.count
        articles.start([*ARTICLE_COLUMNS, *extras])
        if graph is not None:
            graph.start(EDGE_COLUMNS)
        for record in iter_records(archive, ARTICLE):
            articles.write(record)
            if progress is not None:
                progress(articles.rows, total)
            if graph is not None:
                for edge in related_edges(record):
                    graph.write(edge)
    return Exported(articles.rows, graph.rows if graph is not None else None)
