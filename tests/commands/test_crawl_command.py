"""``scrapy crawl`` fails loudly: one clear ``error:`` line on stderr and a non-zero exit status
for bad input (2), a busy state folder (3) and a site that cannot be reached (4)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.commands.crawl import state_dir_problem
from crawler.state.lock import StateLock
from crawler.state.sqlite import SQLiteState
from sample_site.large import LargeSite

ROOT = Path(__file__).resolve().parents[2]


def crawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["site", "-a", "start_url=ftp://example.com/"], "start_url must be an absolute http(s)"),
        (["site", "-a", "start_url=example.com"], "start_url must be an absolute http(s)"),
        (["site"], "missing -a start_url"),
        (["site", "-a", "start_url=http://127.0.0.1:9/", "-a", "depth=2"], "does not accept"),
        (["category", "-a", "url=http://127.0.0.1:9/page.php?p=1"], "must be a category URL"),
        (["article", "-a", "urls_file=/nonexistent/urls.txt"], "cannot read urls_file"),
        (["article"], "give -a url"),
    ],
)
def test_bad_arguments(tmp_path: Path, args: list[str], message: str) -> None:
    result = crawl(*args, "-s", f"ARCHIVE_DIR={tmp_path}", "-s", f"STATE_DIR={tmp_path}/state")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was crawled or written


@pytest.mark.parametrize("value", ["2026-03-01", "yesterday", "2026-03-01T03:00:00"])
def test_a_bad_crawl_clock_is_refused_in_one_line(tmp_path: Path, value: str) -> None:
    result = crawl(
        "site",
        "-a",
        "start_url=http://127.0.0.1:9/",
        "-s",
        f"ARCHIVE_DIR={tmp_path}/archive",
        "-s",
        f"STATE_DIR={tmp_path}/state",
        "-s",
        f"CRAWL_CLOCK={value}",
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: scrapy crawl site: CRAWL_CLOCK must be an ISO 8601 time with a zone, e.g. "
        f"2026-03-01T03:00:00Z, not {value!r}"
    ]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "state").exists()


def test_unwritable_archive_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = crawl(
        "site",
        "-a",
        "start_url=http://127.0.0.1:9/",
        "-s",
        f"ARCHIVE_DIR={blocker}/x",
        "-s",
        f"STATE_DIR={tmp_path}/state",
    )
    assert result.returncode == 2
    assert "ARCHIVE_DIR" in result.stderr and "not writable" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_spider(tmp_path: Path) -> None:
    result = crawl("nosuch", "-s", f"ARCHIVE_DIR={tmp_path}")
    assert result.returncode == 2
    assert "no spider named 'nosuch'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_site_that_cannot_be_reached_fails_the_crawl(tmp_path: Path) -> None:
    result = crawl(
        "site",
        "-a",
        "start_url=http://127.0.0.1:9/",  # the discard port: every connection is refused
        "-s",
        f"ARCHIVE_DIR={tmp_path}/archive",
        "-s",
        f"STATE_DIR={tmp_path}/state",
        "-s",
        "RETRY_BACKOFF_BASE=0",
    )
    assert result.returncode == 4
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert "could not be reached" in errors[0] and "ConnectionRefusedError" in errors[0]
    [run_dir] = [p for p in (tmp_path / "archive").iterdir() if p.is_dir()]
    manifest = json.loads((run_dir / "manifest.json").read_bytes())
    assert manifest["alarms"] == [errors[0].removeprefix("error: scrapy crawl site: ")]


def test_a_second_crawl_on_a_busy_state_folder_is_refused(tmp_path: Path) -> None:
    with StateLock(tmp_path / "state"):
        result = crawl(
            "site",
            "-a",
            "start_url=http://127.0.0.1:9/",
            "-s",
            f"ARCHIVE_DIR={tmp_path}/archive",
            "-s",
            f"STATE_DIR={tmp_path}/state",
        )
    assert result.returncode == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "in use by another crawl" in errors[0]
    assert not (tmp_path / "archive").exists() or not list((tmp_path / "archive").iterdir())


def test_a_worker_of_a_distributed_crawl_does_not_look_at_state_dir(tmp_path: Path) -> None:
    # Workers starting together each probed the default STATE_DIR's lock, and one refused
    # because another was probing it at that moment.
    settings = Settings({"STATE_DIR": str(tmp_path / "state")})
    with StateLock(tmp_path / "state"):
        assert state_dir_problem(settings) is not None
        settings.set("REDIS_URL", "redis://127.0.0.1:6379/0")
        assert state_dir_problem(settings) is None


def test_a_crawl_without_the_archive_pipeline_writes_nothing_and_finishes_its_run(
    tmp_path: Path,
) -> None:
    removed = '{"crawler.pipelines.archive.ArchivePipeline": null}'
    with LargeSite(20, categories=2) as site:
        args = ["site", "-a", f"start_url={site.base_url}", "-s", f"ITEM_PIPELINES={removed}"]
        args += ["-s", f"ARCHIVE_DIR={tmp_path}/archive", "-s", f"STATE_DIR={tmp_path}/state"]
        args += ["-s", "AUTOTHROTTLE_ENABLED=False"]
        first, second = crawl(*args), crawl(*args)
    assert first.returncode == second.returncode == 0, first.stderr[-2000:]
    assert not (tmp_path / "archive").exists()
    state = SQLiteState(tmp_path / "state")
    try:
        run, _ = state.begin_run("site", {"start_url": site.base_url}, datetime.now(UTC))
        assert run.id == 3 and not run.resumed  # both runs finished
    finally:
        state.close()
