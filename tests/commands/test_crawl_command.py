"""``scrapy crawl`` fails loudly: one clear ``error:`` line on stderr and a non-zero exit status
for bad input (2), a state file that cannot be read (1), a busy state folder (3) and a site
that cannot be reached (4)."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.commands.crawl import state_dir_problem
from crawler.state.lock import StateLock
from crawler.state.sqlite import SQLiteState
from crawler.state.sqlite_schema import DB_FILE, SCHEMA_VERSION
from sample_site.large import LargeSite
from tests.commands.as_typed import project_folder, scrapy
from tests.crawlers import project_settings
from tests.folders import archive_folders

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
    [run_dir] = archive_folders(tmp_path / "archive")
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
    settings = Settings({**project_settings(), "STATE_DIR": str(tmp_path / "state")})
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


# ---- as typed, from a project folder: the exact lines -----------------------------------------


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["site", "-a", "start_url=ftp://127.0.0.1:8765/"],
            "error: scrapy crawl site: start_url must be an absolute http(s) URL, "
            "got 'ftp://127.0.0.1:8765/'",
        ),
        (
            ["site", "-a", "start_url=http://127.0.0.1:8765/", "-a", "depth=2"],
            "error: scrapy crawl site: spider 'site' does not accept argument(s) depth "
            "(accepted: start_url)",
        ),
        (["sitee"], "error: scrapy crawl: no spider named 'sitee': article, category, site"),
        (
            ["site", "-a", "start_url=http://127.0.0.1:8765/", "-s", "CRAWL_CLOCK=yesterday"],
            "error: scrapy crawl site: CRAWL_CLOCK must be an ISO 8601 time with a zone, e.g. "
            "2026-03-01T03:00:00Z, not 'yesterday'",
        ),
        (
            ["site", "-a", "start_url=http://127.0.0.1:8765/", "-s", "ARCHIVE_DIR=scrapy.cfg/x"],
            "error: scrapy crawl site: ARCHIVE_DIR 'scrapy.cfg/x' is not writable: Not a directory",
        ),
    ],
)
def test_bad_input_is_one_line_before_scrapy_s_banner(
    tmp_path: Path, args: list[str], line: str
) -> None:
    result = scrapy(project_folder(tmp_path), "crawl", *args)
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (2, "", [line])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["scrapy.cfg"]


def test_a_busy_state_folder_is_one_line_before_the_banner(tmp_path: Path) -> None:
    project = project_folder(tmp_path)
    with StateLock(project / "state"):
        result = scrapy(
            project,
            "crawl",
            "site",
            "-a",
            "start_url=http://127.0.0.1:8765/",
            "-s",
            "STATE_DIR=state",
        )
    assert (result.returncode, result.stdout) == (3, "")
    [line] = result.stderr.splitlines()
    assert line.startswith("error: scrapy crawl site: STATE_DIR 'state' is in use by another crawl")


def test_an_unreachable_site_is_one_error_line_with_no_traceback(tmp_path: Path) -> None:
    start = f"start_url=http://127.0.0.1:{closed_port()}/"
    project = project_folder(tmp_path)
    result = scrapy(project, "crawl", "site", "-a", start, "-s", "RETRY_TIMES=0")
    assert result.returncode == 4
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == (
        "error: scrapy crawl site: the site could not be reached: 3 requests, no response "
        "(DownloadConnectionRefusedError: 3)"
    )
    # The summary counts the three failed requests the error line counts, robots.txt's too.
    assert (
        "  pages failed: DownloadConnectionRefusedError: 3; items dropped: none; duplicates: 0"
        in lines
    )
    logged = scrapy(
        project, "crawl", "site", "-a", start, "-s", "RETRY_TIMES=0", "-s", "LOG_FILE=crawl.log"
    )
    assert logged.returncode == 4 and "Traceback" not in logged.stderr
    assert "Traceback" in (project / "crawl.log").read_text()


def _crawl_on_state(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return crawl(
        "site",
        "-a",
        "start_url=http://127.0.0.1:9/",
        "-s",
        f"ARCHIVE_DIR={tmp_path}/archive",
        "-s",
        f"STATE_DIR={tmp_path}/state",
    )


def _rebuild_hint(tmp_path: Path) -> str:
    return (
        f"run `scrapy state rebuild --state-dir {tmp_path}/state {tmp_path}/archive` to "
        "rebuild it from the archive"
    )


def test_a_state_file_that_is_not_a_database_stops_the_crawl_in_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / DB_FILE).write_bytes(b"not a database" * 100)
    result = _crawl_on_state(tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: scrapy crawl site: the crawl state {tmp_path}/state/{DB_FILE} cannot be read "
        f"(file is not a database); {_rebuild_hint(tmp_path)}"
    ]
    assert "Traceback" not in result.stderr
    assert (tmp_path / "state" / DB_FILE).read_bytes() == b"not a database" * 100


def test_a_state_of_a_newer_version_stops_the_crawl_in_one_line(tmp_path: Path) -> None:
    SQLiteState(tmp_path / "state").close()
    db = sqlite3.connect(tmp_path / "state" / DB_FILE)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE name = 'schema'")
    db.close()
    result = _crawl_on_state(tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: scrapy crawl site: the crawl state {tmp_path}/state/{DB_FILE} was written by "
        f"a newer version of the crawler (schema 99, this one reads {SCHEMA_VERSION}); "
        f"{_rebuild_hint(tmp_path)}"
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("state_dir", "reason"),
    [("/proc/x", "No such file or directory"), ("{tmp}/a-file/x", "Not a directory")],
)
def test_an_unwritable_state_dir_is_refused_in_one_line(
    tmp_path: Path, state_dir: str, reason: str
) -> None:
    (tmp_path / "a-file").write_text("not a directory", encoding="utf-8")
    folder = state_dir.format(tmp=tmp_path)
    result = crawl(
        "site",
        "-a",
        "start_url=http://127.0.0.1:9/",
        "-s",
        f"ARCHIVE_DIR={tmp_path}/archive",
        "-s",
        f"STATE_DIR={folder}",
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: scrapy crawl site: STATE_DIR {folder!r} is not writable: {reason}"]
    assert "Traceback" not in result.stderr
