from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.archive.manifest import Counts, Manifest
from crawler.archive.runfolder import RunFolder
from crawler.items import Category

BASE = "site-20250806T090507Z"
STARTED = datetime(2025, 8, 6, 9, 5, 7, tzinfo=UTC)


def record(n: int) -> dict[str, object]:
    return {"type": "article", "url": f"https://a.example/{n}", "version": 1}


def manifest() -> Manifest:
    return Manifest(
        spider="site",
        arguments={},
        started_at=STARTED,
        finished_at=STARTED,
        finish_reason="finished",
        counts=Counts(),
        settings={},
    )


def test_existing_folders_are_never_reused(tmp_path: Path) -> None:
    made = [RunFolder.create(tmp_path / "archive", BASE).path for _ in range(3)]
    assert [p.name for p in made] == [BASE, f"{BASE}-2", f"{BASE}-3"]
    assert all(p.is_dir() and not any(p.iterdir()) for p in made)


def test_existing_content_is_left_alone(tmp_path: Path) -> None:
    earlier = tmp_path / BASE
    earlier.mkdir()
    (earlier / "manifest.json").write_text("{}")
    assert RunFolder.create(tmp_path, BASE).path.name == f"{BASE}-2"
    assert (earlier / "manifest.json").read_text() == "{}"


def test_a_finished_folder_lists_its_own_files_in_its_manifest(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, BASE)
    folder.open_writers(shard_items=2, gzip=False)
    for n in range(3):
        folder.write(record(n))
    folder.write_categories([Category(name="Film", url="https://a.example/c", articles=[])])
    written = folder.finish(manifest())

    saved = json.loads((folder.path / "manifest.json").read_bytes())
    assert [s["name"] for s in saved["shards"]] == ["articles-00001.jsonl", "articles-00002.jsonl"]
    assert [s["records"] for s in saved["shards"]] == [2, 1]
    assert saved["categories"]["records"] == 1 and written.categories.records == 1
    assert folder.finished and not list(folder.path.glob("*.open"))


def test_no_manifest_before_the_categories(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, BASE)
    with pytest.raises(RuntimeError, match="categories"):
        folder.finish(manifest())
    assert not folder.finished


def test_an_abandoned_folder_is_resumed_after_its_complete_records(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, BASE)
    folder.open_writers(shard_items=2, gzip=False)
    for n in range(3):
        folder.write(record(n))
    folder.abandon()
    assert [p.name for p in folder.path.glob("*.open")] == ["articles-00002.jsonl.open"]
    assert not folder.finished

    resumed = RunFolder.resume(folder.path)
    assert [p.name for p in resumed.recovered] == ["articles-00002.jsonl"]
    assert [s.records for s in resumed.existing_shards] == [2, 1]
    assert [r["url"] for r in resumed.records()] == [f"https://a.example/{n}" for n in range(3)]
    resumed.open_writers(shard_items=2, gzip=False)
    resumed.write(record(3))
    resumed.write_categories(())
    resumed.finish(manifest())
    assert [s.name for s in resumed.shards][-1] == "articles-00003.jsonl"
