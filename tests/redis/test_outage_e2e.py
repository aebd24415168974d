"""Redis going away under a distributed crawl, end to end: two ``scrapy crawl site`` workers on
a generated site served on 127.0.0.1, sharing a real redis-server with its persistence on
(``appendonly yes``) that the test kills with SIGKILL.

1. Redis killed 5 s into the crawl of 3,000 articles and left down past
   ``REDIS_OUTAGE_TIMEOUT`` (5 s here): both workers stop with exit status 4 and one ``error:``
   line, no traceback, their folders left as a kill leaves them. Redis restarted from its
   append-only file, the same two commands finish the run: every article exactly once.
2. Redis killed and restarted within the timeout (30 s here), after the workers' heartbeats
   expired (``REDIS_WORKER_TIMEOUT`` 3 s, Redis away 4 s): the crawl goes on by itself, no
   worker takes another for dead, and it finishes complete.
3. Redis unreachable when the crawl starts, or the redis extra not installed: exit status 4
   and one ``error:`` line, before any request.
"""

from __future__ import annotations

import json
import os
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
from tests.folders import archive_folders
from tests.redis_server import MISSING, RedisServer

ROOT = Path(__file__).resolve().parents[2]
WORKERS = ("a", "b")
OUTAGE_TIMEOUT = 5
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
    "ARCHIVE_SHARD_ITEMS": "500",
    "REDIS_HEARTBEAT_INTERVAL": "0.5",
}
#: The warning a worker logs when an outage starts, and when it ends.
OUTAGE_STARTS = "does not answer"
OUTAGE_ENDS = "answers again, after"

pytestmark = pytest.mark.e2e


@dataclass
class Workers:
    tmp: Path
    site: LargeSite
    redis: RedisServer
    outage_timeout: float
    worker_timeout: float
    exits: dict[str, int] = field(default_factory=dict)
    stderr: dict[str, str] = field(default_factory=dict)
    #: Seconds from the kill of Redis to each worker's exit.
    stopped_after: dict[str, float] = field(default_factory=dict)
    fetched_at_kill: int = 0
    #: What each worker's folder held right after it stopped.
    left: dict[str, list[str]] = field(default_factory=dict)

    def command(self, worker: str) -> list[str]:
        command = [sys.executable, "-m", "scrapy", "crawl", "site"]
        command += ["-a", f"start_url={self.site.base_url}"]
        settings = {
            **SETTINGS,
            "REDIS_URL": self.redis.url,
            "REDIS_WORKER_ID": worker,
            "REDIS_OUTAGE_TIMEOUT": str(self.outage_timeout),
            "REDIS_WORKER_TIMEOUT": str(self.worker_timeout),
            "ARCHIVE_DIR": str(self.tmp / "archive"),
            "LOG_FILE": str(self.tmp / f"{worker}.log"),
        }
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        return command

    def start(self) -> dict[str, subprocess.Popen[str]]:
        return {
            worker: subprocess.Popen(
                self.command(worker), cwd=ROOT, stderr=subprocess.PIPE, text=True
            )
            for worker in WORKERS
        }

    def wait(self, processes: dict[str, subprocess.Popen[str]], step: str) -> None:
        for worker, process in processes.items():
            _out, err = process.communicate(timeout=300)
            self.exits[f"{step}-{worker}"] = process.returncode
            self.stderr[f"{step}-{worker}"] = err

    def crawling(self, articles: int) -> bool:
        """Whether both workers are archiving (each has an open shard) and ``articles``
        articles were fetched."""
        archive = self.tmp / "archive"
        folders = archive_folders(archive)
        archiving = [d for d in folders if any(d.glob("*.jsonl.open"))]
        return len(archiving) == len(WORKERS) and self.site.article_fetches() >= articles

    def kill_redis_when(self, started: float, seconds: float, articles: int) -> float:
        deadline = started + 120
        while (
            time.monotonic() < started + seconds or not self.crawling(articles)
        ) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.redis.kill()
        self.fetched_at_kill = self.site.article_fetches()
        return time.monotonic()

    def folder(self, worker: str) -> Path:
        [found] = [d for d in self.run_dirs() if d.name.endswith(f"-{worker}")]
        return found

    def run_dirs(self) -> list[Path]:
        return archive_folders(self.tmp / "archive")

    def log(self, worker: str) -> str:
        return (self.tmp / f"{worker}.log").read_text()

    def records(self) -> list[dict[str, Any]]:
        return [r for d in self.run_dirs() for r in run_records(completed_shards(d))]


def persistent_redis() -> RedisServer:
    if MISSING is not None:
        pytest.skip(MISSING)
    return RedisServer(appendonly=True)


