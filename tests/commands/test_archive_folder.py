"""``scrapy verify``, ``report``, ``export``, ``replay`` and ``wacz`` on the folder they are
given, typed as a user types them: each command's exact line and exit status for a folder that
is not an archive, an empty archive, no folder at all (``ARCHIVE_DIR``), one run folder, and
reparse folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.archive import test_report
from tests.archive.reader_runs import article, write_run
from tests.commands.as_typed import project_folder, scrapy

RUN = "site-20261121T030000Z"
LATER = "site-20261122T030000Z"
REPARSE = f"reparse-{RUN}-20261124T000000Z"
NOT_RUNS = "(named <spider>-<YYYYMMDDTHHMMSSZ>)"
#: Each command with what it needs besides the folder.
COMMANDS = {
    "verify": (),
    "report": (),
    "export": ("--format", "csv", "--out", "out.csv"),
    # Refused before pywb is looked for, so these need none.
    "replay": (),
    "wacz": ("--out", "out.wacz"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder as after a crawl: ``data/archive`` holds one finished run, beside the
    state folder."""
    folder = project_folder(tmp_path / "project")
    write_run(folder / "data" / "archive", RUN, [article(1), article(2)])
    (folder / "data" / "state" / "127.0.0.1-8765").mkdir(parents=True)
    return folder


def run(project: Path, command: str, *folder: str) -> tuple[int, str, list[str]]:
    result = scrapy(project, command, *folder, *COMMANDS[command])
    return result.returncode, result.stdout, result.stderr.splitlines()


@pytest.mark.parametrize("command", COMMANDS)
def test_the_archive_s_parent_is_not_an_archive(project: Path, command: str) -> None:
    assert run(project, command, "data") == (
        2,
        "",
        [
            f"error: scrapy {command}: 'data' is not an archive folder: archive, state are not "
            f"run folders {NOT_RUNS}; did you mean 'data/archive'?"
        ],
    )
    assert not (project / "out.csv").exists()


@pytest.mark.parametrize("command", ["verify"])  # the same function for all three
def test_the_state_folder_is_not_an_archive(project: Path, command: str) -> None:
    assert run(project, command, "data/state") == (
        2,
        "",
        [
            f"error: scrapy {command}: 'data/state' is not an archive folder: 127.0.0.1-8765 "
            f"is not a run folder {NOT_RUNS}"
        ],
    )


@pytest.mark.parametrize("command", ["verify"])  # the same function for all three
def test_a_stray_folder_in_the_archive_is_named(project: Path, command: str) -> None:
    (project / "data" / "archive" / "old copies").mkdir()
    assert run(project, command, "data/archive") == (
        2,
        "",
        [
            f"error: scrapy {command}: 'data/archive' is not an archive folder: old copies is "
            f"not a run folder {NOT_RUNS}"
        ],
    )


@pytest.mark.parametrize("command", ["verify"])  # the same function for all three
def test_a_folder_of_files_is_not_an_archive(project: Path, command: str) -> None:
    (project / "notes").mkdir()
    (project / "notes" / "todo.txt").write_text("crawl")
    assert run(project, command, "notes") == (
        2,
        "",
        [
            f"error: scrapy {command}: 'notes' is not an archive folder: it holds files but "
            f"no run folders {NOT_RUNS}"
        ],
    )


@pytest.mark.parametrize("command", ["verify"])  # the same function for all three
def test_nothing_there_and_a_file_are_not_archives(project: Path, command: str) -> None:
    assert run(project, command, "data/archve") == (
        2,
        "",
        [f"error: scrapy {command}: no archive folder 'data/archve'"],
    )
    assert run(project, command, "scrapy.cfg") == (
        2,
        "",
        [f"error: scrapy {command}: 'scrapy.cfg' is a file, not an archive folder"],
    )


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("verify", "nothing to verify"),
        ("export", "nothing to export"),
        ("replay", "nothing to replay"),
        ("wacz", "nothing to package"),
    ],
)
def test_an_empty_archive_is_refused_where_runs_are_needed(
    project: Path, command: str, why: str
) -> None:
    (project / "empty").mkdir()
    assert run(project, command, "empty") == (
        2,
        "",
        [f"error: scrapy {command}: 'empty' is an empty archive: 0 runs, {why}"],
    )
    assert not (project / "out.csv").exists()


def test_an_empty_archive_is_reported_as_one(project: Path) -> None:
    (project / "empty").mkdir()
    assert run(project, "report", "empty") == (0, "empty is an empty archive: 0 runs\n", [])


def test_without_a_folder_each_command_reads_archive_dir(project: Path) -> None:
    assert run(project, "verify") == (0, "verify: 1 run(s) in data/archive OK\n", [])
    status, out, errors = run(project, "report")
    assert (status, out.splitlines()[0], errors) == (0, "1 run(s) in data/archive", [])
    assert run(project, "export") == (0, "export: 2 articles -> out.csv (csv)\n", [])


