"""Scheduled crawls on a clock: one ``scrapy crawl site`` per day against a ``LargeSite``.

Each run is a real subprocess told its day through ``CRAWL_CLOCK``, so a month of daily
crawls takes seconds of the site's time and minutes of the machine's. What every run cost is
read twice, from the site's own request log and from the run's manifest (``requests``).
Used by the incremental-run tests and by ``bench/bench_revisit.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.archive.categories import CATEGORIES_FILE
from crawler.archive.recover import completed_shards, run_records
from sample_site.large import LargeSite
from tests.folders import archive_folders

ROOT = Path(__file__).resolve().parent.parent
#: Day 0 of every sequence, 03:00 UTC: a cron job's hour.
DAY_ZERO = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
FAST = {"AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "INFO", "BOT_CONTACT": "mailto:a@b.example"}


@dataclass
class Run:
    """One crawl: its exit status, stderr, what the site served and its run folder."""

    day: float
    returncode: int
    stderr: str
    served: Counter[tuple[str, int]]
    #: Article ids the site was asked for, with the status it answered.
    articles: Counter[tuple[str, int]]
    #: The run's folders: one, or one per worker of a distributed crawl.
    run_dirs: list[Path]

    @property
    def run_dir(self) -> Path:
        assert self.run_dirs, self.stderr[-2000:]
        return self.run_dirs[-1]

    @property
    def requests(self) -> int:
        return sum(self.served.values())

    def manifest(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.run_dir / "manifest.json").read_bytes())
        return result

    def manifests(self) -> list[dict[str, Any]]:
        return [json.loads((folder / "manifest.json").read_bytes()) for folder in self.run_dirs]

    def records(self) -> list[dict[str, Any]]:
        return [
            record for folder in self.run_dirs for record in run_records(completed_shards(folder))
        ]

    def categories(self) -> list[dict[str, Any]]:
        lines = [
            line
            for folder in self.run_dirs
            for line in (folder / CATEGORIES_FILE).read_text(encoding="utf-8").splitlines()
        ]
        return [json.loads(line) for line in lines]


@dataclass
class DailyCrawls:
    """Crawls of ``site`` on one state folder and archive, each at ``DAY_ZERO`` + its day."""

    site: LargeSite
    work: Path
    settings: dict[str, str] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)

    def command(self, day: float, **settings: str) -> list[str]:
        command = [sys.executable, "-m", "scrapy", "crawl", "site"]
        command += ["-a", f"start_url={self.site.base_url}"]
        merged = {
            **FAST,
            "ARCHIVE_DIR": str(self.work / "archive"),
            "STATE_DIR": str(self.work / "state"),
            "LOG_FILE": str(
                self.work / f"crawl-{len(self.runs)}{settings.get('REDIS_WORKER_ID', '')}.log"
            ),
            "CRAWL_CLOCK": (DAY_ZERO + timedelta(days=day)).isoformat(),
            **self.settings,
            **settings,
        }
        for name, value in merged.items():
            command += ["-s", f"{name}={value}"]
        return command

    def run_dirs(self) -> list[Path]:
        archive = self.work / "archive"
        return archive_folders(archive)

    def crawl(self, day: float, **settings: str) -> Run:
        """One crawl at ``day``."""
        return self.crawl_workers(day, (), **settings)

    def crawl_workers(self, day: float, workers: tuple[str, ...], **settings: str) -> Run:
        """The workers of a distributed crawl at ``day``, started together (``settings`` or
        the sequence's give ``REDIS_URL``); no workers: one plain crawl."""
        self.work.mkdir(parents=True, exist_ok=True)
        before = set(self.run_dirs())
        self.site.reset_counts()
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
        commands = [
            self.command(day, **settings, REDIS_WORKER_ID=worker) for worker in workers
        ] or [self.command(day, **settings)]
        # stderr to files: a worker's pipe filling up while another is awaited would hang it.
        errors = [self.work / f"crawl-{len(self.runs)}-{n}.err" for n in range(len(commands))]
        processes = []
        for command, error in zip(commands, errors, strict=True):
            with error.open("w", encoding="utf-8") as sink:
                processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stderr=sink))
        for process in processes:
            process.wait(timeout=900)
        stderr = [error.read_text(encoding="utf-8") for error in errors]
        new = sorted(set(self.run_dirs()) - before)
        articles: Counter[tuple[str, int]] = Counter(
            (request.target.rsplit("=", 1)[-1], request.status)
            for request in self.site.requests
            if request.kind == "article"
        )
        run = Run(
            day,
            max(process.returncode for process in processes),
            "\n".join(stderr),
            self.site.counts(),
            articles,
            new,
        )
        self.runs.append(run)
        return run
