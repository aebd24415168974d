"""``CrawlState`` on one SQLite file, ``<STATE_DIR>/state.sqlite``.

WAL journal with ``synchronous=NORMAL``: a commit is one append to the write-ahead log, with
no fsync, so committing twice a second is cheap, and everything committed survives the
process being killed (the log is in the kernel's hands). What a kill (or a power cut) loses is
the work since the last commit: the run's shards are then ahead of the state, which the
resume's recovery reconciles.

The frontier and the seen sets live in tables, not in Python sets: a crawl's memory does not
grow with the site. SQLite keeps a bounded page cache (its default 2 MB).

The file's tables and their migrations are ``crawler.state.sqlite_schema``; the current run's
frontier and claims, ``crawler.state.sqlite_frontier``.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

from crawler.cache import BoundedCache
from crawler.coverage import Coverage
from crawler.items import Category, ListingPage
from crawler.state import ArticleState, Freshness, Run
from crawler.state.lock import StateLock
from crawler.state.sqlite_frontier import SQLiteClaims, SQLiteFrontier
from crawler.state.sqlite_schema import (
    ARTICLE_COLUMNS,
    DB_FILE,
    LIVE,
    RUN_TABLES,
    connect,
    damaged,
)
from crawler.state.sqlite_site import SiteTables
from crawler.state.sqlite_templates import SQLiteTemplates

# DB_FILE is defined with the tables; callers find it here, with the state whose file it is.
__all__ = ["DB_FILE", "SQLiteState"]

#: Articles read or written lately, kept in memory: a page's state is read when it is asked
#: for and again when its item is judged, seconds apart. This process is the only writer.
ARTICLE_CACHE_SIZE = 512


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


class SQLiteState(SiteTables, SQLiteTemplates):
    """``CrawlState`` in ``<folder>/state.sqlite``; holds ``<folder>/lock`` while open."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = StateLock(folder)
        self._lock.acquire()
        try:
            self._db = connect(folder / DB_FILE)
            try:
                self.frontier = SQLiteFrontier(self._db)
            except sqlite3.DatabaseError as exc:
                self._db.close()
                raise damaged(folder / DB_FILE, exc) from exc
        except BaseException:
            self._lock.release()
            raise
        self.run_urls = SQLiteClaims(self._db, "run_urls")
        self.contents = SQLiteClaims(self._db, "contents")
        self._articles: BoundedCache[str, ArticleState | None] = BoundedCache(ARTICLE_CACHE_SIZE)

    # -- runs ---------------------------------------------------------------------------------

    def begin_run(
        self, spider: str, arguments: Mapping[str, str], now: datetime
    ) -> tuple[Run, Run | None]:
        unfinished = self._db.execute(
            "SELECT * FROM runs WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        given_up = None
        if unfinished is not None:
            run = self._run(unfinished)
            if run.spider == spider and run.arguments == dict(arguments):
                run.resumes.append(now)
                self.frontier.requeue_in_flight()
                self.save_run(run)
                return run, None
            given_up = run
            self._db.execute(
                "UPDATE runs SET finished_at = ? WHERE id = ?", (_iso(now), given_up.id)
            )
        for table in RUN_TABLES:
            self._db.execute(f"DELETE FROM {table}")
        self.frontier = SQLiteFrontier(self._db)
        cursor = self._db.execute(
            "INSERT INTO runs (spider, arguments, started_at, resumes, counters) "
            "VALUES (?, ?, ?, '[]', '{}')",
            (spider, json.dumps(dict(arguments), sort_keys=True), _iso(now)),
        )
        assert cursor.lastrowid is not None
        run = Run(id=cursor.lastrowid, spider=spider, arguments=dict(arguments), started_at=now)
        self.commit()
        return run, given_up

    @staticmethod
    def _run(row: sqlite3.Row | tuple[Any, ...]) -> Run:
        (run_id, spider, arguments, started_at, _finished, run_dir, resumes, counters, _cov) = row
        return Run(
            id=int(run_id),
            spider=str(spider),
            arguments=json.loads(arguments),
            started_at=_parse_iso(started_at),
            run_dir=run_dir,
            resumes=[_parse_iso(moment) for moment in json.loads(resumes)],
            counters={str(k): int(v) for k, v in json.loads(counters).items()},
        )

    def save_run(self, run: Run) -> None:
        self._db.execute(
            "UPDATE runs SET run_dir = ?, resumes = ?, counters = ? WHERE id = ?",
            (
                run.run_dir,
                json.dumps([_iso(moment) for moment in run.resumes]),
                json.dumps(run.counters, sort_keys=True),
                run.id,
            ),
        )

    def finish_run(self, run: Run, coverage: Coverage, now: datetime) -> None:
        self.save_run(run)
        self._db.execute(
            "UPDATE runs SET finished_at = ?, coverage = ? WHERE id = ?",
            (_iso(now), json.dumps(coverage.to_dict()), run.id),
        )
        self.commit()

    def previous_coverage(self, spider: str, min_pages: int) -> Coverage | None:
        rows = self._db.execute(
            "SELECT coverage FROM runs WHERE spider = ? AND coverage IS NOT NULL ORDER BY id DESC",
            (spider,),
        )
        for (text,) in rows:
            coverage = Coverage.from_dict(json.loads(text))
            if coverage.pages >= min_pages:
                return coverage
        return None

    # -- articles -----------------------------------------------------------------------------

    def _cache(self, key: str, article: ArticleState | None) -> None:
        self._articles.put(key, article)

    def article(self, key: str) -> ArticleState | None:
        if key in self._articles:
            cached = self._articles[key]
            # A copy: callers change what they are given before saving it.
            return dataclasses.replace(cached) if cached is not None else None
        found = self._read_article(key)
        self._cache(key, found)
        return dataclasses.replace(found) if found is not None else None

    def _read_article(self, key: str) -> ArticleState | None:
        row = self._db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        return ArticleState(
            key=row[0],
            url=row[1],
            id=row[2],
            version=row[3],
            content_hash=row[4],
            field_hashes=json.loads(row[5]) if row[5] else {},
            etag=row[6],
            last_modified=row[7],
            first_seen=row[8],
            last_seen=row[9],
            last_status=row[10],
            removed=bool(row[11]),
            duplicate_of=row[12],
            lastmod=row[13],
            due_at=row[14],
            interval=float(row[15] or 0.0),
        )

    def save_article(self, article: ArticleState) -> None:
        self._cache(article.key, dataclasses.replace(article))
        self._db.execute(
            f"INSERT OR REPLACE INTO articles ({ARTICLE_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.key,
                article.url,
                article.id,
                article.version,
                article.content_hash,
                json.dumps(article.field_hashes, sort_keys=True) if article.field_hashes else None,
                article.etag,
                article.last_modified,
                article.first_seen,
                article.last_seen,
                article.last_status,
                int(article.removed),
                article.duplicate_of,
                article.lastmod,
                article.due_at,
                article.interval,
            ),
        )

    def live_article_urls(self, batch: int = 500) -> Iterator[str]:
        # Keyset pages rather than one long cursor: the caller writes to the same connection
        # (and commits) between items.
        after = ""
        while True:
            rows = self._db.execute(
                f"SELECT key, url FROM articles WHERE key > ? AND {LIVE} ORDER BY key LIMIT ?",
                (after, batch),
            ).fetchall()
            if not rows:
                return
            for _key, url in rows:
                yield str(url)
            after = rows[-1][0]

    def due_articles(self, due_before: str, verified_before: str, limit: int) -> list[str]:
        rows = self._db.execute(
            "SELECT url FROM articles WHERE removed = 0 AND (version > 0 OR duplicate_of IS NOT "
            "NULL) AND (due_at IS NULL OR due_at <= ? OR last_seen < ?) "
            "ORDER BY last_seen, key LIMIT ?",
            (due_before, verified_before, limit or -1),
        )
        return [str(url) for (url,) in rows]

    def sample_articles(self, count: int, seed: int) -> list[str]:
        keys = [
            str(key)
            for (key,) in self._db.execute(f"SELECT key FROM articles WHERE {LIVE} ORDER BY key")
        ]
        chosen = sorted(Random(seed).sample(keys, max(0, min(count, len(keys)))))
        return [
            str(self._db.execute("SELECT url FROM articles WHERE key = ?", (key,)).fetchone()[0])
            for key in chosen
        ]

    def live_article_count(self) -> int:
        return int(self._db.execute(f"SELECT count(*) FROM articles WHERE {LIVE}").fetchone()[0])

    def freshness(self, verified_before: str) -> Freshness:
        oldest, overdue = self._db.execute(
            f"SELECT min(last_seen), count(*) FILTER (WHERE last_seen < ?) FROM articles "
            f"WHERE {LIVE}",
            (verified_before,),
        ).fetchone()
        return Freshness(oldest, int(overdue or 0))

    def live_field_hashes(self, batch: int = 1000) -> Iterator[dict[str, str]]:
        after = ""
        while True:
            rows = self._db.execute(
                f"SELECT key, field_hashes FROM articles WHERE key > ? AND {LIVE} "
                "ORDER BY key LIMIT ?",
                (after, batch),
            ).fetchall()
            if not rows:
                return
            for _key, hashes in rows:
                yield json.loads(hashes) if hashes else {}
            after = rows[-1][0]

    # -- category pages -----------------------------------------------------------------------

    def add_category_page(self, page: ListingPage) -> None:
        self._db.execute(
            "INSERT INTO category_pages (name, url, page, articles) VALUES (?, ?, ?, ?)",
            (page.name, page.url, page.page, json.dumps(page.articles)),
        )

    def category_pages(self, batch: int = 200) -> Iterator[ListingPage]:
        after = 0
        while True:
            rows = self._db.execute(
                "SELECT seq, name, url, page, articles FROM category_pages WHERE seq > ? "
                "ORDER BY seq LIMIT ?",
                (after, batch),
            ).fetchall()
            if not rows:
                return
            for _seq, name, url, page, articles in rows:
                yield ListingPage(name=name, url=url, page=page, articles=json.loads(articles))
            after = rows[-1][0]

    def previous_categories(self) -> dict[str, Category]:
        rows = self._db.execute("SELECT url, name, articles FROM categories ORDER BY url")
        return {
            str(url): Category(name=name, url=url, articles=json.loads(articles))
            for url, name, articles in rows
        }

    def save_categories(self, categories: Iterable[Category]) -> None:
        self._db.execute("DELETE FROM categories")
        self._db.executemany(
            "INSERT INTO categories (url, name, articles) VALUES (?, ?, ?)",
            ((c.url, c.name, json.dumps(c.articles)) for c in categories),
        )

    def removed_urls(self) -> set[str]:
        return {
            str(url) for (url,) in self._db.execute("SELECT url FROM articles WHERE removed = 1")
        }

    # -- transactions -------------------------------------------------------------------------

    def commit(self) -> None:
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")

    def close(self) -> None:
        if not self._lock.held:
            return
        try:
            self._db.execute("COMMIT")
            self._db.close()
        finally:
            self._lock.release()
