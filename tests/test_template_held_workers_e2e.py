"""A worker of a distributed crawl killed (SIGKILL) while it holds pages for learning loses
none of them: the other worker takes its part over with the pages it held (in Redis:
``crawler.redis.held``), learns the template, reads them all with it and accounts for every
article, across the two folders, once; nothing is dropped silently (the single-process case:
``tests/test_template_held_resume_e2e.py``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.archive.recover import completed_shards, run_records
from sample_site.large import LargeSite
from tests.folders import archive_folders, manifest
from tests.redesigned import ROOT, SETTINGS, contract, kill_while_holding

ARTICLES = 60
PUBLISHED = 4
#: Article pages the site has served when the worker is killed: about half of the run's.
KILL_AFTER = 30
#: Paced, so the kill falls mid-run, after the killed worker committed the pages it held; a
#: killed worker is taken for dead 3 s after its last heartbeat.
WORKER = (
    "DOWNLOAD_DELAY=0.1",
    "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    "REDIS_HEARTBEAT_INTERVAL=0.5",
    "REDIS_WORKER_TIMEOUT=3",
)

pytestmark = pytest.mark.e2e


def command(site: LargeSite, folder: Path, redis_url: str, worker: str, step: str) -> list[str]:
    given = [
        *(f"{name}={value}" for name, value in SETTINGS.items()),
        f"ARCHIVE_DIR={folder / 'archive'}",
        f"REDIS_URL={redis_url}",
        f"REDIS_WORKER_ID={worker}",
        f"LOG_FILE={folder / f'{step}-{worker}.log'}",
        *WORKER,
    ]
    start = ["crawl", "site", "-a", f"start_url={site.base_url}"]
    return [sys.executable, "-m", "scrapy", *start, *(f"-s{s}" for s in given)]


def start(site: LargeSite, folder: Path, redis_url: str, worker: str, step: str) -> Any:
    return subprocess.Popen(
        command(site, folder, redis_url, worker, step),
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )


@dataclass
class Taken:
    site: LargeSite
    published: list[str]
    #: The second run's folders: the killed worker's, the survivor's.
    run_dirs: list[Path]
    returncode: int
    stderr: str
    #: The survivor's log.
    log: str


@pytest.fixture(scope="module")
def taken(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Taken:
    """A first crawl by one worker, the site redesigned and articles published; the next run
    by two workers, one killed mid-way while it holds the pages it could not read."""
    folder = tmp_path_factory.mktemp("held-workers")
    with LargeSite(ARTICLES) as site:
        first = start(site, folder, redis_url, "a", "first")
        _out, err = first.communicate(timeout=300)
        assert first.returncode == 0, err[-3000:]
        [first_dir] = archive_folders(folder / "archive")
        site.set_structure("grid")
        published = site.publish(PUBLISHED)
        site.reset_counts()
        killed = start(site, folder, redis_url, "a", "second")
        survivor = start(site, folder, redis_url, "b", "second")
        kill_while_holding(site, killed, KILL_AFTER)
        killed.communicate()
        _out, err = survivor.communicate(timeout=300)
        run_dirs = [d for d in archive_folders(folder / "archive") if d != first_dir]
        log = (folder / "second-b.log").read_text()
        return Taken(site, published, run_dirs, survivor.returncode, err, log)


def test_the_survivor_takes_the_killed_worker_over_and_exits_0(taken: Taken) -> None:
    assert taken.returncode == 0, taken.stderr[-3000:]
    assert [d.name.rsplit("-", 1)[-1] for d in taken.run_dirs] == ["a", "b"]
    killed, survivor = (manifest(d) for d in taken.run_dirs)
    assert killed["finish_reason"] == "worker_lost"
    assert survivor["finish_reason"] == "finished"
    [taken_over] = re.findall(r"Took over worker a \(died\): .*, (\d+) held pages taken", taken.log)
    assert int(taken_over) > 0, "the worker was not killed while it held pages"


def test_every_article_is_accounted_for_once_across_the_folders(taken: Taken) -> None:
    # The killed worker's held pages leave its counts with them: none is dropped anywhere.
    totals: Counter[str] = Counter()
    for run_dir in taken.run_dirs:
        counts = manifest(run_dir)["counts"]
        totals.update(counts["articles"])
        totals.update({f"dropped/{k}": v for k, v in counts["dropped"].items()})
        assert counts["unaccounted"] == 0
    assert totals == Counter(new=PUBLISHED, unchanged=ARTICLES)


def test_the_articles_published_are_archived_once(taken: Taken) -> None:
    records = [r for d in taken.run_dirs for r in run_records(completed_shards(d))]
    assert sorted(r["id"] for r in records) == sorted(taken.published)
    for record in records:
        assert contract(record) == taken.site.expected_record(record["id"])
