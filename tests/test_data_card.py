"""Every Python and SQL block of ``data/README.md`` (the data card) runs against a real
archive (``tests.sample_archive``), from a folder whose ``data/archive`` is that archive, and
the queries that claim to give each article's latest version give what ``iter_records`` does.
A reparse folder added to the archive changes what no block gives: its records are copies.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crawler.archive import iter_records
from crawler.reparse import reparse_run
from tests.folders import archive_folders
from tests.sample_archive import two_run_archive

pytestmark = pytest.mark.e2e

CARD = Path(__file__).resolve().parent.parent / "data" / "README.md"
BLOCKS = re.findall(r"^```(python|sql)\n(.*?)^```$", CARD.read_text("utf-8"), re.M | re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where ``data/archive`` is the two-run archive, as in a checkout."""
    archive = two_run_archive(tmp_path_factory).archive
    folder = tmp_path_factory.mktemp("data-card")
    (folder / "data").mkdir()
    (folder / "data" / "archive").symlink_to(archive, target_is_directory=True)
    return folder


@pytest.fixture(scope="module")
def with_reparse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder as ``workdir``, whose archive also holds a reparse folder of its first run."""
    archive = two_run_archive(tmp_path_factory).archive
    folder = tmp_path_factory.mktemp("data-card-reparse")
    copy = folder / "data" / "archive"
    shutil.copytree(archive, copy, copy_function=os.link)
    first = min(archive_folders(copy))
    outcome = reparse_run(first)
    assert outcome.reparsed > 200 and not outcome.lost
    return folder


def run_block(language: str, code: str) -> dict[str, Any]:
    if language == "sql":
        relation = duckdb.sql(code)
        assert relation is not None, "not a query"
        return {"rows": relation.fetchall()}
    namespace: dict[str, Any] = {"__name__": "data_card"}
    exec(compile(code, str(CARD), "exec"), namespace)
    return namespace


def test_the_card_has_python_and_sql_blocks() -> None:
    languages = [language for language, _code in BLOCKS]
    assert languages.count("python") >= 3 and languages.count("sql") >= 2


@pytest.mark.parametrize(
    ("language", "code"), BLOCKS, ids=[f"{i}-{lang}" for i, (lang, _) in enumerate(BLOCKS)]
)
def test_block_runs(
    language: str, code: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    result = run_block(language, code)
    if language == "sql":
        assert result["rows"], "the query returned no rows"


def test_latest_versions_in_the_card_agree_with_iter_records(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    expected = {r["id"]: (r["version"], r["content_hash"]) for r in iter_records("data/archive")}
    found: dict[str, Any] = {}
    for language, code in BLOCKS:
        if language == "python":
            namespace = run_block(language, code)
            found.update(
                {name: namespace[name] for name in ("articles", "latest") if name in namespace}
            )
    assert set(found) == {"articles", "latest"}
    for name, frame in found.items():
        got = dict(
            zip(frame["id"], zip(frame["version"], frame["content_hash"], strict=True), strict=True)
        )
        assert len(frame) == len(got) == len(expected), name
        assert got == expected, name


def comparable(result: dict[str, Any]) -> dict[str, str]:
    """What a block gave: its rows, or the data its names hold (frames, dicts, lists); rows
    in any order (a query without ORDER BY gives them as DuckDB's threads finish)."""
    shown = {}
    for name, value in result.items():
        if hasattr(value, "to_dict"):
            shown[name] = repr(sorted(map(repr, value.to_dict("records"))))
        elif isinstance(value, dict | list) and not name.startswith("__"):
            shown[name] = repr(sorted(map(repr, value)) if name == "rows" else value)
    return shown


@pytest.mark.parametrize(
    ("language", "code"), BLOCKS, ids=[f"{i}-{lang}" for i, (lang, _) in enumerate(BLOCKS)]
)
def test_a_reparse_folder_changes_no_block(
    language: str, code: str, workdir: Path, with_reparse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    without = comparable(run_block(language, code))
    monkeypatch.chdir(with_reparse)
    assert [p.name for p in Path("data/archive").iterdir() if p.name.startswith("reparse-")]
    assert comparable(run_block(language, code)) == without


def test_the_category_query_counts_each_version_once(
    with_reparse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(with_reparse)
    [query] = [code for language, code in BLOCKS if "GROUP BY category" in code]
    records = list(iter_records("data/archive", latest=False))
    versions = Counter(record["category"] for record in records)
    ids = {name: len({r["id"] for r in records if r["category"] == name}) for name in versions}
    rows = run_block("sql", query)["rows"]
    assert rows == [(name, versions[name], ids[name]) for name in sorted(versions)]
    assert sum(versions.values()) < 2 * len({record["id"] for record in records})