@pytest.fixture(scope="module")
def redis_stays_away(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """Redis killed 5 s in (once both workers are crawling: two processes starting on a busy
    machine take a few seconds) and kept down past the timeout; then restarted, and the same
    two commands run again."""
    with persistent_redis() as redis, LargeSite(3_000) as site:
        # Heartbeats of 5 s: the second commands start, take over and resume on a busy
        # machine; the keys of the first ones are gone after the outage all the same.
        run = Workers(tmp_path_factory.mktemp("away"), site, redis, OUTAGE_TIMEOUT, 5)
        started = time.monotonic()
        processes = run.start()
        killed = run.kill_redis_when(started, 5.0, articles=1)
        while len(run.stopped_after) < len(WORKERS) and time.monotonic() < killed + 120:
            for worker, process in processes.items():
                if worker not in run.stopped_after and process.poll() is not None:
                    run.stopped_after[worker] = time.monotonic() - killed
            time.sleep(0.05)
        run.wait(processes, "first")
        for worker in WORKERS:
            run.left[worker] = sorted(path.name for path in run.folder(worker).iterdir())
        redis.start()  # from its append-only file
        run.wait(run.start(), "second")
        yield run


def test_both_workers_stop_with_status_4_within_the_timeout_and_15_s(
    redis_stays_away: Workers,
) -> None:
    run = redis_stays_away
    assert 0 < run.fetched_at_kill < 3_000  # killed mid-crawl
    assert run.exits["first-a"] == run.exits["first-b"] == 4
    for worker in WORKERS:
        assert OUTAGE_TIMEOUT <= run.stopped_after[worker] <= OUTAGE_TIMEOUT + 15


def test_each_stopped_worker_says_why_in_one_line_and_no_traceback(
    redis_stays_away: Workers,
) -> None:
    run = redis_stays_away
    for worker in WORKERS:
        stderr = run.stderr[f"first-{worker}"]
        assert "Traceback" not in stderr
        [error] = [line for line in stderr.splitlines() if line.startswith("error: ")]
        assert error.startswith(
            f"error: scrapy crawl site: Redis at REDIS_URL ({run.redis.url}) did not answer "
            f"for {OUTAGE_TIMEOUT} s (REDIS_OUTAGE_TIMEOUT): "
        )
        log = run.log(worker)
        assert "Traceback" not in log
        assert log.count(OUTAGE_STARTS) == 1 and OUTAGE_ENDS not in log


def test_their_folders_are_left_as_a_kill_leaves_them(redis_stays_away: Workers) -> None:
    for worker in WORKERS:
        left = redis_stays_away.left[worker]
        assert "manifest.json" not in left
        assert any(name.endswith(".jsonl.open") for name in left), left


def test_the_same_commands_finish_the_run_once_redis_is_back(redis_stays_away: Workers) -> None:
    run = redis_stays_away
    assert run.exits["second-a"] == run.exits["second-b"] == 0, run.stderr
    records = run.records()
    ids = Counter(record["id"] for record in records)
    assert [i for i, n in ids.items() if n > 1] == []
    assert set(ids) == set(run.site.article_ids())
    for record in records:
        contract = {key: value for key, value in record.items() if key in ARTICLE_FIELDS}
        assert contract == run.site.expected_record(record["id"]), record["id"]
    assert verify(run.tmp / "archive") == []
    assert list((run.tmp / "archive").glob("*/*.open")) == []


@pytest.fixture(scope="module")
def redis_comes_back(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """Redis killed once the crawl is under way and restarted 4 s later: past the workers'
    heartbeat timeout, within the outage timeout."""
    with persistent_redis() as redis, LargeSite(600) as site:
        run = Workers(tmp_path_factory.mktemp("back"), site, redis, 30, worker_timeout=3)
        processes = run.start()
        run.kill_redis_when(time.monotonic(), 0.0, articles=150)
        time.sleep(4.0)
        redis.start()
        run.wait(processes, "first")
        yield run


def test_a_crawl_whose_redis_came_back_in_time_finishes_complete(
    redis_comes_back: Workers,
) -> None:
    run = redis_comes_back
    assert run.exits["first-a"] == run.exits["first-b"] == 0, run.stderr
    assert 150 <= run.fetched_at_kill < 600
    ids = Counter(record["id"] for record in run.records())
    assert [i for i, n in ids.items() if n > 1] == []
    assert set(ids) == set(run.site.article_ids())
    assert verify(run.tmp / "archive") == []


def test_no_worker_was_taken_for_dead_while_redis_was_away(redis_comes_back: Workers) -> None:
    run = redis_comes_back
    assert [d.name.rsplit("-", 1)[-1] for d in run.run_dirs()] == list(WORKERS)
    for worker in WORKERS:
        manifest = json.loads((run.folder(worker) / "manifest.json").read_bytes())
        assert manifest["finish_reason"] == "finished"
        log = run.log(worker)
        assert "workers/taken_over" not in log and "Traceback" not in log
        assert log.count(OUTAGE_STARTS) == 1 and log.count(OUTAGE_ENDS) == 1


# -- before the crawl -------------------------------------------------------------------------


def crawl(tmp_path: Path, *settings: str, env: dict[str, str] | None = None) -> Any:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a"]
    command += ["start_url=http://127.0.0.1:9/", "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}"]
    for setting in settings:
        command += ["-s", setting]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False, env=env
    )


def refused(result: subprocess.CompletedProcess[str], tmp_path: Path) -> str:
    assert result.returncode == 4, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert list((tmp_path / "archive").iterdir()) == []  # nothing crawled or written
    return error


def test_a_redis_nobody_answers_for_is_refused_before_the_crawl(tmp_path: Path) -> None:
    error = refused(crawl(tmp_path, "REDIS_URL=redis://127.0.0.1:1/0"), tmp_path)
    assert error.startswith(
        "error: scrapy crawl site: cannot reach Redis at REDIS_URL (redis://127.0.0.1:1/0): "
        "start it, or point REDIS_URL at a running server (Error 111 connecting to "
    )


SHIM = """
import importlib.abc
import sys


class WithoutTheRedisExtra(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("redis", "scrapy_redis"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, WithoutTheRedisExtra())
"""


def test_without_the_redis_extra_the_crawl_says_how_to_install_it(tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SHIM, encoding="utf-8")
    path = os.pathsep.join([str(shim), str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    error = refused(crawl(tmp_path, "REDIS_URL=redis://127.0.0.1:6379/0", env=env), tmp_path)
    assert error == (
        "error: scrapy crawl site: REDIS_URL needs the redis extra (scrapy-redis and "
        "redis-py): pip install 'evergreen-crawler[redis]', or crawl without REDIS_URL"
    )
