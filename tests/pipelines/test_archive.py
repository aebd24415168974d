from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.python.failure import Failure

import crawler as crawler_package
from crawler.archive.warc import read_record
from crawler.coverage import COVERAGE_FIELDS
from crawler.items import Capture, PageCapture
from crawler.pipelines.archive import ArchivePipeline
from crawler.revisit import PURPOSES
from crawler.schema import SCHEMA_VERSION
from tests import folders
from tests.crawlers import project_crawler
from tests.factories import (
    article_dict,
    article_url,
    category_url,
    make_article,
    make_category_page,
)

STARTED = datetime(2025, 8, 6, 9, 0, 0, tzinfo=UTC)
FINISHED = datetime(2025, 8, 6, 9, 42, 7, tzinfo=UTC)
RUN_NAME = "site-20250806T090000Z"


class SiteSpider(Spider):
    name = "site"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arguments = dict(kwargs)


def make_pipeline(tmp_path: Path, **settings: Any) -> tuple[ArchivePipeline, Crawler]:
    crawler = project_crawler(SiteSpider, {"ARCHIVE_DIR": str(tmp_path / "archive"), **settings})
    crawler.spider = SiteSpider.from_crawler(crawler, category="film-history")
    pipeline = ArchivePipeline.from_crawler(crawler)
    times: Iterator[datetime] = iter([STARTED, FINISHED])
    pipeline.clock = lambda: next(times)
    return pipeline, crawler


def run(pipeline: ArchivePipeline, crawler: Crawler, items: list[Any]) -> Path:
    pipeline.open_spider()
    for item in items:
        pipeline.process_item(item)
    send_spider_closed(pipeline, crawler)
    assert pipeline.run_dir is not None
    return pipeline.run_dir


def send_spider_closed(
    pipeline: ArchivePipeline, crawler: Crawler, reason: str = "finished"
) -> None:
    """Send the real signal, to prove the pipeline is connected to it, and fail on its errors
    (other receivers, such as CoreStats, expect a spider_opened this test never sent)."""
    results = crawler.signals.send_catch_log(
        signals.spider_closed, spider=crawler.spider, reason=reason
    )
    [ours] = [result for receiver, result in results if receiver == pipeline.spider_closed]
    assert not isinstance(ours, Failure), ours


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.splitlines()]


def test_defaults_come_from_the_project_settings() -> None:
    pipeline = ArchivePipeline.from_crawler(project_crawler(SiteSpider, {"STATE_ENABLED": False}))
    assert pipeline.root == Path("data/archive")
    assert pipeline.shard_items == 10_000
    assert pipeline.gzip is False


def test_run_dir_is_named_by_spider_and_start_and_exposed_in_stats(tmp_path: Path) -> None:
    pipeline, crawler = make_pipeline(tmp_path)
    run_dir = run(pipeline, crawler, [])
    assert run_dir == tmp_path / "archive" / RUN_NAME
    assert crawler.stats is not None
    assert crawler.stats.get_value("archive/run_dir") == str(run_dir)


def test_a_second_run_in_the_same_second_gets_its_own_dir(tmp_path: Path) -> None:
    first = run(*make_pipeline(tmp_path), [make_article(1)])
    second = run(*make_pipeline(tmp_path), [make_article(2)])
    assert second.name == f"{RUN_NAME}-2"
    assert read_jsonl(first / "articles-00001.jsonl")[0]["url"] == article_url(1)


def test_articles_rotate_into_shards(tmp_path: Path) -> None:
    pipeline, crawler = make_pipeline(tmp_path, ARCHIVE_SHARD_ITEMS=3)
    run_dir = run(pipeline, crawler, [make_article(n) for n in range(1, 8)])

    names = ["articles-00001.jsonl", "articles-00002.jsonl", "articles-00003.jsonl"]
    assert sorted(p.name for p in run_dir.iterdir()) == [
        *names,
        "categories.jsonl",
        "manifest.json",
    ]
    assert [len(read_jsonl(run_dir / name)) for name in names] == [3, 3, 1]
    assert crawler.stats is not None
    assert crawler.stats.get_value("archive/articles_written") == 7


