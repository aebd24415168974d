"""Taking over the open shard of a killed run: complete lines kept, completed shards untouched."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest

from crawler.archive.recover import (
    completed_shards,
    describe,
    gzip_complete_lines,
    recover_open_shards,
    run_records,
)
from crawler.archive.shards import ShardWriter, encode_record


def records(count: int, start: int = 1) -> list[dict[str, object]]:
    return [{"type": "article", "n": n, "text": "é" * n} for n in range(start, start + count)]


def killed_writer(run_dir: Path, *, gzip: bool, finished: int, pending: int) -> None:
    """Leave ``run_dir`` as a killed writer does: ``finished`` records in completed shards of
    3, then ``pending`` records in the open shard, whose file is dropped without closing the
    gzip stream (no trailer), as the kernel does for a killed process."""
    writer = ShardWriter(run_dir, max_records=3, gzip=gzip)
    for record in records(finished + pending):
        writer.write(record)
    current = writer._current
    if current is not None:
        current._file.raw.close()


def test_complete_lines_of_an_open_plain_shard_are_published(tmp_path: Path) -> None:
    killed_writer(tmp_path, gzip=False, finished=3, pending=2)
    open_shard = tmp_path / "articles-00002.jsonl.open"
    with open_shard.open("ab") as torn:
        torn.write(encode_record({"type": "article", "n": 99})[:10])  # the kill cut a line

    published = recover_open_shards(tmp_path)

    assert published == [tmp_path / "articles-00002.jsonl"]
    assert not list(tmp_path.glob("*.open"))
    assert [r["n"] for r in run_records(completed_shards(tmp_path))] == [1, 2, 3, 4, 5]


def test_complete_lines_of_an_open_gzip_shard_are_published(tmp_path: Path) -> None:
    killed_writer(tmp_path, gzip=True, finished=3, pending=2)
    open_shard = tmp_path / "articles-00002.jsonl.gz.open"
    data = open_shard.read_bytes()
    open_shard.write_bytes(data + zlib.compress(b"torn")[:3])  # a partial deflate block

    recover_open_shards(tmp_path)

    recovered = tmp_path / "articles-00002.jsonl.gz"
    assert [
        json.loads(line)["n"] for line in gzip.decompress(recovered.read_bytes()).splitlines()
    ] == [4, 5]
    assert not list(tmp_path.glob("*.open"))


def test_every_written_gzip_line_is_readable_before_the_shard_closes(tmp_path: Path) -> None:
    with ShardWriter(tmp_path, max_records=100, gzip=True) as writer:
        for record in records(5):
            writer.write(record)
            lines = list(gzip_complete_lines(tmp_path / "articles-00001.jsonl.gz.open"))
            assert json.loads(lines[-1]) == record


def test_an_open_shard_without_a_complete_line_is_removed(tmp_path: Path) -> None:
    (tmp_path / "articles-00001.jsonl.open").write_bytes(b'{"type": "art')
    assert recover_open_shards(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_completed_shards_are_not_touched(tmp_path: Path) -> None:
    killed_writer(tmp_path, gzip=False, finished=6, pending=1)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.jsonl")}
    recover_open_shards(tmp_path)
    for name, data in before.items():
        assert (tmp_path / name).read_bytes() == data


def test_a_resumed_writer_numbers_after_the_recovered_shards(tmp_path: Path) -> None:
    killed_writer(tmp_path, gzip=False, finished=3, pending=1)
    recover_open_shards(tmp_path)
    existing = [describe(path) for path in completed_shards(tmp_path)]
    with ShardWriter(tmp_path, max_records=3, existing=existing) as resumed:
        resumed.write({"type": "article", "n": 5})
    assert [shard.name for shard in resumed.shards] == [
        "articles-00001.jsonl",
        "articles-00002.jsonl",
        "articles-00003.jsonl",
    ]
    assert [shard.records for shard in resumed.shards] == [3, 1, 1]


def test_a_gap_in_shard_numbers_is_an_error(tmp_path: Path) -> None:
    for number in (1, 3):
        (tmp_path / f"articles-0000{number}.jsonl").write_bytes(b"{}\n")
    with pytest.raises(ValueError, match="not numbered"):
        completed_shards(tmp_path)


def test_a_recovery_killed_after_publishing_is_finished_by_the_next(tmp_path: Path) -> None:
    killed_writer(tmp_path, gzip=True, finished=0, pending=2)
    dead = tmp_path / "articles-00001.jsonl.gz.open"
    saved = dead.read_bytes()
    recover_open_shards(tmp_path)
    published = (tmp_path / "articles-00001.jsonl.gz").read_bytes()
    dead.write_bytes(saved)  # as if killed before the dead shard was removed

    assert recover_open_shards(tmp_path) == []
    assert (tmp_path / "articles-00001.jsonl.gz").read_bytes() == published
    assert not list(tmp_path.glob("*.open"))
