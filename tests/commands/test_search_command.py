"""``scrapy search``, ``scrapy index`` and ``scrapy history`` as a user runs them: subprocesses,
their output, stderr and exit statuses, on a terminal and piped."""

from __future__ import annotations

import argparse
import json
import os
import pty
import subprocess
from pathlib import Path

import pytest
from scrapy.settings import Settings

import crawler.archive.search
from crawler.archive.index import index_path
from crawler.commands.search import Command
from tests.archive.reader_runs import article, removed, write_run
from tests.commands.as_typed import ROOT, SCRAPY, environment, scrapy

DAY1, DAY2 = "site-20261121T030000Z", "site-20261122T030000Z"


def on_a_terminal(*args: str) -> str:
    """What ``scrapy ARGS`` prints on stdout when stdout is a terminal."""
    controller, terminal = pty.openpty()
    env = environment()
    env.pop("NO_COLOR", None)  # the colours are what is looked at
    process = subprocess.Popen(
        [str(SCRAPY), *args],
        cwd=ROOT,
        stdout=terminal,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the command has exited
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0
    return output.decode("utf-8")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    first = article(1, title="The festival circuit", body="Old words.\n\nMore.")
    write_run(root, DAY1, [first, article(2, title="Silent comedy")])
    write_run(
        root,
        DAY2,
        [
            article(
                1,
                2,
                title="The festival circuit",
                body="New words.\n\nMore.",
                previous_hash=first["content_hash"],
                changed_fields=["body"],
            ),
            removed(2),
        ],
    )
    return root


def test_a_missing_index_is_built_first_with_a_progress_line(archive: Path) -> None:
    result = scrapy(ROOT, "search", "festival", "--archive", str(archive))

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"index: no index yet: building {index_path(archive)} from 2 run(s)",
        "search: 1 of 1 hit(s) for 'festival'",
    ]
    assert result.stdout.splitlines() == [
        "1. The festival circuit",
        "   0000001 · v2 · 2025-08-06 · National cinemas · "
        "https://articles.example/page.php?p=0000001",
        "   The [festival] circuit",
    ]


def test_json_is_one_object_a_hit(archive: Path) -> None:
    result = scrapy(ROOT, "search", '"festival circuit"', "--json", "-s", f"ARCHIVE_DIR={archive}")
    [line] = result.stdout.splitlines()
    hit = json.loads(line)
    assert (hit["rank"], hit["id"], hit["version"], hit["run"]) == (1, "0000001", 2, DAY2)
    assert hit["snippet"] == "The [festival circuit]"


