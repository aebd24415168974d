from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.archive.categories import write_categories
from crawler.archive.manifest import Counts, Manifest, write_manifest
from crawler.archive.shards import ShardWriter
from crawler.archive.verify import verify
from crawler.items import Category


def make_run(root: Path, *, gzip: bool = False, records: int = 5) -> Path:
    """A complete run folder: shards of two records, categories, manifest."""
    run = root / "site-20261125T000000Z"
    run.mkdir(parents=True)
    writer = ShardWriter(run, max_records=2, gzip=gzip)
    for number in range(records):
        writer.write({"type": "article", "id": f"{number:07d}", "title": f"Τίτλος {number}"})
    writer.close()
    categories = write_categories(run, [Category(name="N", url="https://a.example/c", articles=[])])
    moment = datetime(2026, 11, 25, tzinfo=UTC)
    manifest = Manifest(
        spider="site",
        arguments={},
        started_at=moment,
        finished_at=moment,
        finish_reason="finished",
        counts=Counts(articles_written=records),
        shards=writer.shards,
        categories=categories,
        settings={},
    )
    write_manifest(run, manifest)
    return run


def damaged(root: Path) -> list[str]:
    return [f"{f.path.name}: {f.message}" for f in verify(root) if f.damaged]


def test_intact_archive_has_no_findings(tmp_path: Path) -> None:
    make_run(tmp_path)
    assert verify(tmp_path) == []


def test_flipped_byte_is_named(tmp_path: Path) -> None:
    shard = make_run(tmp_path) / "articles-00002.jsonl"
    data = bytearray(shard.read_bytes())
    data[10] ^= 0x01
    shard.write_bytes(bytes(data))
    problems = damaged(tmp_path)
    assert problems and all(p.startswith("articles-00002.jsonl: ") for p in problems)
    assert any("sha256" in p for p in problems)


def test_truncated_shard_is_named(tmp_path: Path) -> None:
    shard = make_run(tmp_path) / "articles-00001.jsonl"
    shard.write_bytes(shard.read_bytes()[:-7])
    problems = damaged(tmp_path)
    assert any(p.startswith("articles-00001.jsonl: line 2 is truncated") for p in problems)
    assert any("sha256" in p for p in problems)


def test_deleted_line_is_named(tmp_path: Path) -> None:
    shard = make_run(tmp_path) / "articles-00002.jsonl"
    shard.write_bytes(shard.read_bytes().splitlines(keepends=True)[1])
    problems = damaged(tmp_path)
    assert "articles-00002.jsonl: 1 records, manifest says 2" in problems


def test_missing_shard_and_unlisted_shard(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    (run / "articles-00003.jsonl").rename(run / "articles-00009.jsonl")
    problems = damaged(tmp_path)
    assert "articles-00003.jsonl: missing" in problems
    assert "articles-00009.jsonl: file not listed in manifest.json" in problems


def test_damaged_gzip_shard(tmp_path: Path) -> None:
    shard = make_run(tmp_path, gzip=True) / "articles-00001.jsonl.gz"
    shard.write_bytes(shard.read_bytes()[:-12])
    problems = damaged(tmp_path)
    assert any(p.startswith("articles-00001.jsonl.gz: cannot be read") for p in problems)


def test_run_without_manifest_is_noted_not_damaged(tmp_path: Path) -> None:
    run = tmp_path / "site-20261125T010000Z"
    run.mkdir()
    (run / "articles-00001.jsonl.open").write_bytes(b'{"a": 1}\n')
    findings = verify(tmp_path)
    assert [f.damaged for f in findings] == [False]


@pytest.mark.parametrize("target", ["run", "archive"])
def test_accepts_a_run_folder_or_the_archive_folder(tmp_path: Path, target: str) -> None:
    run = make_run(tmp_path)
    (run / "categories.jsonl").write_bytes(b"not json\n")
    path = run if target == "run" else tmp_path
    assert "categories.jsonl: line 1 is not valid JSON" in damaged(path)


def test_progress_is_told_the_bytes_hashed_of_every_listed_file(tmp_path: Path) -> None:
    run = make_run(tmp_path, records=7)
    listed = sum(p.stat().st_size for p in run.iterdir() if p.name != "manifest.json")
    calls: list[tuple[int, int | None]] = []

    assert verify(tmp_path, lambda done, total: calls.append((done, total))) == []

    assert calls[0] == (0, listed)
    assert calls[-1] == (listed, listed)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)
