"""``scrapy state rebuild`` as a user runs it, from a project folder with the default
``data/archive`` and ``data/state/<host>-<port>``: its line, and its exit status."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.archive.shards import ShardWriter
from crawler.state.lock import StateLock
from crawler.state.sqlite_schema import DB_FILE
from sample_site.large import LargeSite

ROOT = Path(__file__).resolve().parents[2]
#: The project's settings found from any folder, as from the project's own.
ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}


def scrapy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env={**ENV, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A folder in which one crawl wrote ``data/archive`` and its default state folder."""
    folder = tmp_path_factory.mktemp("project")
    with LargeSite(12, categories=1) as site:
        result = scrapy(
            folder, "crawl", "site", "-a", f"start_url={site.base_url}",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return folder, f"data/state/127.0.0.1-{site.port}"


def test_rebuild_with_no_argument_rebuilds_the_state_the_crawl_uses(
    project: tuple[Path, str],
) -> None:
    folder, state = project
    result = scrapy(folder, "state", "rebuild")
    assert (result.returncode, result.stderr) == (0, "")
    assert re.fullmatch(
        rf"state rebuild: {state} from 1 run\(s\) in data/archive: 12 articles, 0 removed; "
        rf"the old one kept as {state}/{DB_FILE}\.replaced-\d{{8}}T\d{{6}}Z\n",
        result.stdout,
    ), result.stdout


def test_a_state_folder_in_use_is_refused(project: tuple[Path, str]) -> None:
    folder, state = project
    with StateLock(folder / state):
        result = scrapy(folder, "state", "rebuild")
    assert result.returncode == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert re.fullmatch(
        rf"error: scrapy state rebuild: STATE_DIR '{state}' is in use by a crawl \(pid "
        rf"{os.getpid()}, started [-0-9T:+]+\); rebuild it once the crawl has finished",
        errors[0],
    ), errors
    assert "Traceback" not in result.stderr


def test_an_unwritable_state_dir_is_refused(project: tuple[Path, str]) -> None:
    result = scrapy(project[0], "state", "rebuild", "--state-dir", "/proc/x")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: scrapy state rebuild: state folder '/proc/x' is not writable: "
        "No such file or directory\n"
    )


def test_no_archive_is_refused(tmp_path: Path) -> None:
    result = scrapy(tmp_path, "state", "rebuild")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "error: scrapy state rebuild: no archive folder 'data/archive'\n"


def test_a_folder_without_a_run_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = scrapy(tmp_path, "state", "rebuild", "empty")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: scrapy state rebuild: empty holds no run to rebuild the state from\n"
    )


def test_an_archive_of_several_sites_is_refused(tmp_path: Path) -> None:
    for name, url in [
        ("site-20260301T030000Z", "https://a.example/page.php?p=1"),
        ("site-20260302T030000Z", "https://b.example/page.php?p=1"),
    ]:
        (tmp_path / "archive" / name).mkdir(parents=True)
        writer = ShardWriter(tmp_path / "archive" / name, max_records=10)
        writer.write({"type": "article", "url": url, "id": "1", "version": 1})
        writer.close()
    result = scrapy(tmp_path, "state", "rebuild", "archive")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: scrapy state rebuild: archive holds the records of 2 sites (https://a.example, "
        "https://b.example); a state belongs to one site: rebuild it from an archive folder "
        "of that site's runs\n"
    )
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["rebuild", "a", "b"]])
def test_anything_but_rebuild_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    result = scrapy(tmp_path, "state", *args)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(
        "error: give rebuild, then at most one archive folder"
    )
    assert "Traceback" not in result.stderr
