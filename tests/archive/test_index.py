"""The search index built and updated from hand-made run folders: what it holds, that an
update is idempotent and equals a rebuild in any order of runs, and that readers and writers
can share it."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crawler.archive import iter_records
from crawler.archive.index import (
    PAGE_SIZE,
    IndexFileError,
    connect,
    crawl_runs,
    index_path,
    index_state,
    rebuild_index,
    update_index,
)
from crawler.archive.index_tables import FORMAT, apply_run
from crawler.archive.search import search
from tests.archive.reader_runs import article, removed, write_run

ROOT = Path(__file__).resolve().parents[2]
DAY1, DAY2, DAY3 = "site-20261121T030000Z", "site-20261122T030000Z", "site-20261123T030000Z"


def rows(archive: Path) -> dict[str, tuple[object, ...]]:
    """What the index holds, by article id, without its row numbers."""
    db = sqlite3.connect(index_path(archive))
    try:
        found = {
            row[0]: row[1:]
            for row in db.execute(
                "SELECT id, title, body, category, published, url, version, run, position "
                "FROM articles"
            )
        }
        # The FTS table agrees with its content table.
        db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    finally:
        db.close()
    return found


def tables(archive: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, less row numbers and times of application."""
    queries = {
        "articles": "SELECT id, title, summary, body, category, published, url, version, "
        "content_hash, fetched_at, run, position FROM articles",
        "removed": "SELECT * FROM removed",
        "runs": "SELECT name, finished_at, articles, removed FROM runs",
        "fts": "SELECT a.id FROM articles_fts JOIN articles AS a ON a.pk = articles_fts.rowid "
        "WHERE articles_fts MATCH 'essay'",
    }
    db = sqlite3.connect(index_path(archive))
    try:
        return {name: sorted(db.execute(sql)) for name, sql in queries.items()}
    finally:
        db.close()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    write_run(root, DAY1, [article(1), article(2), article(3)])
    write_run(root, DAY2, [article(1, 2), removed(2)])
    return root


def test_it_holds_the_latest_version_of_every_live_article(archive: Path) -> None:
    update = update_index(archive)

    held = rows(archive)
    assert update.rebuilt and update.applied == (DAY1, DAY2)
    assert sorted(held) == ["0000001", "0000003"]
    assert held["0000001"][0] == "Essay 1, version 2." and held["0000001"][6] == DAY2
    assert {key: value[5] for key, value in held.items()} == {
        record["id"]: record["version"] for record in iter_records(archive, unfinished=False)
    }
    assert (update.articles, update.removed, update.runs) == (2, 1, 2)


def test_it_is_in_wal_mode_with_datasette_s_fts_layout(archive: Path) -> None:
    update_index(archive)
    db = sqlite3.connect(index_path(archive))
    [(mode,)] = db.execute("PRAGMA journal_mode")
    [(sql,)] = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'")
    db.close()
    assert mode == "wal"
    # What Datasette's detect_fts looks for, as sqlite-utils' enable_fts writes it.
    assert "VIRTUAL TABLE articles_fts USING fts5" in sql and "content=[articles]" in sql


def test_updating_twice_from_the_same_runs_changes_nothing(archive: Path) -> None:
    update_index(archive)
    before = tables(archive)

    again = update_index(archive)

    assert again.applied == () and not again.rebuilt
    assert tables(archive) == before


