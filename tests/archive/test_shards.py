from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from crawler.archive.shards import DataFile, ShardWriter, encode_record


def records(count: int, start: int = 1) -> list[dict[str, object]]:
    return [
        {"type": "article", "n": n, "title": f"Essay {n}."} for n in range(start, start + count)
    ]


def write_all(writer: ShardWriter, items: list[dict[str, object]]) -> None:
    for item in items:
        writer.write(item)


def read_lines(path: Path) -> list[dict[str, object]]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def test_rotates_every_max_records_with_numbered_names(tmp_path: Path) -> None:
    with ShardWriter(tmp_path, max_records=3) as writer:
        write_all(writer, records(7))

    assert [(s.name, s.records) for s in writer.shards] == [
        ("articles-00001.jsonl", 3),
        ("articles-00002.jsonl", 3),
        ("articles-00003.jsonl", 1),
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [s.name for s in writer.shards]
    assert [r["n"] for s in writer.shards for r in read_lines(tmp_path / s.name)] == list(
        range(1, 8)
    )


def test_prefix_names_the_files(tmp_path: Path) -> None:
    with ShardWriter(tmp_path, prefix="pages", max_records=2) as writer:
        write_all(writer, records(1))
    assert [s.name for s in writer.shards] == ["pages-00001.jsonl"]


def test_sha256_and_counts_match_the_stored_bytes(tmp_path: Path) -> None:
    with ShardWriter(tmp_path, max_records=2) as writer:
        write_all(writer, records(5))

    for shard in writer.shards:
        data = (tmp_path / shard.name).read_bytes()
        assert shard.sha256 == hashlib.sha256(data).hexdigest()
        assert shard.records == data.count(b"\n")
    assert writer.records_written == 5


def test_shard_in_progress_is_open_until_full(tmp_path: Path) -> None:
    writer = ShardWriter(tmp_path, max_records=2)
    writer.write(records(1)[0])
    assert [p.name for p in tmp_path.iterdir()] == ["articles-00001.jsonl.open"]

    writer.write(records(1, start=2)[0])
    assert [p.name for p in tmp_path.iterdir()] == ["articles-00001.jsonl"]


def test_close_publishes_the_last_shard_and_leaves_no_open_file(tmp_path: Path) -> None:
    writer = ShardWriter(tmp_path, max_records=10)
    write_all(writer, records(3))
    writer.close()
    assert [p.name for p in tmp_path.iterdir()] == ["articles-00001.jsonl"]
    assert not list(tmp_path.glob("*.open"))


def test_no_empty_trailing_shard(tmp_path: Path) -> None:
    with ShardWriter(tmp_path, max_records=3) as writer:
        write_all(writer, records(6))
    assert [s.records for s in writer.shards] == [3, 3]
    assert len(list(tmp_path.iterdir())) == 2


def test_no_records_means_no_shard(tmp_path: Path) -> None:
    with ShardWriter(tmp_path) as writer:
        pass
    assert writer.shards == ()
    assert list(tmp_path.iterdir()) == []


def test_gzip_round_trip(tmp_path: Path) -> None:
    with ShardWriter(tmp_path, max_records=2, gzip=True) as writer:
        write_all(writer, records(3))

    assert [s.name for s in writer.shards] == ["articles-00001.jsonl.gz", "articles-00002.jsonl.gz"]
    assert [r["n"] for s in writer.shards for r in read_lines(tmp_path / s.name)] == [1, 2, 3]
    first = (tmp_path / writer.shards[0].name).read_bytes()
    assert writer.shards[0].sha256 == hashlib.sha256(first).hexdigest()


def test_gzip_bytes_are_reproducible(tmp_path: Path) -> None:
    digests = []
    for run in ("run-a", "run-b"):
        (tmp_path / run).mkdir()
        with ShardWriter(tmp_path / run, gzip=True) as writer:
            write_all(writer, records(4))
        digests.append(writer.shards[0].sha256)
    assert digests[0] == digests[1]
    assert (tmp_path / "run-a/articles-00001.jsonl.gz").read_bytes() == (
        tmp_path / "run-b/articles-00001.jsonl.gz"
    ).read_bytes()


def test_non_latin_text_is_written_unescaped(tmp_path: Path) -> None:
    record = {"title": "Кино и память", "body": "映画 — “cinéma”"}
    with ShardWriter(tmp_path) as writer:
        writer.write(record)

    text = (tmp_path / "articles-00001.jsonl").read_text(encoding="utf-8")
    assert text == '{"title":"Кино и память","body":"映画 — “cinéma”"}\n'


def test_encode_record_is_compact_and_keeps_key_order() -> None:
    assert encode_record({"b": 1, "a": [1, None]}) == b'{"b":1,"a":[1,null]}\n'


def test_write_after_close_is_refused(tmp_path: Path) -> None:
    writer = ShardWriter(tmp_path)
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write({"n": 1})


def test_close_is_idempotent(tmp_path: Path) -> None:
    writer = ShardWriter(tmp_path)
    writer.write({"n": 1})
    writer.close()
    writer.close()
    assert writer.shards == (DataFile("articles-00001.jsonl", 1, writer.shards[0].sha256),)


def test_unserialisable_record_leaves_no_file(tmp_path: Path) -> None:
    writer = ShardWriter(tmp_path)
    with pytest.raises(TypeError):
        writer.write({"n": object()})
    assert list(tmp_path.iterdir()) == []


def test_existing_final_file_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "articles-00001.jsonl").write_bytes(b"earlier run\n")
    writer = ShardWriter(tmp_path, max_records=1)
    with pytest.raises(FileExistsError):
        writer.write({"n": 1})
    assert (tmp_path / "articles-00001.jsonl").read_bytes() == b"earlier run\n"


def test_max_records_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_records"):
        ShardWriter(tmp_path, max_records=0)


def test_abort_leaves_the_shard_in_progress_unpublished(tmp_path: Path) -> None:
    writer = ShardWriter(tmp_path, max_records=2, gzip=True)
    write_all(writer, records(3))
    writer.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "articles-00001.jsonl.gz",
        "articles-00002.jsonl.gz.open",
    ]
    assert [s.name for s in writer.shards] == ["articles-00001.jsonl.gz"]
    with pytest.raises(ValueError, match="closed"):
        writer.write({"n": 4})
