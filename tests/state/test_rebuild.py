"""A state rebuilt from the archive holds what the crawls' own state held, as far as the
archive tells it; the old file is kept aside, the new one put in place whole."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.archive.categories import write_categories
from crawler.archive.folders import NotAnArchive
from crawler.archive.manifest import Counts, Manifest, write_manifest
from crawler.archive.reader import iter_records
from crawler.archive.shards import ShardWriter
from crawler.digests import content_key
from crawler.reparse import reparse_run
from crawler.revisit import DAY, TRUST_META, RevisitSettings, from_iso, to_iso
from crawler.state import ArticleState
from crawler.state.lock import StateBusy, StateLock
from crawler.state.rebuild import (
    BUILD_PREFIX,
    ArchiveSite,
    RebuildError,
    Rebuilt,
    archive_site,
    crawled_runs,
    rebuild,
)
from crawler.state.site import SITE_META, Site
from crawler.state.sqlite import SQLiteState
from crawler.state.sqlite_schema import DB_FILE
from crawler.urls import path_key
from sample_site.large import LargeSite
from sample_site.server import SampleSite
from tests.daily import ROOT, DailyCrawls
from tests.folders import archive_folders

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
NO_RUNS = ArchiveSite((), None, None)


@dataclass(frozen=True)
class Crawled:
    archive: Path
    #: The crawls' own state, as the second run left it.
    state: Path
    changed: list[str]
    removed: list[str]
    published: list[str]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """Two daily crawls of a small site, the second checking every article after 3 were
    edited, 2 removed and 2 published; then a reparse of the first run."""
    work = tmp_path_factory.mktemp("crawled")
    every_article = {"REVISIT_MAX_AGE_DAYS": "0", "REVISIT_MAX_AGE_DAYS_TRUSTED": "0"}
    with LargeSite(30, categories=2) as site:
        crawls = DailyCrawls(site, work, settings=every_article)
        assert crawls.crawl(0).returncode == 0
        ids = site.article_ids()
        changed, removed = ids[:3], ids[3:5]
        site.change(changed)
        site.remove(removed)
        published = site.publish(2)
        second = crawls.crawl(1)
        assert second.returncode == 0, second.stderr[-2000:]
    reparse_run(crawls.run_dirs()[0], NOW)
    return Crawled(work / "archive", work / "state", changed, removed, published)


@pytest.fixture(scope="module")
def rebuilt(crawled: Crawled, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Rebuilt]:
    folder = tmp_path_factory.mktemp("rebuilt")
    return folder, rebuild(archive_site(crawled.archive), folder, RevisitSettings(), NOW)


@pytest.fixture
def states(
    crawled: Crawled, rebuilt: tuple[Path, Rebuilt]
) -> Iterator[tuple[SQLiteState, SQLiteState]]:
    original, new = SQLiteState(crawled.state), SQLiteState(rebuilt[0])
    yield original, new
    original.close()
    new.close()


def crawl_dirs(crawled: Crawled) -> list[Path]:
    return [run.path for run in crawled_runs(crawled.archive)]


def _articles(state: SQLiteState) -> dict[str, ArticleState]:
    keys = [str(key) for (key,) in state._db.execute("SELECT key FROM articles")]
    found = {key: state.article(key) for key in keys}
    return {key: article for key, article in found.items() if article is not None}


def _latest(archive: Path) -> dict[str, dict[str, Any]]:
    return {path_key(record["url"]): record for record in iter_records(archive)}


# -- what the archive tells -----------------------------------------------------------------------


def test_the_runs_of_the_crawls_are_read_and_the_reparse_left_out(
    crawled: Crawled, rebuilt: tuple[Path, Rebuilt]
) -> None:
    folders = [path.name for path in archive_folders(crawled.archive)]
    assert len(folders) == 3 and folders[0].startswith("reparse-site-")
    assert [run.path.name for run in crawled_runs(crawled.archive)] == folders[1:]
    assert rebuilt[1] == Rebuilt(articles=30, removed=2, runs=2, aside=None)


def test_each_article_is_as_the_crawls_left_it(
    crawled: Crawled, states: tuple[SQLiteState, SQLiteState]
) -> None:
    original, new = (_articles(state) for state in states)
    assert original.keys() == new.keys()
    same = ("url", "id", "version", "content_hash", "field_hashes", "etag", "last_modified")
    for key, article in original.items():
        for name in (*same, "first_seen", "removed"):
            assert getattr(new[key], name) == getattr(article, name), (key, name)
    changed = [new[f"/page.php?p={article_id}"] for article_id in crawled.changed]
    assert [article.version for article in changed] == [2, 2, 2]
    gone = [new[f"/page.php?p={article_id}"] for article_id in crawled.removed]
    assert [(article.removed, article.last_status) for article in gone] == [(True, 410)] * 2


def test_each_article_is_scheduled_as_if_checked_when_the_archive_proves_it_was(
    crawled: Crawled, states: tuple[SQLiteState, SQLiteState]
) -> None:
    _original, new = states
    latest = _latest(crawled.archive)
    assert len(latest) == 30
    last_run = json.loads((crawl_dirs(crawled)[-1] / "manifest.json").read_bytes())
    # The second run checked every article: each was checked at or after its oldest check.
    since = last_run["freshness"]["oldest_verified"]
    bound = RevisitSettings().bound(trusted=True)
    fetched_since = 0
    for key, record in latest.items():
        article = new.article(key)
        assert article is not None and article.due_at is not None
        assert article.last_seen == max(record["fetched_at"], since)
        fetched_since += record["fetched_at"] >= since
        checked = from_iso(article.last_seen)
        assert checked < from_iso(article.due_at) <= checked + timedelta(seconds=bound)
        assert article.interval == bound
        # The site gives lastmods: a day before the fetch stands for the one it was seen with.
        fetched = from_iso(str(record["fetched_at"]))
        assert article.lastmod == to_iso(fetched - timedelta(days=1))
    assert fetched_since == 5  # the 3 edited and 2 published articles, archived by that run


def test_the_site_its_trust_its_categories_and_the_runs_coverage_are_kept(
    states: tuple[SQLiteState, SQLiteState],
) -> None:
    original, new = states
    assert new.meta(SITE_META) == original.meta(SITE_META) is not None
    assert json.loads(new.meta(TRUST_META) or "") == json.loads(original.meta(TRUST_META) or "")
    assert new.previous_categories() == original.previous_categories() != {}
    assert new.previous_coverage("site", 1) == original.previous_coverage("site", 1) is not None


def test_content_claims_are_made_for_archived_articles(
    crawled: Crawled, states: tuple[SQLiteState, SQLiteState]
) -> None:
    _original, new = states
    record = next(iter(_latest(crawled.archive).values()))
    key = content_key(str(record["title"]), str(record["body"]))
    assert new.contents.claim(key, "https://elsewhere.example/") == record["url"]


# -- archives that cannot give a state -----------------------------------------------------------


def _unfinished_run(root: Path, name: str, urls: list[str]) -> None:
    (root / name).mkdir(parents=True)
    writer = ShardWriter(root / name, max_records=100)
    for url in urls:
        writer.write({"type": "article", "url": url, "id": url[-1], "version": 1})
    writer.close()


def test_an_archive_of_two_sites_is_refused(tmp_path: Path) -> None:
    _unfinished_run(tmp_path, "site-20260301T030000Z", ["https://a.example/page.php?p=1"])
    _unfinished_run(tmp_path, "site-20260302T030000Z", ["http://127.0.0.1:8765/page.php?p=2"])
    with pytest.raises(RebuildError) as refused:
        archive_site(tmp_path)
    assert str(refused.value) == (
        f"{tmp_path} holds the records of 2 sites (http://127.0.0.1:8765, https://a.example); "
        "a state belongs to one site: rebuild it from an archive folder of that site's runs"
    )


def test_an_archive_without_a_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RebuildError, match=f"^{tmp_path} holds no run to rebuild the state from$"):
        archive_site(tmp_path)


def test_a_folder_that_is_not_an_archive_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    with pytest.raises(NotAnArchive, match="notes is not a run folder"):
        archive_site(tmp_path)


def test_a_killed_run_gives_its_published_records(tmp_path: Path) -> None:
    _unfinished_run(
        tmp_path / "archive", "site-20260301T030000Z", ["https://a.example/page.php?p=1"]
    )
    site = archive_site(tmp_path / "archive")
    assert (site.public_origin, site.fetch_origin) == ("https://a.example", None)
    assert rebuild(site, tmp_path / "state", RevisitSettings(), NOW).articles == 1


# -- putting the new state in place -----------------------------------------------------------


def _old_state(folder: Path) -> None:
    old = SQLiteState(folder)
    old.save_article(ArticleState(key="/page.php?p=1", url="https://a.example/page.php?p=1"))
    old.close()


def test_a_readable_state_is_kept_aside_with_its_log(tmp_path: Path) -> None:
    _old_state(tmp_path)
    before = (tmp_path / DB_FILE).read_bytes()
    (tmp_path / f"{DB_FILE}-wal").write_bytes(b"log")
    (tmp_path / f"{DB_FILE}-shm").write_bytes(b"index")

    result = rebuild(NO_RUNS, tmp_path, RevisitSettings(), NOW)

    aside = tmp_path / f"{DB_FILE}.replaced-20260305T120000Z"
    assert result.aside == aside
    assert aside.read_bytes() == before
    assert (tmp_path / f"{aside.name}-wal").read_bytes() == b"log"
    assert (tmp_path / f"{aside.name}-shm").exists()  # SQLite's scratch index, rewritten
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [DB_FILE, "lock", aside.name, f"{aside.name}-wal", f"{aside.name}-shm"]
    )
    fresh = SQLiteState(tmp_path)
    try:
        assert fresh.article("/page.php?p=1") is None
    finally:
        fresh.close()


def test_a_damaged_state_is_kept_aside_as_damaged_and_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / DB_FILE).write_bytes(b"not a database" * 100)
    first = rebuild(NO_RUNS, tmp_path, RevisitSettings(), NOW)
    (tmp_path / DB_FILE).write_bytes(b"damaged again" * 100)
    second = rebuild(NO_RUNS, tmp_path, RevisitSettings(), NOW)

    assert first.aside == tmp_path / f"{DB_FILE}.damaged-20260305T120000Z"
    assert second.aside == tmp_path / f"{DB_FILE}.damaged-20260305T120000Z-2"
    assert first.aside.read_bytes() == b"not a database" * 100
    assert second.aside.read_bytes() == b"damaged again" * 100


def test_the_new_state_is_one_file_in_place(tmp_path: Path) -> None:
    (tmp_path / f"{BUILD_PREFIX}killed").mkdir()  # a rebuild killed before its rename
    (tmp_path / f"{BUILD_PREFIX}killed" / DB_FILE).write_bytes(b"half")
    assert rebuild(NO_RUNS, tmp_path, RevisitSettings(), NOW).aside is None
    assert sorted(path.name for path in tmp_path.iterdir()) == ["lock", DB_FILE]
    db = sqlite3.connect(tmp_path / DB_FILE)
    try:
        # Its log folded in: the file alone is the state.
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        db.close()


def test_a_state_folder_in_use_is_not_touched(tmp_path: Path) -> None:
    _old_state(tmp_path)
    before = (tmp_path / DB_FILE).read_bytes()
    with StateLock(tmp_path), pytest.raises(StateBusy, match="in use by a crawl"):
        rebuild(NO_RUNS, tmp_path, RevisitSettings(), NOW)
    assert (tmp_path / DB_FILE).read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["lock", DB_FILE]


def test_without_lastmods_no_lastmod_is_made_up(tmp_path: Path) -> None:
    _unfinished_run(
        tmp_path / "archive", "site-20260301T030000Z", ["https://a.example/page.php?p=1"]
    )
    rebuild(archive_site(tmp_path / "archive"), tmp_path / "state", RevisitSettings(), NOW)
    state = SQLiteState(tmp_path / "state")
    try:
        article = state.article("/page.php?p=1")
        assert article is not None and article.lastmod is None
        # No fetched_at: checked when rebuilt, due within the shorter bound of an untrusted site.
        assert article.last_seen == "2026-03-05T12:00:00Z"
        assert article.interval == 7 * DAY
        assert state.meta(TRUST_META) is None
    finally:
        state.close()


# -- a mirror -------------------------------------------------------------------------------------


def test_a_mirror_crawl_gives_the_mirror_its_state_folder_and_the_public_site(
    tmp_path: Path,
) -> None:
    with SampleSite(public_origin="https://articles.example") as site:
        crawl = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}",
             "-s", f"ARCHIVE_DIR={tmp_path}/archive", "-s", f"STATE_DIR={tmp_path}/state",
             "-s", f"LOG_FILE={tmp_path}/crawl.log", "-s", "AUTOTHROTTLE_ENABLED=False"],
            cwd=ROOT,
            check=False,
        )  # fmt: skip
    assert crawl.returncode == 0
    found = archive_site(tmp_path / "archive")
    assert found.site == Site(site.base_url.rstrip("/"), "https://articles.example")
    rebuild(found, tmp_path / "rebuilt", RevisitSettings(), NOW)
    original, new = SQLiteState(tmp_path / "state"), SQLiteState(tmp_path / "rebuilt")
    try:
        assert new.meta(SITE_META) == original.meta(SITE_META)
    finally:
        original.close()
        new.close()


def test_without_captures_the_run_s_start_url_says_where_pages_were_fetched(
    tmp_path: Path,
) -> None:
    run = tmp_path / "site-20260301T030000Z"
    run.mkdir()
    writer = ShardWriter(run, max_records=10)
    writer.write({"type": "article", "url": "https://a.example/page.php?p=1", "version": 1})
    writer.close()
    moment = datetime(2026, 3, 1, 3, tzinfo=UTC)
    write_manifest(
        run,
        Manifest(
            spider="site",
            arguments={"start_url": "http://127.0.0.1:8765/"},
            started_at=moment,
            finished_at=moment,
            finish_reason="finished",
            counts=Counts(articles_written=1),
            shards=writer.shards,
            categories=write_categories(run, []),
            settings={},
        ),
    )
    assert archive_site(tmp_path).site == Site("http://127.0.0.1:8765", "https://a.example")
