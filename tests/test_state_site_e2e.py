"""A state folder belongs to one site, end to end: real ``scrapy crawl site`` runs.

- With the default ``STATE_DIR`` each site gets its own folder: crawling one site, then
  another, then the first again writes nothing about the other and stays incremental.
- One explicit ``STATE_DIR`` for two sites: the second crawl is refused before any request.
- A mirror of the state's public site, on another port, is welcome; a mirror of another
  public site is refused once it says which site it is.
- A state written by the previous version (schema 1) is migrated in place and crawled on.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.archive.recover import completed_shards, run_records
from crawler.state.site import site_folder
from sample_site.expected import site_summary
from sample_site.large import LargeSite
from sample_site.server import SampleSite
from tests.folders import archive_folders

ROOT = Path(__file__).resolve().parent.parent
V1_STATE = ROOT / "tests" / "fixtures" / "state" / "v1-sample-site" / "state.sqlite"
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "BOT_CONTACT=mailto:a@b.example"]

pytestmark = pytest.mark.e2e


def crawl(start_url: str, cwd: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl site`` run from ``cwd``, so the default ``data/state`` is below it."""
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={start_url}"]
    command += [*FAST, "-s", f"ARCHIVE_DIR={cwd / 'archive'}", *settings]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def run_folders(cwd: Path) -> list[Path]:
    """The archive's run folders (it also holds its search index, index.sqlite)."""
    return archive_folders(cwd / "archive")


def latest_manifest(cwd: Path) -> dict[str, object]:
    latest = run_folders(cwd)[-1]
    result: dict[str, object] = json.loads((latest / "manifest.json").read_bytes())
    return result


def records(cwd: Path) -> list[dict[str, object]]:
    latest = run_folders(cwd)[-1]
    return list(run_records(completed_shards(latest)))


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


@pytest.fixture(scope="module")
def two_sites() -> Iterator[tuple[LargeSite, LargeSite]]:
    with LargeSite(60, categories=3) as first, LargeSite(40, categories=2, seed=1) as second:
        yield first, second


def test_the_default_state_dir_keeps_two_sites_apart(
    two_sites: tuple[LargeSite, LargeSite], tmp_path: Path
) -> None:
    first, second = two_sites
    assert crawl(first.base_url, tmp_path).returncode == 0
    other = crawl(second.base_url, tmp_path)
    assert other.returncode == 0, other.stderr[-2000:]
    assert [r for r in records(tmp_path) if r["type"] == "removed"] == []
    assert latest_manifest(tmp_path)["counts"]["articles"]["new"] == 40  # type: ignore[index]
    again = crawl(first.base_url, tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert records(tmp_path) == []
    assert latest_manifest(tmp_path)["counts"]["articles"]["new"] == 0  # type: ignore[index]
    folders = sorted(path.name for path in (tmp_path / "data" / "state").iterdir())
    assert folders == sorted(site_folder(site.origin) for site in (first, second))


def test_one_state_dir_for_two_sites_refuses_the_second_before_any_request(
    two_sites: tuple[LargeSite, LargeSite], tmp_path: Path
) -> None:
    first, second = two_sites
    state = f"STATE_DIR={tmp_path / 'state'}"
    assert crawl(first.base_url, tmp_path, "-s", state).returncode == 0
    second.reset_counts()
    refused = crawl(second.base_url, tmp_path, "-s", state)
    assert refused.returncode == 2
    assert len(errors(refused)) == 1
    assert first.origin in errors(refused)[0] and second.origin in errors(refused)[0]
    assert sum(second.counts().values()) == 0
    assert len(run_folders(tmp_path)) == 1


@pytest.fixture
def v1_state(tmp_path: Path) -> Path:
    folder = tmp_path / "state"
    folder.mkdir()
    shutil.copyfile(V1_STATE, folder / "state.sqlite")
    return folder


def test_a_state_of_the_previous_version_is_migrated_and_crawled_on(
    v1_state: Path, tmp_path: Path
) -> None:
    # The state was made through a mirror of https://articles.example on another port.
    with SampleSite(public_origin="https://articles.example") as site:
        result = crawl(site.base_url, tmp_path, "-s", f"STATE_DIR={v1_state}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r for r in records(tmp_path) if r["type"] != "article"] == []
    articles = latest_manifest(tmp_path)["counts"]["articles"]  # type: ignore[index]
    assert articles["new"] == 0 and articles["removed"] == 0
    # Every article of the old state had no schedule: due, checked once, conditionally.
    assert articles["unchanged"] == len(site_summary()["archived_ids"])


def test_a_mirror_of_another_site_is_refused_once_it_says_so(
    v1_state: Path, tmp_path: Path
) -> None:
    with SampleSite(public_origin="https://elsewhere.example") as site:
        result = crawl(site.base_url, tmp_path, "-s", f"STATE_DIR={v1_state}")
        article_requests = [r for r in site.requests if r.path == "/page.php"]
    assert result.returncode == 2, result.stderr[-3000:]
    assert len(errors(result)) == 1
    assert "https://articles.example" in errors(result)[0]
    assert "https://elsewhere.example" in errors(result)[0]
    assert article_requests == []
    assert not any((tmp_path / "archive").glob("*/manifest.json"))
