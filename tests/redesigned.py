"""Crawls of a redesigned site, for the template learning e2e tests: ``scrapy crawl site`` in
a subprocess on a folder holding the state and the archive, and what its run left."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.archive.recover import completed_shards, run_records
from crawler.contract import ARTICLE_FIELDS
from sample_site.large import LargeSite
from tests.folders import archive_folders

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {"AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "INFO"}


@dataclass
class Crawl:
    returncode: int
    stderr: str
    run_dir: Path

    def manifest(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.run_dir / "manifest.json").read_bytes())
        return result

    def records(self) -> list[dict[str, Any]]:
        return list(run_records(completed_shards(self.run_dir)))

    def lines(self, prefix: str) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith(prefix)]


def crawl(site: LargeSite, folder: Path, *settings: str) -> Crawl:
    archive = folder / "archive"
    before = set(archive_folders(archive))
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    given = {
        **SETTINGS,
        "ARCHIVE_DIR": str(archive),
        "STATE_DIR": str(folder / "state"),
        "LOG_FILE": str(folder / f"crawl-{len(before)}.log"),
    }
    for name, value in given.items():
        command += ["-s", f"{name}={value}"]
    for setting in settings:
        command += ["-s", setting]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    [run_dir] = sorted(set(archive_folders(archive)) - before)
    return Crawl(result.returncode, result.stderr, run_dir)


def contract(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key in ARTICLE_FIELDS}


def command(site: LargeSite, folder: Path, *settings: str) -> list[str]:
    """``scrapy crawl site`` of ``site`` on ``folder``'s state and archive."""
    given = [
        *(f"{name}={value}" for name, value in SETTINGS.items()),
        f"ARCHIVE_DIR={folder / 'archive'}",
        f"STATE_DIR={folder / 'state'}",
        *settings,
    ]
    start = ["crawl", "site", "-a", f"start_url={site.base_url}"]
    return [sys.executable, "-m", "scrapy", *start, *(f"-s{s}" for s in given)]


def kill_while_holding(site: LargeSite, process: subprocess.Popen[Any], fetches: int) -> None:
    """SIGKILL ``process`` once ``site`` has served ``fetches`` article pages and two state
    commits have passed (the pages held so far are done in the frontier)."""
    deadline = time.monotonic() + 120
    while site.article_fetches() < fetches and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(1.2)
    assert process.poll() is None, "the crawl finished before it was killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
