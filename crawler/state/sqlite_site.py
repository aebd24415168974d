"""The state's tables of the site itself: what its sitemaps list and their validators, when
each listing page is next swept, and the site's own notes (``meta``). Part of
``crawler.state.sqlite.SQLiteState``; apart because it is its own concern."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from crawler.state import SitemapState
from crawler.state.sqlite_frontier import DONE


class SiteTables:
    """The site's half of ``SQLiteState`` (on its connection, ``_db``)."""

    _db: sqlite3.Connection

    def sitemap_entry(self, key: str) -> tuple[str, str | None] | None:
        row = self._db.execute(
            "SELECT sitemap, lastmod FROM sitemap_entries WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else (str(row[0]), row[1])

    def sitemap_entries(self, sitemap: str) -> dict[str, str | None]:
        rows = self._db.execute(
            "SELECT key, lastmod FROM sitemap_entries WHERE sitemap = ?", (sitemap,)
        )
        return {str(key): lastmod for key, lastmod in rows}

    def unaccounted(self) -> list[str]:
        rows = self._db.execute(
            "SELECT l.key FROM run_listed l "
            "WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.key = l.key) "
            "AND NOT EXISTS (SELECT 1 FROM frontier f WHERE f.key = l.key AND f.state = ?) "
            "ORDER BY l.key",
            (DONE,),
        )
        return [str(key) for (key,) in rows]

    def save_sitemap_entries(self, sitemap: str, entries: Mapping[str, str | None]) -> None:
        self._db.execute("DELETE FROM sitemap_entries WHERE sitemap = ?", (sitemap,))
        self._db.executemany(
            "INSERT OR REPLACE INTO sitemap_entries (key, sitemap, lastmod) VALUES (?, ?, ?)",
            ((key, sitemap, lastmod) for key, lastmod in entries.items()),
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO run_listed (key) VALUES (?)", ((key,) for key in entries)
        )

    def sitemap(self, url: str) -> SitemapState | None:
        row = self._db.execute(
            "SELECT lastmod, etag, last_modified FROM sitemaps WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return None
        return SitemapState(url=url, lastmod=row[0], etag=row[1], last_modified=row[2])

    def save_sitemap(self, sitemap: SitemapState) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO sitemaps (url, lastmod, etag, last_modified) "
            "VALUES (?, ?, ?, ?)",
            (sitemap.url, sitemap.lastmod, sitemap.etag, sitemap.last_modified),
        )

    # -- listings -----------------------------------------------------------------------------

    def listing_due(self, url: str, page: int) -> str | None:
        row = self._db.execute(
            "SELECT due_at FROM listings WHERE url = ? AND page = ?", (url, page)
        ).fetchone()
        return None if row is None else row[0]

    def schedule_listing(self, url: str, page: int, due_at: str) -> None:
        self._db.execute(
            "INSERT INTO listings (url, page, due_at) VALUES (?, ?, ?) "
            "ON CONFLICT (url, page) DO UPDATE SET due_at = excluded.due_at",
            (url, page, due_at),
        )

    def due_listings(self, due_before: str) -> list[tuple[str, int]]:
        rows = self._db.execute(
            "SELECT url, page FROM listings WHERE page > 1 AND due_at <= ? ORDER BY url, page",
            (due_before,),
        )
        return [(str(url), int(page)) for url, page in rows]

    def meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))
