"""Pages and assets kept for replay: a capture of bytes the archive holds already is a WARC
revisit record, and payloads.sqlite, which says so, is rebuilt from the WARC files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.payloads import (
    PAYLOADS_FILE,
    PayloadStore,
    payload_digest,
    rebuild_payloads,
    stored_payloads,
)
from crawler.archive.runfolder import RunFolder
from crawler.archive.warc import completed_warcs
from tests.archive.test_runfolder import manifest
from tests.archive.test_warc import capture

FIRST, SECOND = "site-20250806T090507Z", "site-20250807T090507Z"


def kept_run(archive: Path, name: str, *bodies: bytes) -> list[bool]:
    """A finished run that kept a listing page per body (one URL each); whether each was a
    revisit."""
    store = PayloadStore(archive)
    folder = RunFolder.create(archive, name)
    folder.open_writers(shard_items=10, gzip=False, warc_max_bytes=1 << 20, payloads=store)
    revisits = [folder.keep(capture(n, body)) for n, body in enumerate(bodies)]
    folder.write_categories(())
    folder.finish(manifest())
    store.close()
    return revisits


def records(run: Path) -> list[tuple[str, dict[str, str]]]:
    [warc] = completed_warcs(run)
    with warc.open("rb") as stream:
        return [
            (record.rec_type, dict(record.rec_headers.headers))
            for record in ArchiveIterator(stream)
        ]


def test_the_digest_is_the_one_warcio_writes(tmp_path: Path) -> None:
    kept_run(tmp_path, FIRST, b"<p>listing</p>")
    [(_, response)] = [r for r in records(tmp_path / FIRST) if r[0] == "response"]
    assert response["WARC-Payload-Digest"] == payload_digest(b"<p>listing</p>")


def test_the_same_bytes_again_are_a_revisit_of_the_first_capture(tmp_path: Path) -> None:
    assert kept_run(tmp_path, FIRST, b"<p>one</p>", b"<p>two</p>") == [False, False]
    assert kept_run(tmp_path, SECOND, b"<p>one</p>", b"<p>changed</p>") == [True, False]
    [(_, first), _] = [r for r in records(tmp_path / FIRST) if r[0] == "response"]
    kinds = [kind for kind, _ in records(tmp_path / SECOND)]
    assert kinds == ["warcinfo", "revisit", "response", "request"]
    [(_, revisit)] = [r for r in records(tmp_path / SECOND) if r[0] == "revisit"]
    assert revisit["WARC-Profile"] == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert revisit["WARC-Payload-Digest"] == payload_digest(b"<p>one</p>")
    assert revisit["WARC-Refers-To-Target-URI"] == revisit["WARC-Target-URI"]
    assert revisit["WARC-Refers-To-Date"] == first["WARC-Date"]
    assert first["WARC-Record-ID"] == revisit["WARC-Refers-To"]


def test_a_revisit_refers_to_the_latest_stored_capture(tmp_path: Path) -> None:
    kept_run(tmp_path, FIRST, b"<p>old</p>")
    kept_run(tmp_path, SECOND, b"<p>new</p>")
    store = PayloadStore(tmp_path)
    stored = store.get(capture(0).url)
    assert stored is not None and stored.digest == payload_digest(b"<p>new</p>")


def test_without_a_store_every_capture_is_stored_in_full(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, FIRST)
    folder.open_writers(shard_items=10, gzip=False, warc_max_bytes=1 << 20)
    assert [folder.keep(capture(0, b"x")), folder.keep(capture(0, b"x"))] == [False, False]
    folder.close_data()


def test_a_deleted_store_is_rebuilt_from_the_warc_files_as_it_was(tmp_path: Path) -> None:
    kept_run(tmp_path, FIRST, b"<p>one</p>", b"<p>two</p>")
    kept_run(tmp_path, SECOND, b"<p>one</p>", b"<p>three</p>")
    store = PayloadStore(tmp_path)
    before = [store.get(capture(n).url) for n in range(2)]
    store.close()
    (tmp_path / PAYLOADS_FILE).unlink()
    rebuilt = PayloadStore(tmp_path)
    assert [rebuilt.get(capture(n).url) for n in range(2)] == before
    rebuilt.close()
    assert rebuild_payloads(tmp_path) == tmp_path / PAYLOADS_FILE


def test_the_rebuild_reads_crawls_only_not_reparse_folders(tmp_path: Path) -> None:
    kept_run(tmp_path, FIRST, b"<p>one</p>")
    reparse = tmp_path / f"reparse-{FIRST}-20250808T000000Z"
    kept_run(tmp_path, reparse.name, b"<p>other</p>")
    assert [s.digest for s in stored_payloads(tmp_path)] == [payload_digest(b"<p>one</p>")]


def test_an_article_capture_is_remembered_too(tmp_path: Path) -> None:
    store = PayloadStore(tmp_path)
    folder = RunFolder.create(tmp_path, FIRST)
    folder.open_writers(shard_items=10, gzip=False, warc_max_bytes=1 << 20, payloads=store)
    pointer = folder.capture(replace(capture(1), body=b"<p>essay</p>"))
    folder.close_data()
    stored = store.get(capture(1).url)
    assert stored is not None and stored.record_id == pointer.record_id