def test_runs_applied_one_by_one_give_what_a_rebuild_gives(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_run(root, DAY1, [article(1), article(2), article(3)])
    assert update_index(root).applied == (DAY1,)
    write_run(root, DAY2, [article(1, 2), removed(2)])
    assert update_index(root).applied == (DAY2,)
    write_run(root, DAY3, [article(2, 2), removed(3)])  # 2 came back, 3 went
    assert update_index(root).applied == (DAY3,)
    incremental = tables(root)

    rebuild_index(root)

    assert tables(root) == incremental
    assert sorted(rows(root)) == ["0000001", "0000002"]


def test_an_older_run_applied_late_does_not_override_a_newer_one(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_run(root, DAY2, [article(1, 2), removed(2)])
    update_index(root)
    write_run(root, DAY1, [article(1), article(2), article(3)])  # found later, older

    assert update_index(root).applied == (DAY1,)

    held = rows(root)
    assert sorted(held) == ["0000001", "0000003"]  # 2 was removed after DAY1's version
    assert held["0000001"][5] == 2
    late = tables(root)
    rebuild_index(root)
    assert tables(root) == late


def test_unfinished_runs_wait_for_their_manifest(archive: Path) -> None:
    write_run(archive, DAY3, [article(3, 2)], finished=False)
    update_index(archive)
    assert rows(archive)["0000003"][5] == 1
    assert index_state(archive).missing == ()


def test_reparse_folders_are_not_versions(archive: Path) -> None:
    write_run(archive, f"reparse-{DAY2}-20261130T000000Z", [article(1, 2, title="Reparsed.")])
    update_index(archive)
    assert rows(archive)["0000001"][0] == "Essay 1, version 2."


def test_a_deleted_index_loses_nothing(archive: Path) -> None:
    update_index(archive)
    before = tables(archive)
    index_path(archive).unlink()

    assert update_index(archive).rebuilt
    assert tables(archive) == before


def test_a_run_gone_from_the_archive_makes_it_rebuild(archive: Path) -> None:
    update_index(archive)
    shutil.rmtree(archive / DAY2)

    update = update_index(archive)

    assert update.rebuilt
    assert sorted(rows(archive)) == ["0000001", "0000002", "0000003"]


def test_an_index_of_another_format_is_rebuilt(archive: Path) -> None:
    update_index(archive)
    db = sqlite3.connect(index_path(archive))
    db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (str(FORMAT - 1),))
    db.commit()
    db.close()

    assert index_state(archive).rebuild == f"index of format {FORMAT - 1}, not {FORMAT}"
    assert update_index(archive).rebuilt
    assert index_state(archive).rebuild is None


def test_a_file_that_is_not_sqlite_is_not_overwritten(archive: Path) -> None:
    index_path(archive).write_text("my notes\n")
    with pytest.raises(IndexFileError, match="not a SQLite file"):
        update_index(archive)
    assert index_path(archive).read_text() == "my notes\n"


def test_a_run_folder_is_not_an_archive(archive: Path) -> None:
    with pytest.raises(ValueError, match="is a run folder"):
        update_index(archive / DAY1)
    assert not (archive / DAY1 / "index.sqlite").exists()


def test_index_state_names_the_runs_it_lacks(archive: Path) -> None:
    update_index(archive)
    write_run(archive, DAY3, [article(4)])
    assert index_state(archive).missing == (DAY3,)


def test_nothing_is_left_beside_the_index(archive: Path) -> None:
    update_index(archive)
    rebuild_index(archive)
    assert sorted(p.name for p in archive.iterdir() if not p.is_dir()) == ["index.sqlite"]


def test_a_search_reads_while_an_update_holds_the_write_lock(archive: Path) -> None:
    """WAL: a reader neither waits for a writer nor sees its uncommitted rows."""
    update_index(archive)
    run = write_run(archive, DAY3, [article(1, 3, title="Zeppelin.")])
    writer = connect(index_path(archive))
    writer.execute("BEGIN IMMEDIATE")
    [folder] = [folder for folder in crawl_runs(archive, unfinished=False) if folder.path == run]
    apply_run(writer, folder)
    found: list[int] = []

    def read() -> None:
        found.append(search(index_path(archive), "Zeppelin").total)
        found.append(search(index_path(archive), "Essay").total)

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(timeout=5)
    writer.execute("COMMIT")
    writer.close()

    assert not reader.is_alive()
    assert found == [0, 2]
    assert search(index_path(archive), "Zeppelin").total == 1


def test_a_search_during_a_rebuild_sees_the_old_index_or_the_new(archive: Path) -> None:
    update_index(archive)
    for n in range(4, 400):
        write_run(archive, f"site-20261124T{n:06d}Z", [article(n)], shard_items=10)
    totals: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            totals.append(search(index_path(archive), "Essay").total)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        rebuild_index(archive)
    finally:
        done.set()
        reader.join(timeout=30)
    totals.append(search(index_path(archive), "Essay").total)
    assert set(totals) <= {2, 398} and totals[-1] == 398


UPDATE = "import sys; from crawler.archive.index import update_index; update_index(sys.argv[1])"


def test_two_writers_at_once_both_apply_their_runs(archive: Path) -> None:
    """Two workers of a distributed crawl finishing together, each in its own process."""
    update_index(archive)
    for worker in ("a", "b"):
        write_run(archive, f"{DAY3}-{worker}", [article(n) for n in range(10, 400)], shard_items=50)
    writers = [
        subprocess.Popen([sys.executable, "-c", UPDATE, str(archive)], cwd=ROOT) for _ in range(2)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]

    assert index_state(archive).missing == ()
    together = tables(archive)
    assert len(together["runs"]) == 4
    rebuild_index(archive)
    assert tables(archive) == together


def test_records_without_optional_fields_are_indexed(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_run(root, DAY1, [article(1, summary=None, fetched_at=None)])
    update_index(root)
    assert sorted(rows(root)) == ["0000001"]
    assert json.loads(json.dumps(search(index_path(root), "Essay").hits[0].to_dict()))


def test_a_new_index_takes_page_size_and_a_rebuild_keeps_the_file_s(archive: Path) -> None:
    """SQLite's backup into a database in WAL mode (which readers may hold open) cannot
    change its page size: a rebuild over an index of 4 KiB pages (format 1's) keeps them."""

    def page_size() -> int:
        db = sqlite3.connect(index_path(archive))
        try:
            return int(db.execute("PRAGMA page_size").fetchone()[0])
        finally:
            db.close()

    update_index(archive)
    assert page_size() == PAGE_SIZE
    index_path(archive).unlink()
    old = sqlite3.connect(index_path(archive))
    old.execute("PRAGMA page_size = 4096")
    old.execute("PRAGMA journal_mode = WAL")
    old.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    old.execute("INSERT INTO meta VALUES ('format', '1')")
    old.commit()
    old.close()

    assert update_index(archive).rebuilt
    assert page_size() == 4096
    assert search(index_path(archive), "essay").total == 2
