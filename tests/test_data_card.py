"""Every Python and SQL block of ``data/README.md`` (the data card) runs against a real
archive (``tests.sample_archive``), from a folder whose ``data/archive`` is that archive, and
the queries that claim to give each article's latest version give what ``iter_records`` does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crawler.archive import iter_records
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
