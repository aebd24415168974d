"""The crawl state end to end: reruns, a stopped crawl resumed, alarms that fail a crawl.

Each test runs real ``scrapy crawl site`` processes with one state folder across the runs,
against the sample site served on 127.0.0.1 under its public origin (as a mirror), or a small
generated site whose template can drop a field.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.archive.recover import completed_shards, run_records
from crawler.archive.verify import verify
from sample_site.expected import site_summary
from sample_site.large import LargeSite
from sample_site.server import SampleSite
from tests.folders import archive_folders, manifest

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = site_summary()
#: Two days of a daily cron job (``CRAWL_CLOCK``).
DAY_ONE, DAY_TWO = "2026-03-01T03:00:00Z", "2026-03-02T03:00:00Z"

pytestmark = pytest.mark.e2e


@pytest.fixture
def site() -> Iterator[SampleSite]:
    with SampleSite(public_origin="https://articles.example") as served:
        yield served


def command(site: SampleSite, tmp_path: Path, **settings: str) -> list[str]:
    base = {
        "ARCHIVE_DIR": str(tmp_path / "archive"),
        "STATE_DIR": str(tmp_path / "state"),
        "AUTOTHROTTLE_ENABLED": "False",
        "LOG_FILE": str(tmp_path / "crawl.log"),
        **settings,
    }
    args = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    for name, value in base.items():
        args += ["-s", f"{name}={value}"]
    return args


def crawl(site: SampleSite, tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(site, tmp_path, **settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def article_fetches(site: SampleSite) -> Counter[int]:
    return Counter(r.status for r in site.requests if r.path == "/page.php")


def test_a_rerun_archives_nothing_and_asks_only_for_what_is_due(
    site: SampleSite, tmp_path: Path
) -> None:
    assert crawl(site, tmp_path, CRAWL_CLOCK=DAY_ONE).returncode == 0
    site.reset()
    rerun = crawl(site, tmp_path, CRAWL_CLOCK=DAY_TWO)

    assert rerun.returncode == 0, rerun.stderr[-3000:]
    first, second = archive_folders(tmp_path / "archive")
    assert list(run_records(completed_shards(second))) == []
    done = manifest(second)
    counts, requests = done["counts"], done["requests"]
    fetched = article_fetches(site)
    # Archived articles (and republished copies, known as such) are asked for only when due
    # or drawn to test the lastmod, and then conditionally.
    checked = requests["due"] + requests["trust_sample"]
    assert 0 < checked < len(SUMMARY["archived_ids"]) / 4
    assert fetched[304] == checked
    assert counts["articles"]["unchanged"] + counts["duplicates"]["content"] == checked
    # Pages that never gave a record (or answer 404) are not known: asked for again when a
    # page the run fetched links to them, and dropped again.
    assert fetched[200] + fetched[404] == requests["new"]
    assert fetched[200] == sum(counts["dropped"].values())
    assert (second / "categories.jsonl").read_bytes() == (first / "categories.jsonl").read_bytes()


def test_a_rerun_that_parsed_few_pages_shows_the_archive_s_coverage(
    site: SampleSite, tmp_path: Path
) -> None:
    crawl(site, tmp_path, CRAWL_CLOCK=DAY_ONE)
    crawl(site, tmp_path, CRAWL_CLOCK=DAY_TWO)

    first, second = (manifest(run_dir) for run_dir in archive_folders(tmp_path / "archive"))
    assert second["coverage"]["pages"] < 20  # the invalid pages only
    assert second["alarms"] == []
    assert second["archive_coverage"] == first["archive_coverage"]
    assert second["archive_coverage"]["pages"] == len(SUMMARY["archived_ids"])
    assert second["archive_coverage"]["fields"]["title"] == 1.0


def test_a_stopped_crawl_is_resumed_in_its_own_folder(site: SampleSite, tmp_path: Path) -> None:
    stopped = subprocess.Popen(
        command(site, tmp_path, CONCURRENT_REQUESTS="2", ARCHIVE_SHARD_ITEMS="25"),
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while article_fetches(site)[200] < 60 and time.monotonic() < deadline:
        time.sleep(0.02)
    stopped.send_signal(signal.SIGINT)  # Ctrl-C: Scrapy finishes what is in flight, then stops
    assert stopped.wait(timeout=120) == 0
    [run_dir] = archive_folders(tmp_path / "archive")
    assert not (run_dir / "manifest.json").exists()
    assert not (run_dir / "categories.jsonl").exists()
    before = {shard.name: shard.read_bytes() for shard in completed_shards(run_dir)}
    assert before and not list(run_dir.glob("*.open"))  # what it wrote is published

    resumed = crawl(site, tmp_path, ARCHIVE_SHARD_ITEMS="25")

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert archive_folders(tmp_path / "archive") == [run_dir]
    done = manifest(run_dir)
    assert len(done["resumed_at"]) == 1 and done["finish_reason"] == "finished"
    ids = Counter(record["id"] for record in run_records(completed_shards(run_dir)))
    assert max(ids.values()) == 1
    assert len(ids) == len(SUMMARY["archived_ids"]) == done["counts"]["articles"]["new"]
    assert verify(run_dir) == []
    for name, data in before.items():  # completed shards are never rewritten
        assert (run_dir / name).read_bytes() == data


def test_article_pages_without_records_past_the_threshold_fail_the_crawl(
    site: SampleSite, tmp_path: Path
) -> None:
    # The sample site has 4 article pages without a title or body among ~250: 1.6%.
    result = crawl(site, tmp_path, ALARM_NO_RECORD_SHARE="0.01")

    assert result.returncode == 5
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "4 of" in errors[0] and "yielded no record" in errors[0]
    [run_dir] = archive_folders(tmp_path / "archive")
    assert len(manifest(run_dir)["alarms"]) == 1


def test_a_field_vanishing_from_the_pages_fails_the_crawl(tmp_path: Path) -> None:
    """With learning off, as before learning: the records are written and the alarm fires
    (with learning on the pages are held for a template instead: a failed one writes none of
    them, tests/test_template_coverage_e2e.py)."""
    with LargeSite(240) as large:
        first = large_crawl(large, tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]
        large.set_related_lists(False)
        second = large_crawl(large, tmp_path, TEMPLATE_LEARNING=False)

    assert second.returncode == 6
    errors = [line for line in second.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert "'related'" in errors[0] and "0% of 240" in errors[0] and "from 100%" in errors[0]
    run_dir = archive_folders(tmp_path / "archive")[-1]
    assert manifest(run_dir)["coverage"]["fields"]["related"] == 0.0
    records = list(run_records(completed_shards(run_dir)))
    assert len(records) == 240  # the records still say what changed
    assert {tuple(record["changed_fields"]) for record in records} == {("related",)}


def large_crawl(
    site: LargeSite, tmp_path: Path, **given: object
) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    settings = {
        "ARCHIVE_DIR": tmp_path / "archive",
        "STATE_DIR": tmp_path / "state",
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_FILE": tmp_path / "crawl.log",
        **given,
    }
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
