"""WARC captures: records a pointer opens, rotation, recovery of a killed file, verification."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.verify import verify_warc
from crawler.archive.warc import (
    WarcWriter,
    completed_warcs,
    describe_warc,
    read_record,
    recover_open_warcs,
)
from crawler.items import Capture

FETCHED = datetime(2025, 8, 6, 9, 0, 0, tzinfo=UTC)
PAGE = Path(__file__).parents[1] / "fixtures" / "article" / "specimen" / "page.html"


def capture(n: int, body: bytes | None = None) -> Capture:
    return Capture(
        url=f"http://127.0.0.1:8000/page.php?p={n:07d}",
        method="GET",
        request_headers=[("User-Agent", "evergreen-archiver"), ("If-None-Match", '"x"')],
        status=200,
        reason="OK",
        headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),  # as sent; the stored body is already decoded
            ("Content-Length", "123"),
            ("ETag", f'"{n}"'),
        ],
        body=body if body is not None else PAGE.read_bytes(),
        fetched_at=FETCHED,
    )


def test_a_pointer_opens_the_response_record_of_its_page(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_bytes=1 << 20, operator="mailto:a@example.org")
    pointers = [writer.write(capture(n)) for n in (1, 2)]
    writer.close()

    for n, pointer in zip((1, 2), pointers, strict=True):
        record = read_record(tmp_path, pointer.to_dict())
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == capture(n).url
        assert record.rec_headers.get_header("WARC-Date") == "2025-08-06T09:00:00Z"
        assert record.content == PAGE.read_bytes()
        # Self-consistent: the body is stored decoded, so no Content-Encoding is claimed.
        assert record.http_headers.get_header("Content-Encoding") is None
        assert record.http_headers.get_header("Content-Length") == str(len(PAGE.read_bytes()))
        assert record.http_headers.get_header("ETag") == f'"{n}"'


def test_each_file_holds_warcinfo_then_response_and_request_pairs(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_bytes=1 << 20)
    pointer = writer.write(capture(1))
    writer.close()
    with (tmp_path / pointer.file).open("rb") as stored:
        records = [(r.rec_type, r.rec_headers) for r in ArchiveIterator(stored)]
    assert [kind for kind, _ in records] == ["warcinfo", "response", "request"]
    request_headers = records[2][1]
    assert request_headers.get_header("WARC-Concurrent-To") == pointer.record_id


def test_files_rotate_by_size_and_are_published_when_complete(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_bytes=20_000)
    pointers = [writer.write(capture(n)) for n in range(1, 5)]
    assert len({pointer.file for pointer in pointers}) > 1
    assert list(tmp_path.glob("*.open"))  # the file in progress is not under its final name
    writer.close()
    assert not list(tmp_path.glob("*.open"))
    assert [info.name for info in writer.files] == [p.name for p in completed_warcs(tmp_path)]
    for info in writer.files:
        assert describe_warc(tmp_path / info.name) == info
        assert list(verify_warc(tmp_path / info.name, info.records, info.sha256)) == []


def test_a_killed_file_keeps_its_complete_records(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_bytes=1 << 20)
    pointers = [writer.write(capture(n)) for n in (1, 2)]
    assert writer._current is not None
    writer._current._file.close()  # killed: never published
    dead = tmp_path / "capture-00001.warc.gz.open"
    dead.write_bytes(dead.read_bytes() + b"\x1f\x8b\x08\x00torn")

    assert recover_open_warcs(tmp_path) == [tmp_path / "capture-00001.warc.gz"]
    for pointer in pointers:
        assert read_record(tmp_path, pointer.to_dict()).content == PAGE.read_bytes()
    assert describe_warc(tmp_path / "capture-00001.warc.gz").records == 5


def test_a_resumed_writer_numbers_after_the_finished_files(tmp_path: Path) -> None:
    first = WarcWriter(tmp_path, max_bytes=1 << 20)
    first.write(capture(1))
    first.close()
    resumed = WarcWriter(tmp_path, max_bytes=1 << 20, existing=first.files)
    assert resumed.write(capture(2)).file == "capture-00002.warc.gz"
    resumed.close()


def test_verify_names_a_cut_short_file(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_bytes=1 << 20)
    writer.write(capture(1))
    writer.close()
    [info] = writer.files
    path = tmp_path / info.name
    path.write_bytes(path.read_bytes()[:-40])
    problems = [finding.message for finding in verify_warc(path, info.records, info.sha256)]
    assert any("sha256" in problem for problem in problems)
    assert any("WARC records stop at byte" in problem for problem in problems)
