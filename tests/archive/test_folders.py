"""``crawler.archive.folders``: which folders are run folders, reparse folders and archives."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.archive.folders import NoSuchFolder, NotAnArchive, RunName, find_archive, run_name

RUN = "site-20261125T131500Z"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (RUN, RunName("site", "20261125T131500Z")),
        (f"{RUN}-2", RunName("site", "20261125T131500Z")),
        (f"{RUN}-myhost-4121", RunName("site", "20261125T131500Z")),
        (f"{RUN}-myhost-4121-2", RunName("site", "20261125T131500Z")),
        ("my-spider-20261125T131500Z", RunName("my-spider", "20261125T131500Z")),
        (
            f"reparse-{RUN}-20261203T090000Z",
            RunName("site", "20261125T131500Z", RUN, "20261203T090000Z"),
        ),
        (
            f"reparse-{RUN}-w1-20261203T090000Z-2",
            RunName("site", "20261125T131500Z", f"{RUN}-w1", "20261203T090000Z"),
        ),
        # Made before a reparse of a reparse was refused: it names the crawl at the root.
        (
            f"reparse-reparse-{RUN}-20261203T090000Z-20261204T090000Z",
            RunName("site", "20261125T131500Z", RUN, "20261204T090000Z"),
        ),
        ("archive", None),
        ("127.0.0.1-8765", None),
        ("articles.example", None),
        ("site-2026-11-25", None),
        ("site-20261125T131500", None),
        ("reparse-20261125T131500Z", None),
        ("reparse-state-20261125T131500Z", None),
        (f"{RUN}.tar", None),
    ],
)
def test_run_names(name: str, expected: RunName | None) -> None:
    assert run_name(name) == expected


def test_an_archive_holds_runs_and_reparses_apart(tmp_path: Path) -> None:
    for name in (f"{RUN}-2", RUN, f"reparse-{RUN}-20261203T090000Z", ".snapshot"):
        (tmp_path / name).mkdir()
    (tmp_path / "report.html").write_text("<!DOCTYPE html>")

    archive = find_archive(tmp_path)

    assert [path.name for path in archive.runs] == [RUN, f"{RUN}-2"]
    assert [path.name for path in archive.reparses] == [f"reparse-{RUN}-20261203T090000Z"]
    assert not archive.single and not archive.empty
    assert archive.describe() == "2 run(s) and 1 reparse folder(s)"


def test_a_run_folder_stands_for_itself(tmp_path: Path) -> None:
    (tmp_path / RUN / "shards").mkdir(parents=True)
    given = tmp_path / RUN / "shards" / ".."
    archive = find_archive(given)
    assert archive.single and archive.runs == (given,) and archive.describe() == "1 run(s)"
    reparse = tmp_path / f"reparse-{RUN}-20261203T090000Z"
    reparse.mkdir()
    assert find_archive(reparse).reparses == (reparse,)
    assert find_archive(reparse).describe() == "1 reparse folder(s)"


def test_an_empty_folder_is_an_empty_archive(tmp_path: Path) -> None:
    (tmp_path / ".keep").write_text("")
    archive = find_archive(tmp_path)
    assert archive.empty and archive.describe() == "0 run(s)"


def test_another_folder_is_not_an_archive(tmp_path: Path) -> None:
    (tmp_path / "archive" / RUN).mkdir(parents=True)
    for name in ("state", "sample_site", "x", "y"):
        (tmp_path / name).mkdir()

    with pytest.raises(NotAnArchive) as refused:
        find_archive(tmp_path)

    assert str(refused.value) == (
        f"{str(tmp_path)!r} is not an archive folder: archive, sample_site, state and 2 more "
        "are not run folders (named <spider>-<YYYYMMDDTHHMMSSZ>); did you mean "
        f"{str(tmp_path / 'archive')!r}?"
    )


def test_nothing_there_is_a_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no archive folder") as refused:
        find_archive(tmp_path / "missing")
    assert isinstance(refused.value, NoSuchFolder | NotAnArchive)