def test_manifest_lists_shards_with_their_digests(tmp_path: Path) -> None:
    pipeline, crawler = make_pipeline(tmp_path, ARCHIVE_SHARD_ITEMS=3)
    run_dir = run(pipeline, crawler, [make_article(n) for n in range(1, 8)])

    shards = folders.manifest(run_dir)["shards"]
    assert [(s["name"], s["records"]) for s in shards] == [
        ("articles-00001.jsonl", 3),
        ("articles-00002.jsonl", 3),
        ("articles-00003.jsonl", 1),
    ]
    for shard in shards:
        assert shard["sha256"] == hashlib.sha256((run_dir / shard["name"]).read_bytes()).hexdigest()


def test_article_record_is_the_item_in_field_order(tmp_path: Path) -> None:
    article = make_article(1)
    pipeline, crawler = make_pipeline(tmp_path)
    run_dir = run(pipeline, crawler, [article])

    line = (run_dir / "articles-00001.jsonl").read_bytes().decode()
    expected = {**article.to_record(), "schema_version": SCHEMA_VERSION}
    assert json.loads(line) == expected
    assert list(json.loads(line)) == list(expected)
    assert line.startswith('{"type":"article","url":')
    assert json.loads(line)["blocks"][0] == {"kind": "heading", "text": "Part 1"}


def test_dict_article_is_written_in_contract_key_order(tmp_path: Path) -> None:
    shuffled = dict(reversed(list(article_dict(1, extra="kept").items())))
    pipeline, crawler = make_pipeline(tmp_path)
    run_dir = run(pipeline, crawler, [shuffled])

    [record] = read_jsonl(run_dir / "articles-00001.jsonl")
    assert list(record) == [*make_article(1).to_record(), "extra", "schema_version"]


def test_gzip_setting_writes_gzip_shards(tmp_path: Path) -> None:
    pipeline, crawler = make_pipeline(tmp_path, ARCHIVE_GZIP=True, ARCHIVE_SHARD_ITEMS=2)
    run_dir = run(pipeline, crawler, [make_article(n) for n in range(1, 4)])

    manifest = folders.manifest(run_dir)
    assert [s["name"] for s in manifest["shards"]] == [
        "articles-00001.jsonl.gz",
        "articles-00002.jsonl.gz",
    ]
    assert manifest["settings"] == {"ARCHIVE_GZIP": True, "ARCHIVE_SHARD_ITEMS": 2}
    urls = [r["url"] for s in manifest["shards"] for r in read_jsonl(run_dir / s["name"])]
    assert urls == [article_url(n) for n in range(1, 4)]


def test_category_pages_merge_in_page_order(tmp_path: Path) -> None:
    pages = [
        make_category_page("national-cinemas", page=3, articles=(7,)),
        make_category_page("film-history", page=2, articles=(4, 1), name="Film history"),
        make_category_page("national-cinemas", page=1, articles=(1, 2)),
        make_category_page("film-history", page=1, articles=(3,), name="Film history"),
        {
            "type": "category_page",
            "name": "National cinemas",
            "url": category_url("national-cinemas", 2),
            "page": 2,
            "articles": [article_url(2), article_url(5)],
        },
    ]
    pipeline, crawler = make_pipeline(tmp_path)
    run_dir = run(pipeline, crawler, pages)

    assert read_jsonl(run_dir / "categories.jsonl") == [
        {
            "type": "category",
            "name": "Film history",
            "url": category_url("film-history"),
            "articles": [article_url(n) for n in (3, 4, 1)],
            "schema_version": SCHEMA_VERSION,
        },
        {
            "type": "category",
            "name": "National cinemas",
            "url": category_url("national-cinemas"),
            "articles": [article_url(n) for n in (1, 2, 5, 7)],
            "schema_version": SCHEMA_VERSION,
        },
    ]
    assert crawler.stats is not None
    assert crawler.stats.get_value("archive/categories_written") == 2


