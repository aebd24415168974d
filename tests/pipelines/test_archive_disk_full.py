"""A disk that fills up mid-run, on a real (tiny) tmpfs: completed shards stay intact, the shard
in progress stays ``.open``, no manifest claims the run complete, the failure is in the stats."""

from __future__ import annotations

import hashlib
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from crawler.archive.shards import DataFile
from crawler.stats import FAILED_KEY
from tests.factories import make_article
from tests.pipelines.test_archive import make_pipeline, send_spider_closed


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / f"tiny-{uuid.uuid4().hex[:8]}"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_disk_full_leaves_completed_shards_intact(tiny_disk: Path) -> None:
    pipeline, crawler = make_pipeline(tiny_disk, ARCHIVE_SHARD_ITEMS=20)
    pipeline.open_spider()
    written = 0
    with pytest.raises(DropItem, match="archive write failed"):
        for n in range(1, 10_000):
            pipeline.process_item(make_article(n, body="x" * 400))
            written += 1
    assert crawler.stats is not None
    assert "No space left on device" in str(crawler.stats.get_value(FAILED_KEY))
    send_spider_closed(pipeline, crawler, reason="archive_failed")

    assert pipeline.run_dir is not None and pipeline.folder is not None
    shards: tuple[DataFile, ...] = pipeline.folder.shards
    assert shards, "some shards completed before the disk filled"
    for shard in shards:
        data = (pipeline.run_dir / shard.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == shard.sha256
        assert data.count(b"\n") == shard.records == 20
    assert list(pipeline.run_dir.glob("*.open")), "the shard in progress stays .open"
    assert not (pipeline.run_dir / "manifest.json").exists()
    with pytest.raises(DropItem):  # later items are refused, not silently lost
        pipeline.process_item(make_article(written + 2))
    assert crawler.stats.get_value("archive/dropped_after_failure") == 1
