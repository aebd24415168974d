"""End to end: the bundled sample site on 127.0.0.1, a real ``scrapy crawl site`` subprocess,
every archived record against its expected JSON.

Two ways the site can name itself: by the server's own origin, and by a public origin
(``https://articles.example``) while served from loopback, as a mirror would be.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.archive.recover import completed_shards, run_records
from crawler.archive.shards import encode_record
from crawler.archive.verify import verify
from crawler.archive.warc import read_record
from crawler.contract import ARTICLE_FIELDS
from crawler.digests import content_hash
from crawler.reparse import reparse_record
from crawler.schema import SCHEMA_VERSION
from crawler.urls import path_key
from sample_site.expected import (
    expected_categories,
    expected_duplicates,
    expected_records,
    site_summary,
)
from sample_site.server import RequestRecord, SampleSite
from tests.folders import archive_folders

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_ORIGIN = "https://articles.example"
SUMMARY = site_summary()


@dataclass
class Crawl:
    origin: str
    base_url: str
    returncode: int
    seconds: float
    run_dir: Path
    log: str
    requests: list[RequestRecord]

    def records(self) -> list[dict[str, Any]]:
        shards = sorted(self.run_dir.glob("articles-*.jsonl"))
        lines = [line for shard in shards for line in shard.read_text("utf-8").splitlines()]
        return [json.loads(line) for line in lines]

    def manifest(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.run_dir / "manifest.json").read_bytes())
        return result


def contract_part(record: dict[str, Any]) -> dict[str, Any]:
    """The record without the version fields a crawl adds (checked on their own)."""
    return {key: value for key, value in record.items() if key in ARTICLE_FIELDS}


def run_crawl(
    tmp_path: Path, public_origin: str | None, spider: str = "site", **arguments: str
) -> Crawl:
    """Crawl the sample site with ``spider``; ``{base}`` in an argument is the server's URL."""
    archive = tmp_path / "archive"
    log_file = tmp_path / "crawl.log"
    with SampleSite(public_origin=public_origin) as site:
        started = time.monotonic()
        arguments = arguments or {"start_url": "{base}"}
        command = [sys.executable, "-m", "scrapy", "crawl", spider]
        for name, value in arguments.items():
            command += ["-a", f"{name}={value.format(base=site.base_url)}"]
        command += ["-s", f"ARCHIVE_DIR={archive}", "-s", f"STATE_DIR={tmp_path / 'state'}"]
        command += ["-s", "ARCHIVE_SHARD_ITEMS=100", "-s", "LOG_LEVEL=DEBUG"]
        command += ["-s", f"LOG_FILE={log_file}"]
        result = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        seconds = time.monotonic() - started
        requests = site.requests
    [run_dir] = archive_folders(archive)
    log = log_file.read_text(encoding="utf-8") + result.stderr
    return Crawl(site.origin, site.base_url, result.returncode, seconds, run_dir, log, requests)


@pytest.fixture(scope="module", params=["own-origin", "public-origin"])
def crawl(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    public = PUBLIC_ORIGIN if request.param == "public-origin" else None
    return run_crawl(tmp_path_factory.mktemp(request.param), public)


def test_crawl_exits_cleanly(crawl: Crawl) -> None:
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert "Traceback" not in crawl.log
    assert crawl.manifest()["finish_reason"] == "finished"


def test_every_record_is_exactly_its_expected_json(crawl: Crawl) -> None:
    expected = expected_records(crawl.origin) | expected_duplicates(crawl.origin)
    for record in crawl.records():
        assert record["id"] in expected, f"unexpected record {record['url']}"
        for field, value in expected[record["id"]].items():
            assert record[field] == value, f"{record['id']}: {field}"


def test_a_first_crawl_writes_every_article_at_version_1(crawl: Crawl) -> None:
    for record in crawl.records():
        assert record["version"] == 1
        assert record["content_hash"] == content_hash(record)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["fetched_at"])
        assert "previous_hash" not in record and "changed_fields" not in record
    articles = crawl.manifest()["counts"]["articles"]
    assert articles == {
        "new": len(SUMMARY["archived_ids"]),
        "changed": 0,
        "unchanged": 0,
        "removed": 0,
    }


def test_each_article_archived_once_and_none_missing(crawl: Crawl) -> None:
    ids = Counter(record["id"] for record in crawl.records())
    assert [i for i, n in ids.items() if n > 1] == []
    pairs = [tuple(pair) for pair in SUMMARY["duplicates"]]
    for pair in pairs:  # the first copy met is kept, the other counted as a duplicate
        assert sum(i in ids for i in pair) == 1, pair
    kept_once = set(SUMMARY["archived_ids"]) - {i for pair in pairs for i in pair}
    assert kept_once <= set(ids)
    assert len(ids) == len(SUMMARY["archived_ids"])
    assert len({record["url"] for record in crawl.records()}) == len(ids)