def test_manifest_records_the_run(tmp_path: Path) -> None:
    pipeline, crawler = make_pipeline(tmp_path, ARCHIVE_SHARD_ITEMS=5)
    assert crawler.stats is not None
    for key, value in {
        "validate/dropped/missing_title": 2,
        "validate/dropped/bad_published": 1,
        "dedup/duplicate_url": 4,
        "dedup/duplicate_content": 1,
        "pages/failed/404": 3,
        "pages/failed/TimeoutError": 1,
        "downloader/request_count": 50,
    }.items():
        crawler.stats.set_value(key, value)
    pipeline.open_spider()
    for item in [make_article(1), make_article(2), make_category_page()]:
        pipeline.process_item(item)
    send_spider_closed(pipeline, crawler, reason="closespider_itemcount")

    assert pipeline.run_dir is not None
    manifest = folders.manifest(pipeline.run_dir)
    categories_bytes = (pipeline.run_dir / "categories.jsonl").read_bytes()
    shard_bytes = (pipeline.run_dir / "articles-00001.jsonl").read_bytes()
    assert manifest == {
        "format": 3,
        "project_version": crawler_package.__version__,
        "spider": "site",
        "arguments": {"category": "film-history"},
        "started_at": "2025-08-06T09:00:00Z",
        "resumed_at": [],
        "finished_at": "2025-08-06T09:42:07Z",
        "finish_reason": "closespider_itemcount",
        "counts": {
            "articles_written": 2,
            "categories_written": 1,
            "articles": {"new": 0, "changed": 0, "unchanged": 0, "removed": 0},
            "duplicates": {"url": 4, "content": 1},
            "dropped": {"bad_published": 1, "missing_title": 2},
            "pages_failed": {"404": 3, "TimeoutError": 1},
            "unaccounted": 0,
        },
        "coverage": {"pages": 0, "fields": dict.fromkeys(sorted(COVERAGE_FIELDS), 0.0)},
        "archive_coverage": None,
        "requests": dict.fromkeys(PURPOSES, 0),
        "freshness": None,
        "lastmod": None,
        "alarms": [],
        "template": None,
        "shards": [
            {
                "name": "articles-00001.jsonl",
                "records": 2,
                "sha256": hashlib.sha256(shard_bytes).hexdigest(),
            }
        ],
        "categories": {
            "name": "categories.jsonl",
            "records": 1,
            "sha256": hashlib.sha256(categories_bytes).hexdigest(),
        },
        "warcs": [],
        "settings": {"ARCHIVE_GZIP": False, "ARCHIVE_SHARD_ITEMS": 5},
    }


def test_spider_without_arguments_attribute_gives_empty_arguments(tmp_path: Path) -> None:
    pipeline, crawler = make_pipeline(tmp_path)
    assert crawler.spider is not None
    delattr(crawler.spider, "arguments")
    assert folders.manifest(run(pipeline, crawler, []))["arguments"] == {}


def test_files_appear_under_final_names_only_when_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renames: list[tuple[str, bool, bytes]] = []
    real_rename = Path.rename

    def spy(self: Path, target: Any) -> Path:
        target = Path(target)
        renames.append((target.name, target.exists(), self.read_bytes()))
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", spy)
    pipeline, crawler = make_pipeline(tmp_path, ARCHIVE_SHARD_ITEMS=3)
    pipeline.open_spider()
    assert pipeline.run_dir is not None
    for n in range(1, 8):
        pipeline.process_item(make_article(n))
        finished = sorted(p.name for p in pipeline.run_dir.glob("*.jsonl"))
        assert [len(read_jsonl(pipeline.run_dir / name)) for name in finished] == [3] * (n // 3)
        in_progress = list(pipeline.run_dir.glob("*.open"))
        assert len(in_progress) == (1 if n % 3 else 0)
    assert not (pipeline.run_dir / "manifest.json").exists()
    send_spider_closed(pipeline, crawler)

    assert [(name, existed) for name, existed, _ in renames] == [
        ("articles-00001.jsonl", False),
        ("articles-00002.jsonl", False),
        ("articles-00003.jsonl", False),
        ("categories.jsonl", False),
        ("manifest.json", False),
    ]
    # What was renamed is exactly what readers find: nothing is appended after publishing.
    for name, _, content in renames:
        assert (pipeline.run_dir / name).read_bytes() == content
    assert not list(pipeline.run_dir.glob("*.open"))


def test_closing_logs_one_summary_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="crawler.pipelines.archive")
    pipeline, crawler = make_pipeline(tmp_path, ARCHIVE_SHARD_ITEMS=2)
    run_dir = run(pipeline, crawler, [make_article(n) for n in range(1, 4)])

    [record] = [r for r in caplog.records if r.name == "crawler.pipelines.archive"]
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert str(run_dir) in message
    assert "3 articles in 2 shards" in message


