"""A full build's FTS table, filled by its own thread: what it indexes equals what updates
index, and a failed build stops the thread and leaves no file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from crawler.archive.index import index_path, rebuild_index, update_index
from crawler.archive.search import search
from tests.archive.reader_runs import article, removed, write_run

DAY1, DAY2 = "site-20261121T030000Z", "site-20261122T030000Z"


def matches(archive: Path, query: str) -> list[str]:
    db = sqlite3.connect(index_path(archive))
    try:
        db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
        rows = db.execute(
            "SELECT a.id FROM articles_fts JOIN articles AS a ON a.pk = articles_fts.rowid "
            "WHERE articles_fts MATCH ? ORDER BY a.id",
            (query,),
        )
        return [str(key) for (key,) in rows]
    finally:
        db.close()


def test_a_version_replaced_within_the_build_is_indexed_once(tmp_path: Path) -> None:
    """Article 1's first version is streamed to the thread as a new row, then replaced in the
    same run and in the next: the thread indexes its last version only."""
    root = tmp_path / "archive"
    first = [article(1, title="Zeppelin."), article(2), article(1, 2, title="Airship.")]
    write_run(root, DAY1, first)
    write_run(root, DAY2, [article(1, 3, title="Balloon."), removed(2), article(3)])

    rebuild_index(root)

    assert matches(root, "zeppelin OR airship") == []
    assert matches(root, "balloon") == ["0000001"]
    assert matches(root, "essay") == ["0000001", "0000003"]
    assert search(index_path(root), "balloon").hits[0].id == "0000001"


def test_the_build_s_fts_table_is_the_updates(tmp_path: Path) -> None:
    built, updated = tmp_path / "built", tmp_path / "updated"
    for root in (built, updated):
        write_run(root, DAY1, [article(1)])
    update_index(updated)
    for root in (built, updated):
        write_run(root, DAY2, [article(n, title=f"Essay {n}.") for n in range(2, 30)])
    assert not update_index(updated).rebuilt

    rebuild_index(built)

    words = ("essay", "essay NOT 7", '"essay 7"', "title:12")
    assert [matches(built, w) for w in words] == [matches(updated, w) for w in words]


def test_a_failed_build_stops_the_thread_and_leaves_no_file(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    run = write_run(root, DAY1, [article(n) for n in range(1, 200)], shard_items=50)
    with (run / "articles-00003.jsonl").open("ab") as shard:
        shard.write(b"{not json\n")

    with pytest.raises(ValueError):
        rebuild_index(root)

    assert [thread.name for thread in threading.enumerate() if thread.name == "index-fts"] == []
    assert sorted(p.name for p in root.iterdir() if not p.is_dir()) == []
