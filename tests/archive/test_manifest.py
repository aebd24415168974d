from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import crawler
from crawler.archive.manifest import MANIFEST_FILE, Counts, Manifest, iso_utc, write_manifest
from crawler.archive.shards import DataFile
from crawler.coverage import Coverage

STARTED = datetime(2025, 8, 6, 9, 0, 0, tzinfo=UTC)
FINISHED = datetime(2025, 8, 6, 9, 30, 15, 500, tzinfo=UTC)
RESUMED = datetime(2025, 8, 6, 9, 10, 0, tzinfo=UTC)


def make_manifest(**overrides: Any) -> Manifest:
    fields: dict[str, Any] = {
        "spider": "site",
        "arguments": {"start": "home", "category": "film-history"},
        "started_at": STARTED,
        "finished_at": FINISHED,
        "finish_reason": "finished",
        "counts": Counts(
            articles_written=3,
            categories_written=1,
            articles={"new": 2, "changed": 1, "removed": 1},
            duplicate_urls=2,
            duplicate_contents=1,
            dropped={"missing_title": 1, "bad_published": 2},
            pages_failed={"503": 1, "404": 2},
            unaccounted=1,
        ),
        "shards": [
            DataFile("articles-00001.jsonl", 2, "a" * 64),
            DataFile("articles-00002.jsonl", 1, "b" * 64),
        ],
        "categories": DataFile("categories.jsonl", 1, "c" * 64),
        "settings": {"ARCHIVE_SHARD_ITEMS": 2, "ARCHIVE_GZIP": False},
        "coverage": Coverage(40, {"title": 1.0, "summary": 0.95}),
        "resumed_at": [RESUMED],
        "alarms": ["field 'summary' was found on 10% of 40 article pages"],
        "archive_coverage": Coverage(300, {"title": 1.0, "summary": 0.9}),
        "requests": {"due": 12, "listing": 3},
        "freshness": {"bound_days": 30.0, "overdue": 0},
        "lastmod": {"state": "trusted"},
    }
    fields.update(overrides)
    return Manifest(**fields)


def test_to_dict_has_the_documented_shape() -> None:
    assert make_manifest().to_dict() == {
        "format": 3,
        "project_version": crawler.__version__,
        "spider": "site",
        "arguments": {"category": "film-history", "start": "home"},
        "started_at": "2025-08-06T09:00:00Z",
        "resumed_at": ["2025-08-06T09:10:00Z"],
        "finished_at": "2025-08-06T09:30:15Z",
        "finish_reason": "finished",
        "counts": {
            "articles_written": 3,
            "categories_written": 1,
            "articles": {"new": 2, "changed": 1, "unchanged": 0, "removed": 1},
            "duplicates": {"url": 2, "content": 1},
            "dropped": {"bad_published": 2, "missing_title": 1},
            "pages_failed": {"404": 2, "503": 1},
            "unaccounted": 1,
        },
        "coverage": {"pages": 40, "fields": {"summary": 0.95, "title": 1.0}},
        "archive_coverage": {"pages": 300, "fields": {"summary": 0.9, "title": 1.0}},
        "requests": {"due": 12, "listing": 3},
        "freshness": {"bound_days": 30.0, "overdue": 0},
        "lastmod": {"state": "trusted"},
        "alarms": ["field 'summary' was found on 10% of 40 article pages"],
        "template": None,
        "shards": [
            {"name": "articles-00001.jsonl", "records": 2, "sha256": "a" * 64},
            {"name": "articles-00002.jsonl", "records": 1, "sha256": "b" * 64},
        ],
        "categories": {"name": "categories.jsonl", "records": 1, "sha256": "c" * 64},
        "warcs": [],
        "settings": {"ARCHIVE_GZIP": False, "ARCHIVE_SHARD_ITEMS": 2},
    }


def test_unordered_maps_are_sorted_in_the_text() -> None:
    text = make_manifest().to_json().decode()
    assert text.index('"category"') < text.index('"start"')
    assert text.index('"bad_published"') < text.index('"missing_title"')
    assert text.index('"ARCHIVE_GZIP"') < text.index('"ARCHIVE_SHARD_ITEMS"')


def test_shards_keep_their_order() -> None:
    shards = [
        DataFile("articles-00002.jsonl", 1, "b" * 64),
        DataFile("articles-00001.jsonl", 1, "a" * 64),
    ]
    names = [s["name"] for s in make_manifest(shards=shards).to_dict()["shards"]]
    assert names == ["articles-00002.jsonl", "articles-00001.jsonl"]


def test_json_is_indented_utf8() -> None:
    data = make_manifest(arguments={"category": "Кино"}).to_json()
    assert data.startswith(b'{\n  "format": 3,')
    assert data.endswith(b"}\n")
    assert "Кино".encode() in data


def test_argument_that_is_not_json_is_written_as_text() -> None:
    data = json.loads(make_manifest(arguments={"path": Path("seeds.txt")}).to_json())
    assert data["arguments"] == {"path": "seeds.txt"}


def test_iso_utc_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        iso_utc(datetime(2025, 8, 6))


def test_write_manifest_publishes_manifest_json(tmp_path: Path) -> None:
    manifest = make_manifest()
    path = write_manifest(tmp_path, manifest)
    assert path == tmp_path / MANIFEST_FILE
    assert json.loads(path.read_bytes()) == manifest.to_dict()
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST_FILE]
