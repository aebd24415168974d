"""Learning offline, then reparsing: a redesigned run that ended loud with learning off
(every article page dropped) is learned from with ``scrapy template learn --from-run`` (its
WARC captures of the dropped pages, paired with the archive's earlier records), and ``scrapy
reparse`` re-extracts the dropped pages with the template the state now holds. A run read
with a learned template reparses to the same records with it.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.archive.recover import completed_shards, run_records
from crawler.archive.verify import verify
from sample_site.large import LargeSite
from tests.commands.as_typed import scrapy
from tests.folders import manifest
from tests.redesigned import ROOT, Crawl, contract, crawl

ARTICLES = 60
PUBLISHED = 6
CHANGED = 3

pytestmark = pytest.mark.e2e


def reparsed_folder(stdout: str) -> Path:
    [line] = [line for line in stdout.splitlines() if line.startswith("reparse: ")]
    return Path(line.split(" -> ")[1])


@dataclass
class Dropped:
    site: LargeSite
    folder: Path
    published: list[str]
    changed: list[str]
    crawl: Crawl


@pytest.fixture(scope="module")
def dropped(tmp_path_factory: pytest.TempPathFactory) -> Dropped:
    """A first crawl, then the site redesigned (with articles published and edited) and a
    run with learning off: loud, every article page dropped."""
    folder = tmp_path_factory.mktemp("dropped")
    with LargeSite(ARTICLES) as site:
        assert crawl(site, folder).returncode == 0
        site.set_structure("grid")
        published = site.publish(PUBLISHED)
        changed = site.article_ids()[10 : 10 + CHANGED]
        site.change(changed)
        run = crawl(site, folder, "TEMPLATE_LEARNING=False")
    return Dropped(site, folder, published, changed, run)


def test_the_run_with_learning_off_dropped_every_article_page(dropped: Dropped) -> None:
    assert dropped.crawl.returncode == 5, dropped.crawl.stderr[-3000:]
    assert dropped.crawl.records() == []
    assert dropped.crawl.manifest()["counts"]["dropped"] == {"missing_body": ARTICLES + PUBLISHED}
    # The dropped pages' captures are in the run's WARC files, which verify.
    assert dropped.crawl.manifest()["warcs"]
    assert verify(dropped.crawl.run_dir) == []


@pytest.fixture(scope="module")
def learned(dropped: Dropped) -> subprocess.CompletedProcess[str]:
    state = f"STATE_DIR={dropped.folder / 'state'}"
    return scrapy(
        ROOT,
        "template",
        "learn",
        "--from-run",
        str(dropped.crawl.run_dir),
        "-s",
        state,
        timeout=300,
    )


def test_a_template_is_learned_from_the_dropped_pages_captures(
    dropped: Dropped, learned: subprocess.CompletedProcess[str]
) -> None:
    assert learned.returncode == 0, learned.stderr
    assert learned.stderr == ""
    [line] = learned.stdout.splitlines()
    assert line.startswith("template #1 learned from 5 captures of " + dropped.crawl.run_dir.name)


@pytest.fixture(scope="module")
def reparsed(dropped: Dropped, learned: subprocess.CompletedProcess[str]) -> Path:
    assert learned.returncode == 0, learned.stderr
    state = f"STATE_DIR={dropped.folder / 'state'}"
    done = scrapy(ROOT, "reparse", str(dropped.crawl.run_dir), "-s", state, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return reparsed_folder(done.stdout)


def test_reparse_counts_the_dropped_pages_as_what_they_are(reparsed: Path) -> None:
    counts = manifest(reparsed)["counts"]
    assert counts["articles"] == {
        "new": PUBLISHED,
        "changed": CHANGED,
        "unchanged": ARTICLES - CHANGED,
        "removed": 0,
    }
    assert counts["dropped"] == {}
    assert manifest(reparsed)["template"]["id"] == 1
    assert verify(reparsed) == []


def test_reparse_writes_the_new_and_changed_articles_exactly(
    dropped: Dropped, reparsed: Path
) -> None:
    records = {r["id"]: r for r in run_records(completed_shards(reparsed))}
    assert sorted(records) == sorted([*dropped.published, *dropped.changed])
    for article_id, record in records.items():
        assert contract(record) == dropped.site.expected_record(article_id)
        assert record["reparsed_from"] == dropped.crawl.run_dir.name
    assert {records[i]["version"] for i in dropped.published} == {1}
    assert {records[i]["version"] for i in dropped.changed} == {2}


def test_without_the_template_reparse_cannot_read_them(dropped: Dropped, reparsed: Path) -> None:
    """The page objects alone: the dropped pages stay dropped, and reparse says so (the run
    had no record that no longer extracts: the exit status is 0)."""
    state = f"STATE_DIR={dropped.folder / 'state'}"
    assert scrapy(ROOT, "template", "reset", "-s", state).returncode == 0
    done = scrapy(ROOT, "reparse", str(dropped.crawl.run_dir), "-s", state, timeout=300)
    assert done.returncode == 0, done.stderr
    still = f"  {ARTICLES + PUBLISHED} pages the run dropped still do not extract "
    assert still + f"({{'missing_body': {ARTICLES + PUBLISHED}}})" in done.stdout.splitlines()
    folder = reparsed_folder(done.stdout)
    assert manifest(folder)["counts"]["dropped"] == {"missing_body": ARTICLES + PUBLISHED}
    assert manifest(folder)["template"] is None


def test_a_run_read_with_a_learned_template_reparses_identically_with_it(
    tmp_path: Path,
) -> None:
    with LargeSite(ARTICLES) as site:
        assert crawl(site, tmp_path).returncode == 0
        site.set_structure("grid")
        published = site.publish(PUBLISHED)
        run = crawl(site, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    state = f"STATE_DIR={tmp_path / 'state'}"
    done = scrapy(ROOT, "reparse", str(run.run_dir), "-s", state)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{PUBLISHED} article records reparsed: {PUBLISHED} identical" in done.stdout
    records = list(run_records(completed_shards(reparsed_folder(done.stdout))))
    assert sorted(r["id"] for r in records) == sorted(published)
    # The page objects alone no longer read the redesigned captures.
    assert scrapy(ROOT, "template", "reset", "-s", state).returncode == 0
    assert scrapy(ROOT, "reparse", str(run.run_dir), "-s", state).returncode == 1
