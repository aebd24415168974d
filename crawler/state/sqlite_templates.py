"""The learned site templates of a SQLite state (its ``templates`` table): a part of
``SQLiteState`` kept apart, as it is a part of the state apart from the crawl's own."""

from __future__ import annotations

import sqlite3

from crawler.state import StoredTemplate


class SQLiteTemplates:
    """``CrawlState``'s template history, over the state's connection ``_db``."""

    _db: sqlite3.Connection

    def templates(self) -> list[StoredTemplate]:
        rows = self._db.execute(
            "SELECT id, template, learned_at, run_dir, active FROM templates ORDER BY id"
        ).fetchall()
        return [
            StoredTemplate(
                id=int(row[0]), text=row[1], learned_at=row[2], run_dir=row[3], active=bool(row[4])
            )
            for row in rows
        ]

    def add_template(self, text: str, learned_at: str, run_dir: str | None) -> StoredTemplate:
        self.reset_templates()
        cursor = self._db.execute(
            "INSERT INTO templates (template, learned_at, run_dir, active) VALUES (?, ?, ?, 1)",
            (text, learned_at, run_dir),
        )
        assert cursor.lastrowid is not None
        return StoredTemplate(
            id=cursor.lastrowid, text=text, learned_at=learned_at, run_dir=run_dir, active=True
        )

    def reset_templates(self) -> None:
        self._db.execute("UPDATE templates SET active = 0 WHERE active = 1")