def test_the_match_is_bold_on_a_terminal(archive: Path) -> None:
    shown = on_a_terminal("search", "festival", "--archive", str(archive))
    assert "The \x1b[1mfestival\x1b[0m circuit" in shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["film AND"], "cannot parse the query 'film AND'"),
        (['"festival'], "cannot parse the query"),
        (["film", "--since", "2025-13-01"], "--since '2025-13-01': give a date as YYYY-MM-DD"),
        (["film", "--until", "20250101"], "--until '20250101': give a date as YYYY-MM-DD"),
        (["film", "--limit", "0"], "--limit '0': give a whole number of hits"),
        (["film", "--category", "Westerns"], "no article in category 'Westerns'"),
        ([], "give a query"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    archive: Path, args: list[str], message: str
) -> None:
    result = scrapy(ROOT, "search", *args, "--archive", str(archive))
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("search", "film"), ("history", "0000001")])
def test_a_missing_archive_is_exit_2(tmp_path: Path, command: tuple[str, str]) -> None:
    result = scrapy(ROOT, *command, "--archive", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert (
        result.stderr
        == f"error: scrapy {command[0]}: no archive folder {str(tmp_path / 'nowhere')!r}\n"
    )


def test_index_of_a_folder_that_is_not_an_archive_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    result = scrapy(ROOT, "index", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: scrapy index: {str(tmp_path)!r} is not an archive")


def test_a_run_the_index_lacks_is_noted(archive: Path) -> None:
    assert scrapy(ROOT, "index", str(archive)).returncode == 0
    write_run(archive, "site-20261123T030000Z", [article(3, title="Festival dates")])

    result = scrapy(ROOT, "search", "festival", "--archive", str(archive))

    assert "the index lacks 1 finished run(s) (site-20261123T030000Z)" in result.stderr
    assert len(result.stdout.splitlines()) == 3  # the new run's article is not found yet
    assert scrapy(ROOT, "index", str(archive)).stdout.endswith("1 new run(s) applied in 0.0 s\n")
    assert (
        len(scrapy(ROOT, "search", "festival", "--archive", str(archive)).stdout.splitlines()) == 6
    )


def test_index_builds_updates_and_rebuilds(archive: Path) -> None:
    built = scrapy(ROOT, "index", str(archive))
    again = scrapy(ROOT, "index", str(archive))
    rebuilt = scrapy(ROOT, "index", str(archive), "--rebuild")

    path = index_path(archive)
    assert built.stdout == f"index: {path}: 1 articles, 1 removed, built from 2 run(s) in 0.0 s\n"
    assert again.stdout == f"index: {path}: 1 articles, 1 removed, 0 new run(s) applied in 0.0 s\n"
    assert rebuilt.stderr == f"index: rebuild asked for: building {path} from 2 run(s)\n"


def test_index_of_a_run_folder_is_refused(archive: Path) -> None:
    result = scrapy(ROOT, "index", str(archive / DAY1))
    assert result.returncode == 2
    assert result.stderr == (
        f"error: scrapy index: {archive / DAY1} is a run folder: give the archive folder that "
        "holds it\n"
    )


def test_history_tables_the_versions_and_diffs_them(archive: Path) -> None:
    result = scrapy(ROOT, "history", "0000001", "--diff", "--archive", str(archive))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "article 0000001 https://articles.example/page.php?p=0000001: 2 version(s)"
    assert lines[1].split() == [
        "run",
        "fetched_at",
        "version",
        "content_hash",
        "changed_fields",
    ]
    assert lines[2].split() == [DAY1, "2026-11-21T03:00:00Z", "1", "000100010000"]
    assert lines[3].split() == [DAY2, "2026-11-22T03:00:00Z", "2", "000100020000", "body"]
    assert lines[4:] == ["    body:", "      [-Old-]{+New+} words. More."]


def test_history_shows_a_removal(archive: Path) -> None:
    lines = scrapy(ROOT, "history", "0000002", "--archive", str(archive)).stdout.splitlines()
    assert lines[0].endswith(": 1 version(s), removed 1 time(s)")
    assert lines[-1].split() == [DAY2, "2026-11-21T03:00:00Z", "-", "-", "removed", "(410)"]


def test_history_json(archive: Path) -> None:
    result = scrapy(ROOT, "history", "0000001", "--diff", "--json", "--archive", str(archive))
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert "diff" not in first and first["version"] == 1
    assert second["diff"] == [
        {"field": "body", "hunks": [[["-", "Old"], ["+", "New"], ["=", "words. More."]]]}
    ]
    assert second["changed_fields"] == ["body"] and second["removed"] is False


def test_history_in_colour_on_a_terminal(archive: Path) -> None:
    shown = on_a_terminal("history", "0000001", "--diff", "--archive", str(archive))
    assert "\x1b[31mOld\x1b[0m \x1b[32mNew\x1b[0m words. More." in shown


def test_history_of_an_unknown_article_is_exit_1(archive: Path) -> None:
    result = scrapy(ROOT, "history", "0009999", "--archive", str(archive))
    assert result.returncode == 1
    assert result.stderr == f"error: scrapy history: no article '0009999' in {archive}\n"


def test_a_query_too_broad_to_rank_says_so(
    archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(crawler.archive.search, "RANK_LIMIT", 0)
    command = Command()
    command.settings = Settings({"ARCHIVE_DIR": str(archive)})
    parser = argparse.ArgumentParser()
    command.add_options(parser)

    command.run(["festival"], parser.parse_args([]))

    out, err = capsys.readouterr()
    assert out.startswith("1. The festival circuit\n")
    assert err.splitlines()[-1] == (
        "search: 1 of more than 0 hit(s) for 'festival', newest first: its words are in too "
        "many articles to rank; add a word, or make them a phrase"
    )
