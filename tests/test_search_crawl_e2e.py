"""The search index as crawls keep it: real ``scrapy crawl site`` runs of a generated site, the
index updated at the end of each, searched while a crawl runs, and the same for the two
workers of a distributed crawl (``REDIS_URL``) finishing side by side."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from crawler.archive import iter_records
from crawler.archive.index import index_path, index_state, rebuild_index
from crawler.archive.search import search
from sample_site.large import LargeSite
from tests.daily import DailyCrawls

pytestmark = pytest.mark.e2e

ARTICLES = 120
CHECK_ALL = {"REVISIT_MAX_AGE_DAYS": "0", "REVISIT_MAX_AGE_DAYS_TRUSTED": "0"}


def indexed(archive: Path) -> dict[str, tuple[int, str]]:
    db = sqlite3.connect(index_path(archive))
    try:
        return {
            i: (v, h) for i, v, h in db.execute("SELECT id, version, content_hash FROM articles")
        }
    finally:
        db.close()


def latest(archive: Path) -> dict[str, tuple[int, str]]:
    return {
        r["id"]: (r["version"], r["content_hash"]) for r in iter_records(archive, unfinished=False)
    }


def test_searches_during_a_crawl_and_the_update_it_ends_with(tmp_path: Path) -> None:
    with LargeSite(ARTICLES) as site:
        crawls = DailyCrawls(site, tmp_path, dict(CHECK_ALL))
        assert crawls.crawl(0).returncode == 0
        archive = tmp_path / "archive"
        assert len(indexed(archive)) == ARTICLES
        ids = site.article_ids()
        site.change(ids[:10])
        site.remove(ids[10:13])
        query = "film OR cinema"
        before = search(index_path(archive), query).total
        totals: list[int] = []
        errors: list[BaseException] = []
        done = threading.Event()

        def hammer() -> None:
            while not done.is_set():
                try:
                    totals.append(search(index_path(archive), query).total)
                except BaseException as exc:  # every failure is the finding
                    errors.append(exc)

        searcher = threading.Thread(target=hammer)
        searcher.start()
        try:
            second = crawls.crawl(1)
        finally:
            done.set()
            searcher.join(timeout=30)

    assert second.returncode == 0, second.stderr[-2000:]
    assert errors == []
    # Every search answered, from the index before the run's update or after it.
    assert len(totals) > 20 and set(totals) <= {before, search(index_path(archive), query).total}
    assert index_state(archive).missing == ()
    held = indexed(archive)
    assert held == latest(archive)
    assert {i for i, (version, _) in held.items() if version == 2} == set(ids[:10])


def test_two_workers_keep_one_index(redis_url: str, tmp_path: Path) -> None:
    settings = {
        **CHECK_ALL,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": "evergreen-search-index",
        "REDIS_HEARTBEAT_INTERVAL": "0.5",
        "REDIS_WORKER_TIMEOUT": "3",
    }
    with LargeSite(ARTICLES) as site:
        crawls = DailyCrawls(site, tmp_path, settings)
        first = crawls.crawl_workers(0, ("a", "b"))
        ids = site.article_ids()
        site.change(ids[:5])
        site.remove(ids[5:8])
        second = crawls.crawl_workers(1, ("a", "b"))

    assert first.returncode == second.returncode == 0, second.stderr[-2000:]
    archive = tmp_path / "archive"
    assert len(first.run_dirs) == len(second.run_dirs) == 2
    assert index_state(archive).missing == ()
    db = sqlite3.connect(index_path(archive))
    applied = sorted(name for (name,) in db.execute("SELECT name FROM runs"))
    db.close()
    assert applied == sorted(p.name for p in [*first.run_dirs, *second.run_dirs])
    held = indexed(archive)
    assert held == latest(archive)
    assert len(held) == ARTICLES - 3
    rebuild_index(archive)
    assert indexed(archive) == held