def test_items_pass_through_unchanged(tmp_path: Path) -> None:
    pipeline, crawler = make_pipeline(tmp_path)
    pipeline.open_spider()
    items = [make_article(1), make_category_page(), {"type": "other"}]
    assert [pipeline.process_item(item) for item in items] == items
    send_spider_closed(pipeline, crawler)


def test_a_captured_article_is_stored_as_warc_before_its_record(tmp_path: Path) -> None:
    pipeline, crawler = make_pipeline(tmp_path)
    article = make_article(1)
    article.capture = Capture(
        url=article.url,
        method="GET",
        request_headers=[],
        status=200,
        reason="OK",
        headers=[("Content-Type", "text/html")],
        body=b"<html>essay</html>",
        fetched_at=STARTED,
    )
    run_dir = run(pipeline, crawler, [article, make_article(2)])

    first, second = read_jsonl(run_dir / "articles-00001.jsonl")
    assert read_record(run_dir, first["warc"]).content == b"<html>essay</html>"
    assert "warc" not in second  # nothing captured, nothing to point to
    assert article.capture is None  # the bytes are not kept once stored
    assert folders.manifest(run_dir)["warcs"][0]["name"] == first["warc"]["file"]


def test_warc_can_be_switched_off(tmp_path: Path) -> None:
    pipeline, crawler = make_pipeline(tmp_path, WARC_ENABLED=False)
    article = make_article(1)
    article.capture = Capture("u", "GET", [], 200, "OK", [], b"x", STARTED)
    run_dir = run(pipeline, crawler, [article])
    assert not list(run_dir.glob("capture-*"))
    assert folders.manifest(run_dir)["warcs"] == []


def kept(purpose: str, path: str, body: bytes) -> PageCapture:
    return PageCapture(
        capture=Capture(
            url=f"http://127.0.0.1:8000{path}",
            method="GET",
            request_headers=[],
            status=200,
            reason="OK",
            headers=[("Content-Type", "text/css")],
            body=body,
            fetched_at=STARTED,
        ),
        purpose=purpose,
    )


def test_listings_and_requisites_are_kept_with_no_record_and_then_revisited(
    tmp_path: Path,
) -> None:
    counted = []
    for run_number in range(2):
        pipeline, crawler = make_pipeline(tmp_path)
        pipeline.open_spider()
        css = kept("requisite", "/static/site.css", b"body {}")
        home = kept("listing", "/", b"<p>home</p>" if run_number == 0 else b"<p>new</p>")
        for item in (css, home):
            with pytest.raises(DropItem, match="kept for replay"):
                pipeline.process_item(item)
        send_spider_closed(pipeline, crawler)
        assert crawler.stats is not None and pipeline.run_dir is not None
        counted.append(
            {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("warc/")}
        )
        assert not list(pipeline.run_dir.glob("articles-*"))  # no record points to them
    assert counted[0] == {"warc/kept/requisite": 1, "warc/kept/listing": 1}
    # The stylesheet unchanged is a revisit; the home page, changed, is stored again.
    assert counted[1] == {"warc/kept/requisite": 1, "warc/kept/listing": 1, "warc/revisits": 1}
    assert (tmp_path / "archive" / "payloads.sqlite").exists()
