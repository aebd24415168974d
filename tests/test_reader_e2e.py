"""The reader on a real archive: two crawls of the sample site on one state folder, some
articles changed and some removed in between (``tests.sample_archive``). ``iter_records`` and
DuckDB's ``read_json`` over the shards must agree on every article's latest version."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from crawler.archive import iter_records, load_dataframe, shard_paths
from crawler.archive.export import export
from sample_site.expected import site_summary
from tests.folders import archive_folders
from tests.sample_archive import TwoRuns, two_run_archive

pytestmark = pytest.mark.e2e

#: Each article's latest version: the highest, unless a later run has a removed record for it.
LATEST_SQL = """
    WITH records AS (
        SELECT type, id, version, content_hash, parse_dirpath(filename) AS run
        FROM read_json({shards}, filename = true)
    ),
    latest AS (
        SELECT id, max(version) AS version, arg_max(content_hash, version) AS content_hash,
               arg_max(run, version) AS run
        FROM records WHERE type = 'article' GROUP BY id
    ),
    gone AS (SELECT id, max(run) AS run FROM records WHERE type = 'removed' GROUP BY id)
    SELECT latest.id, latest.version, latest.content_hash
    FROM latest LEFT JOIN gone USING (id)
    WHERE gone.run IS NULL OR gone.run < latest.run
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    return two_run_archive(tmp_path_factory)


def test_the_archive_has_two_runs_mixing_plain_and_gzip_shards(built: TwoRuns) -> None:
    runs = archive_folders(built.archive)
    assert len(runs) == 2
    assert all((run / "manifest.json").exists() for run in runs)
    shards = shard_paths(built.archive)
    assert any(s.endswith(".jsonl") for s in shards) and any(s.endswith(".gz") for s in shards)


def test_iter_records_and_duckdb_agree_on_latest_versions(built: TwoRuns) -> None:
    from_reader = {
        record["id"]: (record["version"], record["content_hash"])
        for record in iter_records(built.archive)
    }
    relation = duckdb.sql(LATEST_SQL.format(shards=shard_paths(built.archive)))
    assert relation is not None
    rows = relation.fetchall()
    from_duckdb = {article_id: (version, digest) for article_id, version, digest in rows}

    assert len(rows) == len(from_duckdb) == len(from_reader)
    assert from_duckdb == from_reader


def test_latest_versions_reflect_the_changes_and_removals(built: TwoRuns) -> None:
    latest = {record["id"]: record for record in iter_records(built.archive)}
    summary = site_summary()
    archived = set(summary["archived_ids"])
    # The archive keeps whichever copy of a republished pair it met first.
    original = {copy: first for first, copy in summary["duplicates"]}

    assert len(latest) == len(archived) - len(built.removed)
    assert {original.get(i, i) for i in latest} == archived - set(built.removed)
    assert {i for i, record in latest.items() if record["version"] == 2} == set(built.changed)
    for article_id in built.changed:
        assert latest[article_id]["changed_fields"] == ["body", "blocks"]
    gone = [record["id"] for record in iter_records(built.archive, type="removed")]
    assert sorted(gone) == sorted(built.removed)
    versions = list(iter_records(built.archive, latest=False))
    assert len(versions) == len(archived) + len(built.changed)


def test_load_dataframe_matches_iter_records(built: TwoRuns) -> None:
    frame = load_dataframe(built.archive)
    records = list(iter_records(built.archive))

    assert frame["id"].tolist() == [record["id"] for record in records]
    assert frame["version"].tolist() == [record["version"] for record in records]
    assert frame["blocks"].tolist() == [record["blocks"] for record in records]


def test_parquet_export_of_the_real_archive(built: TwoRuns, tmp_path: Path) -> None:
    out, edges = tmp_path / "articles.parquet", tmp_path / "edges.parquet"

    export(built.archive, out, "parquet", edges=edges)

    rows = pq.read_table(out).to_pylist()
    records = list(iter_records(built.archive))
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        assert {key: row[key] for key in record} == record
    edge_rows = pq.read_table(edges).num_rows
    assert edge_rows == sum(len(record["related"]) for record in records) > 0
