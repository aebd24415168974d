"""A state file that cannot be read is refused when it is opened, and left as it was found."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from crawler.state import ArticleState
from crawler.state.sqlite import SQLiteState
from crawler.state.sqlite_schema import DB_FILE, SCHEMA_VERSION, StateDamaged, check_state_file


def filled(folder: Path, articles: int = 300) -> Path:
    """A state of ``articles`` articles, closed; its file."""
    state = SQLiteState(folder)
    for n in range(articles):
        key = f"/page.php?p={n}"
        state.save_article(ArticleState(key=key, url=f"https://a.example{key}", version=1))
    state.close()
    return folder / DB_FILE


def halve(path: Path) -> bytes:
    os.truncate(path, path.stat().st_size // 2)
    return path.read_bytes()


def test_a_state_cut_to_half_is_refused_at_open_and_left_as_it_was(tmp_path: Path) -> None:
    left = halve(filled(tmp_path))
    for _ in range(2):  # refused again for the file, not for a lock left behind
        with pytest.raises(StateDamaged) as refused:
            SQLiteState(tmp_path)
        assert str(refused.value) == (
            f"the crawl state {tmp_path / DB_FILE} cannot be read (database disk image is "
            "malformed)"
        )
    assert (tmp_path / DB_FILE).read_bytes() == left


def test_a_state_with_a_damaged_page_is_named_by_its_first_problem(tmp_path: Path) -> None:
    path = filled(tmp_path, 2000)
    with path.open("r+b") as stored:
        stored.seek(path.stat().st_size // 2)
        stored.write(b"\xff" * 8192)
    # Where the damage lands decides whether SQLite's own check or a read finds it first.
    found = r"^the crawl state .* (is damaged|cannot be read) \(.+\)$"
    with pytest.raises(StateDamaged, match=found) as refused:
        check_state_file(tmp_path)
    assert "\n" not in str(refused.value)
    with pytest.raises(StateDamaged):
        SQLiteState(tmp_path)


def test_check_state_file_passes_a_good_state_and_no_state(tmp_path: Path) -> None:
    check_state_file(tmp_path / "none")
    filled(tmp_path)
    check_state_file(tmp_path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "no such table: meta"),
        (b"not a database" * 100, "file is not a database"),
    ],
)
def test_check_state_file_refuses_what_is_no_state(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    (tmp_path / DB_FILE).write_bytes(content)
    with pytest.raises(StateDamaged) as refused:
        check_state_file(tmp_path)
    assert str(refused.value) == f"the crawl state {tmp_path / DB_FILE} cannot be read ({reason})"
    assert (tmp_path / DB_FILE).read_bytes() == content


def test_check_state_file_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = filled(tmp_path, 1)
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE name = 'schema'")
    db.close()
    with pytest.raises(StateDamaged) as refused:
        check_state_file(tmp_path)
    assert str(refused.value) == (
        f"the crawl state {path} was written by a newer version of the crawler (schema 99, "
        f"this one reads {SCHEMA_VERSION})"
    )
