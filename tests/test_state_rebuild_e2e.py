"""A state file cut to half its size, and the way back: ``scrapy state rebuild``.

The sequence, each step a real subprocess against one small generated site: a first crawl;
``state.sqlite`` truncated to half; the next crawl refused in one line before any request;
the command that line names, run as it says; then the next day's crawl on the rebuilt state,
and for comparison the same crawl on a copy of the state as the first crawl left it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.state.sqlite_schema import DB_FILE
from sample_site.large import LargeSite
from tests.daily import ROOT, DailyCrawls, Run

pytestmark = pytest.mark.e2e


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@dataclass
class Sequence:
    work: Path
    first: Run
    archive_before: dict[str, str]
    damaged: str
    refused: Run
    archive_after: dict[str, str]
    rebuild: subprocess.CompletedProcess[str]
    after: Run
    control: Run


@pytest.fixture(scope="module")
def sequence(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sequence]:
    work = tmp_path_factory.mktemp("rebuild")
    with LargeSite(40, categories=2) as site:
        crawls = DailyCrawls(site, work / "crawls")
        first = crawls.crawl(0)
        state = crawls.work / "state"
        shutil.copytree(state, work / "control" / "state")
        archive_before = _digests(crawls.work / "archive")
        db = state / DB_FILE
        os.truncate(db, db.stat().st_size // 2)
        damaged = hashlib.sha256(db.read_bytes()).hexdigest()
        refused = crawls.crawl(1)
        archive_after = _digests(crawls.work / "archive")
        named = re.search(r"run `([^`]+)`", refused.stderr)
        assert named is not None, refused.stderr
        command = shlex.split(named[1])
        assert command[:3] == ["scrapy", "state", "rebuild"]
        rebuild = subprocess.run(
            [sys.executable, "-m", *command],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        after = crawls.crawl(1)
        control = DailyCrawls(site, work / "control").crawl(1)
    yield Sequence(
        crawls.work,
        first,
        archive_before,
        damaged,
        refused,
        archive_after,
        rebuild,
        after,
        control,
    )


def test_a_truncated_state_stops_the_crawl_in_one_line_before_any_request(
    sequence: Sequence,
) -> None:
    assert sequence.first.returncode == 0, sequence.first.stderr[-2000:]
    state, archive = sequence.work / "state", sequence.work / "archive"
    assert sequence.refused.returncode == 1
    assert sequence.refused.stderr.splitlines() == [
        f"error: scrapy crawl site: the crawl state {state}/{DB_FILE} cannot be read (database "
        f"disk image is malformed); run `scrapy state rebuild --state-dir {state} {archive}` "
        "to rebuild it from the archive"
    ]
    assert sum(sequence.refused.served.values()) == 0
    assert sequence.refused.run_dirs == []


def test_the_archive_is_untouched(sequence: Sequence) -> None:
    assert sequence.archive_after == sequence.archive_before


def test_the_rebuild_keeps_the_damaged_file_aside(sequence: Sequence) -> None:
    state, archive = sequence.work / "state", sequence.work / "archive"
    assert sequence.rebuild.returncode == 0, sequence.rebuild.stderr
    assert sequence.rebuild.stderr == ""
    line = re.fullmatch(
        rf"state rebuild: {re.escape(str(state))} from 1 run\(s\) in {re.escape(str(archive))}: "
        rf"40 articles, 0 removed; the old one kept as {re.escape(str(state))}/"
        rf"(state\.sqlite\.damaged-\d{{8}}T\d{{6}}Z)\n",
        sequence.rebuild.stdout,
    )
    assert line is not None, sequence.rebuild.stdout
    kept = state / line[1]
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == sequence.damaged


def test_the_next_crawl_is_incremental(sequence: Sequence) -> None:
    after, control = sequence.after, sequence.control
    assert after.returncode == 0, after.stderr[-2000:]
    assert after.records() == []
    asked = after.articles
    # What it asks for is checked conditionally, and is what the undamaged state asks for.
    assert asked and {status for _id, status in asked} == {304}
    assert control.returncode == 0 and asked == control.articles
