"""The state extension: a new run, a killed run taken over, an unfinished run given up."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider

from crawler.archive.recover import completed_shards, run_records
from crawler.archive.runfolder import RunFolder
from crawler.archive.shards import encode_record
from crawler.digests import content_hash
from crawler.extensions.state import CrawlStateExtension
from crawler.state.sqlite import SQLiteState
from tests.crawlers import project_crawler
from tests.factories import make_article

STARTED = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)
LATER = datetime(2025, 8, 6, 10, 0, tzinfo=UTC)


class SiteSpider(Spider):
    name = "site"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arguments = dict(kwargs)


def record(n: int) -> bytes:
    fields = make_article(n).to_record()
    fields.update(version=1, content_hash=content_hash(fields), fetched_at="2025-08-06T09:0Z")
    return encode_record(fields)


def killed_run(tmp_path: Path, arguments: dict[str, str]) -> Path:
    """A state whose run was killed after one finished shard (2 records) and an open shard
    holding one complete record and a torn one; returns the run folder."""
    run_dir = tmp_path / "archive" / "site-20250806T090000Z"
    run_dir.mkdir(parents=True)
    (run_dir / "articles-00001.jsonl").write_bytes(record(1) + record(2))
    (run_dir / "articles-00002.jsonl.open").write_bytes(record(3) + record(4)[:20])
    state = SQLiteState(tmp_path / "state")
    run, _ = state.begin_run("site", arguments, STARTED)
    run.run_dir = str(run_dir)
    state.save_run(run)
    state.close()
    return run_dir


def extension(tmp_path: Path, **arguments: str) -> CrawlStateExtension:
    crawler = project_crawler(SiteSpider)
    assert crawler.stats is not None
    return CrawlStateExtension(
        crawler.stats,
        SQLiteState(tmp_path / "state"),
        commit_interval=1.0,
        clock=lambda: LATER,
    ).open(SiteSpider(**arguments))


def test_a_first_crawl_begins_a_new_run(tmp_path: Path) -> None:
    started = extension(tmp_path, start_url="https://a/")
    assert not started.run.resumed and started.given_up_dir is None
    assert started.stats.get_value("state/resumed") is None
    started.state.close()


def test_a_killed_run_is_taken_over_with_its_records(tmp_path: Path) -> None:
    run_dir = killed_run(tmp_path, {"start_url": "https://a/"})
    resumed = extension(tmp_path, start_url="https://a/")
    try:
        assert resumed.run.resumes == [LATER] and resumed.run.run_dir == str(run_dir)
        # What the archive pipeline does with the resumed run's folder.
        folder = RunFolder.resume(run_dir)
        resumed.adopt(folder, own=True)
        assert [shard.name for shard in folder.existing_shards] == [
            "articles-00001.jsonl",
            "articles-00002.jsonl",
        ]
        assert [shard.records for shard in folder.existing_shards] == [2, 1]
        assert resumed.stats.get_value("state/recovered_records") == 3
        # Exact, from the shards: the killed process may not have saved its last counts.
        assert resumed.run.counters["articles/new"] == 3
        assert resumed.run.counters["archive/articles_written"] == 3
        known = resumed.state.article("/page.php?p=0000003")
        assert known is not None and known.version == 1 and not known.removed
    finally:
        resumed.state.close()


def test_an_unfinished_run_with_other_arguments_is_given_up_keeping_its_records(
    tmp_path: Path,
) -> None:
    run_dir = killed_run(tmp_path, {"start_url": "https://a/"})
    fresh = extension(tmp_path, start_url="https://b/")
    try:
        assert not fresh.run.resumed and fresh.run.run_dir is None
        assert fresh.given_up_dir == run_dir
        fresh.adopt(RunFolder.resume(run_dir), own=False)
        assert fresh.stats.get_value("state/recovered_records") is None
        assert [r["id"] for r in run_records(completed_shards(run_dir))] == [
            "0000001",
            "0000002",
            "0000003",
        ]
        assert not list(run_dir.glob("*.open"))
        # Entered into the state: the new run sees it archived (version 1, its digest), and
        # will write it again only if it changed.
        known = fresh.state.article("/page.php?p=0000003")
        assert known is not None and (known.version, known.content_hash) == (
            1,
            content_hash(json.loads(record(3))),
        )
    finally:
        fresh.state.close()


def test_a_run_killed_after_its_manifest_counts_as_finished(tmp_path: Path) -> None:
    run_dir = killed_run(tmp_path, {"start_url": "https://a/"})
    (run_dir / "articles-00002.jsonl.open").unlink()
    (run_dir / "manifest.json").write_text('{"coverage": {"pages": 2, "fields": {}}}')
    fresh = extension(tmp_path, start_url="https://a/")
    try:
        assert not fresh.run.resumed and fresh.run.run_dir is None
        assert fresh.state.previous_coverage("site", min_pages=1) is not None
    finally:
        fresh.state.close()


def test_without_an_archive_the_run_finishes_with_the_spider(tmp_path: Path) -> None:
    crawler = project_crawler(SiteSpider)
    assert crawler.stats is not None
    spider = SiteSpider(start_url="https://a/")
    first = CrawlStateExtension(
        crawler.stats,
        SQLiteState(tmp_path / "state"),
        commit_interval=1.0,
        archived=False,
        clock=lambda: LATER,
    ).open(spider)
    first.spider_closed(spider, "finished")
    first.engine_stopped()
    second = extension(tmp_path, start_url="https://a/")
    try:
        assert not second.run.resumed and second.run.id != first.run.id
    finally:
        second.state.close()
