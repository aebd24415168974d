"""A reparse folder is not a crawl, end to end: a real crawl, a real ``scrapy reparse``, then
what every command and reader says of the archive, typed as a user types them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.archive import iter_records
from sample_site.large import LargeSite
from tests.commands.as_typed import project_folder, scrapy
from tests.folders import archive_folders

pytestmark = pytest.mark.e2e

ARTICLES = 20


@dataclass(frozen=True)
class Reparsed:
    project: Path
    run: str
    reparse: str


@pytest.fixture(scope="module")
def reparsed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reparsed]:
    project = project_folder(tmp_path_factory.mktemp("reparse-folders"))
    with LargeSite(ARTICLES, categories=2) as site:
        crawl = scrapy(
            project,
            "crawl",
            "site",
            "-a",
            f"start_url={site.base_url}",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "LOG_FILE=crawl.log",
        )
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    [run] = archive_folders(project / "data" / "archive")
    result = scrapy(project, "reparse", f"data/archive/{run.name}")
    assert result.returncode == 0, result.stderr
    [reparse] = (project / "data" / "archive").glob("reparse-*")
    yield Reparsed(project, run.name, reparse.name)


def test_the_report_tables_the_reparse_apart_and_counts_no_article_twice(
    reparsed: Reparsed,
) -> None:
    result = scrapy(reparsed.project, "report")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == "1 run(s) and 1 reparse folder(s) in data/archive"
    _header, _rule, row, end = lines[2:6]
    assert row.split()[0] == reparsed.run and row.split()[3] == str(ARTICLES)  # new
    assert end == ""
    at = lines.index("reparse folders: runs' records extracted again from their captures:")
    name, source, _made, articles, removed, lost = lines[at + 3].split()
    assert (name, source, articles, removed, lost) == (
        reparsed.reparse,
        reparsed.run,
        str(ARTICLES),
        "0",
        "0",
    )
    assert sum(reparsed.reparse in line for line in lines) == 1


def test_verify_checks_both(reparsed: Reparsed) -> None:
    result = scrapy(reparsed.project, "verify")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "verify: 1 run(s) and 1 reparse folder(s) in data/archive OK\n",
        "",
    )


def test_export_and_the_readers_read_each_article_once(reparsed: Reparsed) -> None:
    result = scrapy(reparsed.project, "export", "--format", "jsonl", "--out", "out.jsonl")
    assert result.stdout == f"export: {ARTICLES} articles -> out.jsonl (jsonl)\n"
    archive = reparsed.project / "data" / "archive"
    crawled = list(iter_records(archive, latest=False))
    again = list(iter_records(archive, latest=False, reparsed=True))
    assert len(crawled) == len(again) == ARTICLES
    assert {r.get("reparsed_from") for r in crawled} == {None}
    assert {r["reparsed_from"] for r in again} == {reparsed.run}


def test_a_reparse_of_the_reparse_is_refused(reparsed: Reparsed) -> None:
    result = scrapy(reparsed.project, "reparse", f"data/archive/{reparsed.reparse}")
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (
        1,
        "",
        [
            f"error: scrapy reparse: data/archive/{reparsed.reparse} is a reparse folder: "
            f"reparse its source run, data/archive/{reparsed.run}, instead"
        ],
    )
    assert len(archive_folders(reparsed.project / "data" / "archive")) == 2