def test_categories_are_exactly_as_expected(crawl: Crawl) -> None:
    lines = (crawl.run_dir / "categories.jsonl").read_text(encoding="utf-8").splitlines()
    categories = {record["url"]: record for record in map(json.loads, lines)}
    assert categories == {
        url: {**category, "schema_version": SCHEMA_VERSION}
        for url, category in expected_categories(crawl.origin).items()
    }


def test_manifest_counts_what_happened(crawl: Crawl) -> None:
    counts = crawl.manifest()["counts"]
    assert counts["articles_written"] == len(SUMMARY["archived_ids"])
    assert counts["duplicates"] == {"url": 0, "content": len(SUMMARY["duplicates"])}
    assert counts["dropped"] == {"missing_title": 2, "missing_body": 2}
    assert counts["pages_failed"]["404"] >= len(SUMMARY["not_found_ids"])
    assert verify(crawl.run_dir) == []


def test_no_disallowed_path_and_no_page_fetched_twice(crawl: Crawl) -> None:
    targets = Counter(request.target for request in crawl.requests)
    for path in SUMMARY["disallowed_paths"]:
        assert not any(target.startswith(path) for target in targets), path
    flaky = {f"/page.php?p={i}" for i in SUMMARY["flaky_ids"]}
    repeated = {t for t, n in targets.items() if n > 1} - flaky - {"/robots.txt"}
    assert repeated == set()
    for target in flaky:  # 503 once, then retried and archived
        assert targets[target] == 2


def test_no_request_to_another_host(crawl: Crawl) -> None:
    fetched = re.findall(r"\((?:\d{3})\) <GET (\S+)>", crawl.log)
    assert fetched, "the DEBUG log lists crawled URLs"
    assert [url for url in fetched if not url.startswith(crawl.base_url)] == []
    assert "links/offsite" in crawl.log  # links to elsewhere.example were seen and dropped


def test_category_spider_archives_one_category_and_its_articles(tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path, None, "category", url="{base}category.php?c=documentary")
    assert crawl.returncode == 0, crawl.log[-3000:]
    [category] = [
        c for c in expected_categories(crawl.origin).values() if c["name"] == "Documentary"
    ]
    lines = (crawl.run_dir / "categories.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [{**category, "schema_version": SCHEMA_VERSION}]

    expected = expected_records(crawl.origin) | expected_duplicates(crawl.origin)
    records = crawl.records()
    for record in records:
        assert contract_part(record) == expected[record["id"]]
    archived = {record["url"] for record in records}
    copies = {url: other for pair in SUMMARY["duplicates"] for url, other in (pair, pair[::-1])}
    url_of = {record["id"]: record["url"] for record in expected.values()}
    for record in expected.values():
        if record["url"] in category["articles"]:  # archived, or its other copy is
            partner = url_of.get(copies.get(record["id"], ""))
            assert record["url"] in archived or partner in archived, record["url"]
    other_listings = [
        r.target
        for r in crawl.requests
        if r.path == "/category.php" and "c=documentary" not in r.target
    ]
    assert other_listings == []


def test_article_spider_archives_just_the_listed_articles(tmp_path: Path) -> None:
    wanted = ["0301014", "0301756", SUMMARY["not_found_ids"][0]]
    urls = ",".join(f"{{base}}page.php?p={article_id}" for article_id in wanted)
    crawl = run_crawl(tmp_path, None, "article", url=urls)
    assert crawl.returncode == 0, crawl.log[-3000:]
    expected = expected_records(crawl.origin)
    assert sorted(r["id"] for r in crawl.records()) == wanted[:2]
    for record in crawl.records():
        assert contract_part(record) == expected[record["id"]]
    assert crawl.manifest()["counts"]["pages_failed"] == {"404": 1}
    assert sorted(r.target for r in crawl.requests if r.path != "/robots.txt") == sorted(
        f"/page.php?p={article_id}" for article_id in wanted
    )


def test_every_record_points_to_the_response_it_came_from(crawl: Crawl) -> None:
    records = crawl.records()
    assert records and all(record.get("warc") for record in records)
    for record in records:
        capture = read_record(crawl.run_dir, record["warc"])
        assert capture.rec_type == "response"
        fetched = str(capture.rec_headers.get_header("WARC-Target-URI"))
        assert fetched.startswith(crawl.base_url)
        assert path_key(fetched) == path_key(record["url"])
        assert reparse_record(crawl.run_dir, record) == record  # it gives this very record


def test_reparse_rebuilds_the_run_byte_for_byte(crawl: Crawl) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "reparse", str(crawl.run_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [target] = [p for p in crawl.run_dir.parent.iterdir() if p.name.startswith("reparse-")]
    old = [encode_record(r) for r in run_records(completed_shards(crawl.run_dir))]
    new = list(run_records(completed_shards(target)))
    assert {(r.pop("reparsed_from"), bool(r.pop("reparsed_at"))) for r in new} == {
        (crawl.run_dir.name, True)
    }
    assert [encode_record(r) for r in new] == old
    assert f"{len(old)} identical" in result.stdout
    assert verify(target) == []
    shutil.rmtree(target)