def test_wacz_all_without_a_folder_reads_archive_dir(project: Path) -> None:
    result = scrapy(project, "wacz", "--all", "--out", "out.wacz")
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "error: scrapy wacz: no WARC files in the runs given: nothing to package\n",
    )
    result = scrapy(project, "wacz", "--all", "--out", "out.wacz", "-s", "ARCHIVE_DIR=elsewhere")
    assert (result.returncode, result.stderr) == (
        2,
        "error: scrapy wacz: no archive folder 'elsewhere'\n",
    )


def test_archive_dir_is_the_setting_s(project: Path) -> None:
    result = scrapy(project, "verify", "-s", "ARCHIVE_DIR=elsewhere")
    assert (result.returncode, result.stderr) == (
        2,
        "error: scrapy verify: no archive folder 'elsewhere'\n",
    )
    result = scrapy(project, "report", "-s", "ARCHIVE_DIR=data/archive/" + RUN)
    assert result.stdout.splitlines()[0] == f"1 run(s) in data/archive/{RUN}"


@pytest.mark.parametrize("command", ["report"])  # the same function for all three
def test_two_folders_are_a_usage_error(project: Path, command: str) -> None:
    status, _out, errors = run(project, command, "data/archive", "data/archive")
    assert status == 2
    assert errors[-1] == "scrapy: error: give at most one archive folder (or run folder)"


def test_one_run_folder_stands_for_itself(project: Path) -> None:
    write_run(project / "data" / "archive", LATER, [article(1, 2)])
    assert run(project, "verify", f"data/archive/{RUN}") == (
        0,
        f"verify: 1 run(s) in data/archive/{RUN} OK\n",
        [],
    )
    assert (
        run(project, "export", f"data/archive/{RUN}")[1] == "export: 2 articles -> out.csv (csv)\n"
    )


# ---- reparse folders -------------------------------------------------------------------------


@pytest.fixture
def reparsed(tmp_path: Path) -> Path:
    """A project folder whose archive holds two crawls and a reparse of the first, whose
    manifest counts its records as ``scrapy reparse`` does: by version, so 2 "new"."""
    folder = project_folder(tmp_path / "project")
    archive = folder / "data" / "archive"
    test_report.write_run(archive, "site-20250806T000000Z", new=2)
    test_report.write_run(archive, "site-20250807T000000Z", unchanged=2)
    reparse = test_report.write_run(archive, f"reparse-{OLD}-20250808T000000Z", new=2)
    manifest = json.loads((reparse / "manifest.json").read_text())
    manifest.update(spider="reparse", arguments={"run": OLD}, started_at="2025-08-08T00:00:00Z")
    manifest["counts"].update(articles_written=2, dropped={})
    (reparse / "manifest.json").write_text(json.dumps(manifest))
    return folder


OLD = "site-20250806T000000Z"


def test_the_report_lists_reparse_folders_apart_never_as_new(reparsed: Path) -> None:
    result = scrapy(reparsed, "report")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    run_table = [line.split() for line in lines[2:6]]
    assert run_table[2:] == [
        [OLD, "20250806T000000Z", "site", "2", "0", "0", "0", "0", "0"],
        ["site-20250807T000000Z", "20250807T000000Z", "site", "0", "0", "2", "0", "0", "0"],
    ]
    assert lines[0] == "2 run(s) and 1 reparse folder(s) in data/archive"
    at = lines.index("reparse folders: runs' records extracted again from their captures:")
    assert lines[at - 1 : at + 5] == [
        "",
        "reparse folders: runs' records extracted again from their captures:",
        "reparse folder                                             source run                  "
        "made  articles  removed  lost",
        "----------------------------------------------  ---------------------  "
        "--------------------  --------  -------  ----",
        f"reparse-{OLD}-20250808T000000Z  {OLD}  2025-08-08T00:00:00Z         2        0     0",
        "",
    ]
    assert lines[at + 5] == "categories of the latest crawl, site-20250807T000000Z:"


def test_verify_checks_reparse_folders_and_counts_them_apart(project: Path) -> None:
    write_run(project / "data" / "archive", REPARSE, [article(1), article(2)])
    assert run(project, "verify") == (
        0,
        "verify: 1 run(s) and 1 reparse folder(s) in data/archive OK\n",
        [],
    )
    assert run(project, "export") == (0, "export: 2 articles -> out.csv (csv)\n", [])


def test_a_reparse_of_a_reparse_is_refused(project: Path) -> None:
    write_run(project / "data" / "archive", REPARSE, [article(1), article(2)])
    result = scrapy(project, "reparse", f"data/archive/{REPARSE}")
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (
        1,
        "",
        [
            f"error: scrapy reparse: data/archive/{REPARSE} is a reparse folder: reparse its "
            f"source run, data/archive/{RUN}, instead"
        ],
    )
    assert sorted(p.name for p in (project / "data" / "archive").iterdir()) == [REPARSE, RUN]


def test_wacz_of_reparse_folders_only_is_refused(project: Path) -> None:
    write_run(project / "data" / "archive", REPARSE, [article(1), article(2)])
    assert run(project, "wacz", f"data/archive/{REPARSE}") == (
        2,
        "",
        ["error: scrapy wacz: only reparse folders given: package their source runs"],
    )
    assert not (project / "out.wacz").exists()
