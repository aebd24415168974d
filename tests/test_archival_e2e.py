"""Scheduled archival crawls end to end: 3,000 articles on 127.0.0.1, one state folder.

The sequence an archivist's cron lives through, each step a real ``scrapy crawl site``:

1. the first crawl is killed with SIGKILL three times and resumed each time, while a second
   crawl on the same state is refused;
2. a rerun against the unchanged site;
3. a rerun after 10 articles changed and 5 were removed;
4. a rerun after the site renamed every class of its article template, texts unchanged.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crawler.archive.categories import CATEGORIES_FILE
from crawler.archive.recover import completed_shards, run_records
from crawler.archive.shards import encode_record
from crawler.archive.verify import verify
from crawler.archive.warc import read_record
from crawler.contract import ARTICLE_FIELDS
from crawler.reparse import reparse_run
from crawler.schema import validate
from crawler.urls import path_key
from sample_site.large import LargeSite
from tests.folders import archive_folders

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 3_000
KILL_AT = (500, 1_300, 2_100)
CHANGED = [f"{2_000_000 + n}" for n in range(100, 1_100, 100)]
REMOVED = [f"{2_000_000 + n}" for n in range(150, 650, 100)]
#: Fast local crawls: no AutoThrottle pacing, nothing between commits but the interval. Every
#: run checks every archived article (a bound on staleness of 0): this sequence is about
#: resumes, conditional requests and versions; the revisit policy has test_revisit_e2e.py.
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
    "ARCHIVE_SHARD_ITEMS": "1000",
    "REVISIT_MAX_AGE_DAYS": "0",
    "REVISIT_MAX_AGE_DAYS_TRUSTED": "0",
}

pytestmark = pytest.mark.e2e


@dataclass
class Step:
    """One ``scrapy crawl``: its exit status, stderr, what the site served, its run folder."""

    returncode: int
    stderr: str
    served: Counter[tuple[str, int]]
    run_dir: Path | None

    def manifest(self) -> dict[str, Any]:
        assert self.run_dir is not None
        result: dict[str, Any] = json.loads((self.run_dir / "manifest.json").read_bytes())
        return result

    def records(self) -> list[dict[str, Any]]:
        assert self.run_dir is not None
        return list(run_records(completed_shards(self.run_dir)))


@dataclass
class Sequence:
    tmp: Path
    site: LargeSite
    steps: dict[str, Step] = field(default_factory=dict)
    killed: list[int] = field(default_factory=list)
    refused: subprocess.CompletedProcess[str] | None = None
    first_downloads: int = 0
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)

    def command(self, *extra: str) -> list[str]:
        command = [sys.executable, "-m", "scrapy", "crawl", "site"]
        command += ["-a", f"start_url={self.site.base_url}"]
        settings = {
            **SETTINGS,
            "ARCHIVE_DIR": str(self.tmp / "archive"),
            "STATE_DIR": str(self.tmp / "state"),
            "LOG_FILE": str(self.tmp / f"crawl-{len(self.steps)}-{len(self.killed)}.log"),
        }
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        return [*command, *extra]

    def run_dirs(self) -> list[Path]:
        archive = self.tmp / "archive"
        return archive_folders(archive)

    def crawl(self, name: str) -> Step:
        before = set(self.run_dirs())
        self.site.reset_counts()
        result = subprocess.run(
            self.command(), cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
        )
        new = sorted(set(self.run_dirs()) - before)
        step = Step(result.returncode, result.stderr, self.site.counts(), new[-1] if new else None)
        self.steps[name] = step
        return step

    def crawl_killed(self, after_articles: int) -> None:
        """Start a crawl and SIGKILL it once the site has served ``after_articles`` pages;
        while it runs, a second crawl on the same state must be refused."""
        crawl = subprocess.Popen(self.command(), cwd=ROOT, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while self.site.article_fetches() < after_articles and time.monotonic() < deadline:
            if self.refused is None and self.site.article_fetches() > 0:
                self.refused = subprocess.run(
                    self.command(), cwd=ROOT, capture_output=True, text=True, timeout=60
                )
            time.sleep(0.02)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait()
        self.killed.append(self.site.article_fetches())


@pytest.fixture(scope="module")
def sequence(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sequence]:
    with LargeSite(ARTICLES) as site:
        run = Sequence(tmp_path_factory.mktemp("archival"), site)
        for threshold in KILL_AT:
            run.crawl_killed(threshold)
        run.crawl("first")
        run.first_downloads = run.killed[-1] + run.steps["first"].served["article", 200]
        run.expected = {i: site.expected_record(i) for i in site.article_ids()}
        run.crawl("unchanged")
        site.change(CHANGED)
        site.remove(REMOVED[:3], status=410)
        site.remove(REMOVED[3:], status=404)
        run.crawl("changed")
        site.set_redesign(True)
        run.crawl("redesigned")
        yield run


def contract(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key in ARTICLE_FIELDS}


def archived(run: Sequence) -> list[dict[str, Any]]:
    """Every record in every completed shard of every run folder."""
    return [
        record for run_dir in run.run_dirs() for record in run_records(completed_shards(run_dir))
    ]


# -- 1. killed three times, resumed -----------------------------------------------------------


def test_the_resumed_crawl_finishes_in_the_killed_runs_folder(sequence: Sequence) -> None:
    first = sequence.steps["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.run_dir is None  # no new folder: the killed run was continued
    [run_dir] = sequence.run_dirs()[:1]
    manifest = json.loads((run_dir / "manifest.json").read_bytes())
    assert len(manifest["resumed_at"]) == len(KILL_AT)
    assert manifest["finish_reason"] == "finished"


def test_every_article_is_archived_exactly_once_across_the_kills(sequence: Sequence) -> None:
    [run_dir] = sequence.run_dirs()[:1]
    records = list(run_records(completed_shards(run_dir)))
    ids = Counter(record["id"] for record in records)
    assert [i for i, n in ids.items() if n > 1] == []
    assert set(ids) == set(sequence.expected)
    for record in records:
        assert contract(record) == sequence.expected[record["id"]], record["id"]
        assert record["version"] == 1


def test_the_manifest_counts_what_the_shards_hold(sequence: Sequence) -> None:
    [run_dir] = sequence.run_dirs()[:1]
    manifest = json.loads((run_dir / "manifest.json").read_bytes())
    assert manifest["counts"]["articles"] == {
        "new": ARTICLES,
        "changed": 0,
        "unchanged": 0,
        "removed": 0,
    }
    assert manifest["counts"]["articles_written"] == ARTICLES
    assert sum(shard["records"] for shard in manifest["shards"]) == ARTICLES
    assert verify(run_dir) == []


def test_full_downloads_stay_close_to_the_article_count(sequence: Sequence) -> None:
    # Each kill may cost what was in flight (16 concurrent requests) and what finished in the
    # last commit interval without its record: far below a restart's 3,000.
    assert sequence.killed == sorted(sequence.killed) and len(sequence.killed) == 3
    assert ARTICLES <= sequence.first_downloads <= ARTICLES + 40 * len(KILL_AT)


def test_no_partial_line_and_no_open_shard_remain(sequence: Sequence) -> None:
    for run_dir in sequence.run_dirs():
        assert list(run_dir.glob("*.open")) == []
        for shard in completed_shards(run_dir):
            assert shard.read_bytes().endswith(b"\n")


def test_a_second_crawl_on_the_same_state_is_refused(sequence: Sequence) -> None:
    refused = sequence.refused
    assert refused is not None
    assert refused.returncode == 3
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "in use by another crawl" in errors[0]
    assert "Traceback" not in refused.stderr


# -- 2. unchanged rerun -------------------------------------------------------------------------


def test_an_unchanged_rerun_writes_no_article_record(sequence: Sequence) -> None:
    step = sequence.steps["unchanged"]
    assert step.returncode == 0, step.stderr[-3000:]
    assert step.records() == []
    assert step.manifest()["counts"]["articles"] == {
        "new": 0,
        "changed": 0,
        "unchanged": ARTICLES,
        "removed": 0,
    }


def test_an_unchanged_rerun_is_answered_304_for_nearly_every_article(sequence: Sequence) -> None:
    served = sequence.steps["unchanged"].served
    assert served["article", 304] >= 0.99 * ARTICLES
    assert served["article", 200] <= 0.01 * ARTICLES
    assert served["category", 200] > 0 and served["home", 200] == 1  # always refetched


# -- 3. ten changed, five removed ----------------------------------------------------------------


def test_changed_articles_get_exactly_one_version_2_record_each(sequence: Sequence) -> None:
    step = sequence.steps["changed"]
    assert step.returncode == 0, step.stderr[-3000:]
    articles = [record for record in step.records() if record["type"] == "article"]
    assert sorted(record["id"] for record in articles) == sorted(CHANGED)
    first = {r["id"]: r for r in archived(sequence) if r.get("version") == 1}
    for record in articles:
        assert record["version"] == 2
        assert record["previous_hash"] == first[record["id"]]["content_hash"]
        assert record["changed_fields"] and set(record["changed_fields"]) <= set(ARTICLE_FIELDS)
        assert contract(record) == sequence.site.expected_record(record["id"])


def test_removed_articles_get_exactly_one_removed_record_each(sequence: Sequence) -> None:
    removed = [r for r in sequence.steps["changed"].records() if r["type"] == "removed"]
    assert sorted(r["id"] for r in removed) == sorted(REMOVED)
    statuses = {r["id"]: r["status"] for r in removed}
    assert [statuses[i] for i in REMOVED] == [410, 410, 410, 404, 404]
    for record in removed:
        assert set(record) == {"type", "url", "id", "status", "last_seen", "schema_version"}
        assert record["url"] == sequence.site.article_url(record["id"])
    counts = sequence.steps["changed"].manifest()["counts"]["articles"]
    assert counts == {
        "new": 0,
        "changed": len(CHANGED),
        "unchanged": ARTICLES - len(CHANGED) - len(REMOVED),
        "removed": len(REMOVED),
    }


# -- 4. redesigned template, same texts ---------------------------------------------------------


def test_a_redesign_that_keeps_the_text_changes_no_record(sequence: Sequence) -> None:
    step = sequence.steps["redesigned"]
    assert step.returncode == 0, step.stderr[-3000:]
    assert step.records() == []
    live = ARTICLES - len(REMOVED)
    assert step.served["article", 200] == live  # every page is new bytes...
    assert step.manifest()["counts"]["articles"]["unchanged"] == live  # ...with the same record
    assert step.manifest()["alarms"] == []


def test_every_record_of_the_killed_run_points_to_its_capture(sequence: Sequence) -> None:
    [run_dir] = sequence.run_dirs()[:1]
    for record in run_records(completed_shards(run_dir)):
        capture = read_record(run_dir, record["warc"])
        assert capture.rec_type == "response"
        assert path_key(str(capture.rec_headers.get_header("WARC-Target-URI"))) == path_key(
            record["url"]
        )


def test_reparse_of_the_killed_run_reproduces_it(sequence: Sequence) -> None:
    [run_dir] = sequence.run_dirs()[:1]
    outcome = reparse_run(run_dir)
    try:
        assert outcome.identical == ARTICLES and not outcome.lost and not outcome.differing
        old = [encode_record(r) for r in run_records(completed_shards(run_dir))]
        new = list(run_records(completed_shards(outcome.target)))
        for record in new:
            del record["reparsed_at"], record["reparsed_from"]
        assert [encode_record(r) for r in new] == old
    finally:
        shutil.rmtree(outcome.target)


def test_scrapy_report_tables_every_run(sequence: Sequence) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "report", str(sequence.tmp / "archive")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = result.stdout.splitlines()
    run_table = lines[: lines.index("requests by purpose, and freshness after each run:")]
    rows = {line.split()[0]: line.split()[3:9] for line in run_table if line.startswith("site-")}
    # new, changed, unchanged, removed, failed, alarms; in run order.
    assert list(rows.values())[:4] == [
        [str(ARTICLES), "0", "0", "0", "3", "0"],
        ["0", "0", str(ARTICLES), "0", "3", "0"],
        ["0", "10", str(ARTICLES - 15), "5", "8", "0"],
        ["0", "0", str(ARTICLES - 5), "0", "8", "0"],
    ]
    assert any(line.startswith("categories of the latest crawl") for line in lines)


def test_a_crawl_ends_with_a_summary_on_stderr(sequence: Sequence) -> None:
    stderr = sequence.steps["changed"].stderr
    assert "finished: 0 new, 10 changed, 2985 unchanged, 5 removed articles" in stderr


def test_every_run_verifies(sequence: Sequence) -> None:
    archive = sequence.tmp / "archive"
    assert verify(archive) == []
    assert len(sequence.run_dirs()) == 4
    assert (sequence.tmp / "state").is_dir()


def test_every_record_of_every_run_follows_its_schema(sequence: Sequence) -> None:
    categories = [
        json.loads(line)
        for run_dir in sequence.run_dirs()
        for line in (run_dir / CATEGORIES_FILE).read_bytes().splitlines()
    ]
    records = [*archived(sequence), *categories]
    assert {record["type"] for record in records} == {"article", "removed", "category"}
    assert {record["version"] for record in records if record["type"] == "article"} == {1, 2}
    for record in records:
        validate(record)
