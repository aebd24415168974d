"""A run killed (SIGKILL) while it holds pages for learning loses none of them: the same
command resumes it, learns the template from every page held, before the kill and after, and
accounts for each article; nothing is dropped silently.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.archive.recover import completed_shards, run_records
from sample_site.large import LargeSite
from tests.folders import archive_folders, manifest
from tests.redesigned import ROOT, command, contract, kill_while_holding

ARTICLES = 60
PUBLISHED = 4
#: Article pages the site has served when the crawl is killed: about half of the run's.
KILL_AFTER = 30
#: Paced, so the kill falls mid-run, after the state committed the pages held so far.
PACED = ("DOWNLOAD_DELAY=0.1", "CONCURRENT_REQUESTS_PER_DOMAIN=1")

pytestmark = pytest.mark.e2e


def run(site: LargeSite, folder: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(site, folder, *settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@dataclass
class Resumed:
    site: LargeSite
    published: list[str]
    run_dir: Path
    returncode: int
    stderr: str


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory) -> Resumed:
    """A first crawl, the site redesigned and articles published; the next run killed
    mid-way, while it holds the pages it could not read, then resumed."""
    folder = tmp_path_factory.mktemp("held")
    with LargeSite(ARTICLES) as site:
        assert run(site, folder).returncode == 0
        site.set_structure("grid")
        published = site.publish(PUBLISHED)
        site.reset_counts()
        killed = subprocess.Popen(
            command(site, folder, *PACED), cwd=ROOT, stderr=subprocess.DEVNULL
        )
        kill_while_holding(site, killed, KILL_AFTER)
        assert site.article_fetches() < ARTICLES + PUBLISHED
        [first, run_dir] = archive_folders(folder / "archive")
        assert not (run_dir / "manifest.json").exists()
        again = run(site, folder)
        assert archive_folders(folder / "archive") == [first, run_dir]
        return Resumed(site, published, run_dir, again.returncode, again.stderr)


def test_the_resumed_run_learns_and_exits_0(resumed: Resumed) -> None:
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    run_dir = resumed.run_dir
    assert [line for line in resumed.stderr.splitlines() if line.startswith("error:")] == []
    assert manifest(run_dir)["template"]["file"] == "template.json"
    assert manifest(run_dir)["resumed_at"]


def test_every_page_held_before_the_kill_is_accounted_for(resumed: Resumed) -> None:
    run_dir = resumed.run_dir
    counts = manifest(run_dir)["counts"]
    assert counts["articles"] == {
        "new": PUBLISHED,
        "changed": 0,
        "unchanged": ARTICLES,
        "removed": 0,
    }
    assert counts["dropped"] == {}
    assert counts["unaccounted"] == 0
    assert manifest(run_dir)["alarms"] == []


def test_the_articles_published_are_archived_exactly(resumed: Resumed) -> None:
    records = {r["id"]: r for r in run_records(completed_shards(resumed.run_dir))}
    assert sorted(records) == sorted(resumed.published)
    for article_id in resumed.published:
        assert contract(records[article_id]) == resumed.site.expected_record(article_id)
