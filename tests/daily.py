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
from crawler.sample_site.large import LargeSite

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
    run_dir: Path | None

    @property
    def requests(self) -> int:
        return sum(self.served.values())

    def manifest(self) -> dict[str, Any]:
        assert self.run_dir is not None, self.stderr[-2000:]
        result: dict[str, Any] = json.loads((self.run_dir / "manifest.json").read_bytes())
        return result

    def records(self) -> list[dict[str, Any]]:
        assert self.run_dir is not None
        return list(run_records(completed_shards(self.run_dir)))

    def categories(self) -> list[dict[str, Any]]:
        assert self.run_dir is not None
        lines = (self.run_dir / CATEGORIES_FILE).read_text(encoding="utf-8").splitlines()
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
            "LOG_FILE": str(self.work / f"crawl-{len(self.runs)}.log"),
            "CRAWL_CLOCK": (DAY_ZERO + timedelta(days=day)).isoformat(),
            **self.settings,
            **settings,
        }
        for name, value in merged.items():
            command += ["-s", f"{name}={value}"]
        return command

    def run_dirs(self) -> list[Path]:
        archive = self.work / "archive"
        return sorted(archive.iterdir()) if archive.exists() else []

    def crawl(self, day: float, **settings: str) -> Run:
        self.work.mkdir(parents=True, exist_ok=True)
        before = set(self.run_dirs())
        self.site.reset_counts()
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
        result = subprocess.run(
            self.command(day, **settings),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        new = sorted(set(self.run_dirs()) - before)
        articles: Counter[tuple[str, int]] = Counter(
            (request.target.rsplit("=", 1)[-1], request.status)
            for request in self.site.requests
            if request.kind == "article"
        )
        run = Run(
            day,
            result.returncode,
            result.stderr,
            self.site.counts(),
            articles,
            new[-1] if new else None,
        )
        self.runs.append(run)
        return run
