"""A distributed crawl end to end: two ``scrapy crawl site`` workers sharing one Redis, on a
generated 3,000-article site served on 127.0.0.1.

1. Both start; one is killed with SIGKILL a third of the way through; the other takes its
   part over (its folder recovered and finished, its requests queued again) and finishes the
   crawl on its own. Every article is archived exactly once across the two folders.
2. Two workers crawl the unchanged site again: the state they share (versions, validators)
   makes it an incremental run, answered 304 and writing no record.
"""

from __future__ import annotations

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

from crawler.archive.recover import completed_shards, run_records
from crawler.archive.verify import verify
from crawler.contract import ARTICLE_FIELDS
from sample_site.large import LargeSite
from tests.folders import archive_folders, manifest

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 3_000
KILL_AT = 1_000
#: A killed worker is taken for dead 3 s after its last heartbeat (15 s by default).
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
    "ARCHIVE_SHARD_ITEMS": "500",
    "REDIS_HEARTBEAT_INTERVAL": "0.5",
    "REDIS_WORKER_TIMEOUT": "3",
}

#: The rerun checks every archived article (a bound on staleness of 0): this sequence is about
#: the state the workers share; the revisit policy's workers have test_workers_revisit_e2e.py.
CHECK_ALL = {"REVISIT_MAX_AGE_DAYS": "0", "REVISIT_MAX_AGE_DAYS_TRUSTED": "0"}

pytestmark = pytest.mark.e2e


@dataclass
class Crawl:
    tmp: Path
    site: LargeSite
    redis_url: str
    exits: dict[str, int] = field(default_factory=dict)
    killed_at: int = 0
    first_downloads: int = 0
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)
    rerun: Counter[tuple[str, int]] = field(default_factory=Counter)
    #: The folders of the first run (the killed worker's, the survivor's).
    first: list[Path] = field(default_factory=list)

    def command(self, worker: str, step: str, extra: dict[str, str] | None = None) -> list[str]:
        command = [sys.executable, "-m", "scrapy", "crawl", "site"]
        command += ["-a", f"start_url={self.site.base_url}"]
        settings = {
            **SETTINGS,
            "REDIS_URL": self.redis_url,
            "REDIS_WORKER_ID": worker,
            "ARCHIVE_DIR": str(self.tmp / "archive"),
            "LOG_FILE": str(self.tmp / f"{step}-{worker}.log"),
            **(extra or {}),
        }
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        return command

    def start(
        self, worker: str, step: str, extra: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(worker, step, extra), cwd=ROOT, stderr=subprocess.PIPE, text=True
        )

    def run_dirs(self) -> list[Path]:
        return archive_folders(self.tmp / "archive")

    def log(self, step: str, worker: str) -> str:
        return (self.tmp / f"{step}-{worker}.log").read_text()


def wait(process: subprocess.Popen[str]) -> int:
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return process.returncode


@pytest.fixture(scope="module")
def crawl(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    with LargeSite(ARTICLES) as site:
        run = Crawl(tmp_path_factory.mktemp("workers"), site, redis_url)
        killed, survivor = run.start("a", "first"), run.start("b", "first")
        deadline = time.monotonic() + 300
        while site.article_fetches() < KILL_AT and time.monotonic() < deadline:
            time.sleep(0.02)
        killed.send_signal(signal.SIGKILL)
        killed.communicate()
        run.killed_at = site.article_fetches()
        run.exits["b"] = wait(survivor)
        run.first_downloads = site.article_fetches()
        run.expected = {i: site.expected_record(i) for i in site.article_ids()}
        run.first = run.run_dirs()

        site.reset_counts()
        again = [run.start(worker, "rerun", CHECK_ALL) for worker in ("a", "b")]
        for worker, process in zip(("a", "b"), again, strict=True):
            run.exits[f"rerun-{worker}"] = wait(process)
        run.rerun = site.counts()
        yield run


def test_the_killed_worker_was_killed_mid_crawl(crawl: Crawl) -> None:
    assert KILL_AT <= crawl.killed_at < ARTICLES * 0.6
    assert crawl.exits["b"] == 0


def test_each_worker_wrote_its_own_folder(crawl: Crawl) -> None:
    first = crawl.first
    assert [d.name.rsplit("-", 1)[-1] for d in first] == ["a", "b"]
    killed, survivor = (manifest(d) for d in first)
    assert killed["finish_reason"] == "worker_lost"
    assert survivor["finish_reason"] == "finished"
    assert "'workers/taken_over': 1" in crawl.log("first", "b")


def test_every_article_is_archived_exactly_once_across_the_folders(crawl: Crawl) -> None:
    records = [r for d in crawl.first for r in run_records(completed_shards(d))]
    ids = Counter(record["id"] for record in records)
    assert [i for i, n in ids.items() if n > 1] == []
    assert set(ids) == set(crawl.expected)
    for record in records:
        contract = {key: value for key, value in record.items() if key in ARTICLE_FIELDS}
        assert contract == crawl.expected[record["id"]], record["id"]
        assert record["version"] == 1


def test_the_manifests_count_what_the_folders_hold(crawl: Crawl) -> None:
    total = 0
    for run_dir in crawl.first:
        held = sum(1 for _ in run_records(completed_shards(run_dir)))
        counts = manifest(run_dir)["counts"]
        assert counts["articles"]["new"] == counts["articles_written"] == held
        total += held
    assert total == ARTICLES


def test_the_runs_categories_are_in_one_folder(crawl: Crawl) -> None:
    written = [manifest(d)["counts"]["categories_written"] for d in crawl.first]
    assert sorted(written) == [0, 8]


def test_every_folder_verifies_and_none_is_left_open(crawl: Crawl) -> None:
    assert verify(crawl.tmp / "archive") == []
    assert list((crawl.tmp / "archive").glob("*/*.open")) == []


def test_a_kill_costs_few_downloads(crawl: Crawl) -> None:
    # What the killed worker had in flight, or had fetched without writing, is fetched again.
    assert ARTICLES <= crawl.first_downloads <= ARTICLES + 40


def test_a_rerun_by_two_workers_is_incremental(crawl: Crawl) -> None:
    assert crawl.exits["rerun-a"] == crawl.exits["rerun-b"] == 0
    reruns = sorted(set(crawl.run_dirs()) - set(crawl.first))
    assert len(reruns) == 2
    assert [r for d in reruns for r in run_records(completed_shards(d))] == []
    unchanged = sum(manifest(d)["counts"]["articles"]["unchanged"] for d in reruns)
    assert unchanged == ARTICLES
    assert crawl.rerun["article", 304] >= 0.99 * ARTICLES
