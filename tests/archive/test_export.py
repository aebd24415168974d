"""``crawler.archive.export``: Parquet, CSV and JSON Lines of the latest articles, and the
related-link edge table."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawler.archive import iter_records
from crawler.archive.export import ARTICLE_COLUMNS, ExportError, export
from crawler.items import RelatedLink
from tests.archive.reader_runs import article, removed, write_run
from tests.factories import article_url

RUN_1 = "site-20261121T030000Z"
RUN_2 = "site-20261122T030000Z"


def _related(*cards: RelatedLink) -> list[dict[str, Any]]:
    return [
        {"url": c.url, "category": c.category, "summary": c.summary, "published": c.published}
        for c in cards
    ]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    two_links = _related(
        RelatedLink(article_url(2), "Film history", None, "2025-01-02"),
        RelatedLink(article_url(3), None, "Third.", None),
    )
    warc = {"file": "capture-00001.warc.gz", "offset": 304, "record_id": "<urn:uuid:1>"}
    write_run(root, RUN_1, [article(1), article(2, summary=None, warc=warc), article(3)])
    write_run(
        root,
        RUN_2,
        [
            article(1, 2, related=two_links, previous_hash="0" * 64, changed_fields=["related"]),
            removed(3),
        ],
        gzip=True,
    )
    return root


def test_parquet_keeps_blocks_and_related_nested(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.parquet"

    outcome = export(archive, out, "parquet")

    table = pq.read_table(out)
    assert outcome.articles == table.num_rows == 2
    assert table.schema.field("blocks").type == pa.list_(
        pa.struct([("kind", pa.string()), ("text", pa.string())])
    )
    assert pa.types.is_list(table.schema.field("related").type)
    assert table.schema.names == [name for name, _kind in ARTICLE_COLUMNS]
    rows = table.to_pylist()
    for row, record in zip(rows, iter_records(archive), strict=True):
        assert {key: row[key] for key in record} == record
        assert all(row[key] is None for key in row if key not in record)


def test_csv_holds_nested_fields_as_json_text(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"

    export(archive, out, "csv")

    with out.open(encoding="utf-8", newline="") as stored:
        rows = list(csv.DictReader(stored))
    records = list(iter_records(archive))
    assert [row["id"] for row in rows] == [record["id"] for record in records]
    for row, record in zip(rows, records, strict=True):
        assert json.loads(row["blocks"]) == record["blocks"]
        assert json.loads(row["related"]) == record["related"]
        assert row["body"] == record["body"]  # newlines inside a quoted cell
        assert row["version"] == str(record["version"])
    assert rows[0]["summary"] == ""  # null
    assert json.loads(rows[0]["warc"])["offset"] == 304
    assert json.loads(rows[1]["changed_fields"]) == ["related"]


def test_jsonl_holds_the_records_as_archived(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"

    export(archive, out, "jsonl")

    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(iter_records(archive))


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_related_edges(archive: Path, tmp_path: Path, fmt: str) -> None:
    edges = tmp_path / f"edges.{fmt}"

    outcome = export(archive, tmp_path / f"articles.{fmt}", fmt, edges=edges)

    if fmt == "parquet":
        rows = pq.read_table(edges).to_pylist()
    elif fmt == "csv":
        with edges.open(encoding="utf-8", newline="") as stored:
            rows = [{**row, "position": int(row["position"])} for row in csv.DictReader(stored)]
    else:
        rows = [json.loads(line) for line in edges.read_text().splitlines()]
    assert outcome.edges == len(rows) == 3
    assert [(r["source_id"], r["target_id"], r["position"]) for r in rows] == [
        ("0000002", "0000003", 1),  # article 2, version 1: the factory's one card
        ("0000001", "0000002", 1),
        ("0000001", "0000003", 2),
    ]
    assert rows[2]["target_url"] == article_url(3)


def test_extra_keys_become_typed_columns(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_run(
        archive,
        RUN_1,
        [article(1, lang="en", score=1), article(2, score=2.5, tags=["a"]), article(3)],
    )
    out = tmp_path / "articles.parquet"

    export(archive, out, "parquet")

    schema = pq.read_schema(out)
    assert schema.names[-3:] == ["lang", "score", "tags"]
    assert schema.field("lang").type == pa.string()
    assert schema.field("score").type == pa.float64()
    assert pq.read_table(out).column("tags").to_pylist() == [None, '["a"]', None]


def test_an_existing_output_is_replaced_only_when_complete(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    out.write_text("old")
    shard = archive / RUN_1 / "articles-00002.jsonl"
    shard.write_bytes(shard.read_bytes() + b"{broken\n")

    with pytest.raises(ValueError):
        export(archive, out, "csv")

    assert out.read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive", "articles.csv"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("missing", "out.csv", "csv"), "no archive folder"),
        (("archive", "out.xml", "xml"), "unknown format 'xml'"),
        (("archive", "no-folder/out.csv", "csv"), "cannot write"),
        (("archive", "archive", "csv"), "it is a folder"),
    ],
)
def test_refusals(
    archive: Path, tmp_path: Path, arguments: tuple[str, str, str], message: str
) -> None:
    source, out, fmt = arguments
    with pytest.raises(ExportError, match=message):
        export(tmp_path / source, tmp_path / out, fmt)


def _told(calls: list[tuple[int, int | None]]) -> Callable[[int, int | None], None]:
    return lambda done, total: calls.append((done, total))


def test_progress_of_a_csv_export_counts_the_columns_pass_then_the_articles_written(
    archive: Path, tmp_path: Path
) -> None:
    calls: list[tuple[int, int | None]] = []

    export(archive, tmp_path / "articles.csv", "csv", progress=_told(calls))

    assert calls == [(1, None), (2, None), (1, 2), (2, 2)]


def test_progress_of_a_jsonl_export_has_no_total(archive: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int | None]] = []

    export(archive, tmp_path / "articles.jsonl", "jsonl", progress=_told(calls))

    assert calls == [(1, None), (2, None)]
