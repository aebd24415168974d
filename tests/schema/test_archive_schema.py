"""End to end: one real crawl of the bundled sample site, and every line the archive wrote,
articles (with their WARC pointers) and categories, valid under its schema."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.archive.categories import CATEGORIES_FILE
from crawler.archive.recover import completed_shards
from crawler.schema import SCHEMA_VERSION, validate
from tests.test_crawl_e2e import PUBLIC_ORIGIN, Crawl, run_crawl

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return run_crawl(tmp_path_factory.mktemp("schema"), PUBLIC_ORIGIN)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def written(crawl: Crawl) -> list[dict[str, Any]]:
    files = [*completed_shards(crawl.run_dir), crawl.run_dir / CATEGORIES_FILE]
    return [record for path in files for record in lines(path)]


def test_the_crawl_finishes(crawl: Crawl) -> None:
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.manifest()["finish_reason"] == "finished"


def test_every_line_of_every_shard_validates(crawl: Crawl) -> None:
    records = written(crawl)
    types = Counter(record["type"] for record in records)
    assert types["article"] == crawl.manifest()["counts"]["articles_written"] > 0
    assert types["category"] == crawl.manifest()["counts"]["categories_written"] > 0
    assert all("warc" in record for record in records if record["type"] == "article")
    for record in records:
        assert record["schema_version"] == SCHEMA_VERSION
        validate(record)


def test_no_record_was_dropped_by_the_schema(crawl: Crawl) -> None:
    assert "schema" not in crawl.manifest()["counts"]["dropped"]
    assert "schema: " not in crawl.log
