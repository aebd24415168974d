"""A finished run accounts for every article its sitemaps list (``counts.unaccounted``).

Real crawls of a generated site: a request lost from the SQLite frontier between two
processes of one run makes the run exit 7 naming the article; an article that fails every
retry is accounted for as failed, with its cause.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from sample_site.large import LargeSite
from sample_site.server import Response
from tests import folders
from tests.folders import archive_folders

pytestmark = pytest.mark.e2e

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "BOT_CONTACT=mailto:a@b.example"]


def crawl(site: LargeSite, tmp_path: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    command += [*FAST, "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}"]
    command += ["-s", f"STATE_DIR={tmp_path / 'state'}", *settings]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def manifest(tmp_path: Path) -> dict[str, Any]:
    [run] = archive_folders(tmp_path / "archive")
    return folders.manifest(run)


def test_a_request_lost_from_the_frontier_is_named_and_exits_7(tmp_path: Path) -> None:
    with LargeSite(60, categories=3) as site:
        stopped = crawl(site, tmp_path, "-s", "CLOSESPIDER_PAGECOUNT=12")
        assert stopped.returncode == 0, stopped.stderr[-2000:]
        with sqlite3.connect(tmp_path / "state" / "state.sqlite") as db:
            row = db.execute(
                "SELECT key FROM frontier WHERE state = 0 AND key LIKE '/page.php%' "
                "ORDER BY key LIMIT 1"
            ).fetchone()
            assert row is not None, "an article request still queued"
            (lost,) = row
            # Gone from the queue; its fingerprint stays seen, so no later link queues it again.
            db.execute(
                "UPDATE frontier SET state = 2, key = NULL, data = NULL WHERE key = ?", (lost,)
            )
        resumed = crawl(site, tmp_path)
        origin = site.base_url.rstrip("/")

    assert resumed.returncode == 7, resumed.stderr[-3000:]
    [line] = [line for line in errors(resumed) if "unaccounted" in line]
    assert line.startswith("error: scrapy crawl site: 1 article(s) unaccounted for: ")
    assert f"({origin}{lost})" in line
    assert f"Unaccounted for: {origin}{lost}" in resumed.stderr
    counts = manifest(tmp_path)["counts"]
    assert counts["unaccounted"] == 1
    assert counts["articles"]["new"] == 59


class FailingSite(LargeSite):
    """Article ``failing`` answers 500 to every request."""

    failing = ""

    def respond(self, method: str, target: str, headers: Mapping[str, str]) -> Response:
        if self.failing and target.endswith(self.failing):
            return Response(500, b"<html><body>Server error</body></html>")
        return super().respond(method, target, headers)


def test_an_article_that_fails_every_retry_is_accounted_for_as_failed(tmp_path: Path) -> None:
    with FailingSite(30, categories=2) as site:
        site.failing = f"p={site.article_ids()[0]}"
        result = crawl(site, tmp_path, "-s", "RETRY_TIMES=1", "-s", "RETRY_BACKOFF_BASE=0.01")

    assert result.returncode == 0, result.stderr[-3000:]
    assert not [line for line in errors(result) if "unaccounted" in line]
    counts = manifest(tmp_path)["counts"]
    assert counts["unaccounted"] == 0
    assert counts["pages_failed"]["500"] == 1  # its cause; the site has 404 links besides
    assert counts["articles"]["new"] == 29
