"""``scrapy template show|learn|reset`` on a crawl state, offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawler.state.sqlite import SQLiteState

ROOT = Path(__file__).resolve().parents[2]


def template(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "template", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_show_and_reset(tmp_path: Path) -> None:
    state = SQLiteState(tmp_path)
    state.add_template('{"format": 1}\n', "2026-03-01T03:00:00Z", str(tmp_path / "site-1"))
    state.commit()
    state.close()
    shown = template("show", "-s", f"STATE_DIR={tmp_path}")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[:2] == [
        "template in use: #1, learned 2026-03-01T03:00:00Z",
        '{"format": 1}',
    ]
    assert "#1 learned 2026-03-01T03:00:00Z in site-1 (in use)" in shown.stdout
    assert template("reset", "-s", f"STATE_DIR={tmp_path}").returncode == 0
    shown = template("show", "-s", f"STATE_DIR={tmp_path}")
    assert shown.stdout.startswith("template in use: the page objects")


def test_learn_from_a_run_without_captures_fails_with_one_error_line(tmp_path: Path) -> None:
    SQLiteState(tmp_path / "state").close()
    (tmp_path / "site-20260301T030000Z").mkdir()
    learned = template(
        "learn",
        "--from-run",
        str(tmp_path / "site-20260301T030000Z"),
        "-s",
        f"STATE_DIR={tmp_path / 'state'}",
    )
    assert learned.returncode == 1
    [line] = learned.stderr.splitlines()
    assert line.startswith("error: scrapy template: no template learned") and "at least 6" in line


def test_without_a_state_folder_it_says_so(tmp_path: Path) -> None:
    shown = template("show", "-s", f"STATE_DIR={tmp_path / 'none'}")
    assert shown.returncode == 2
    assert shown.stderr.splitlines() == [
        "error: scrapy template: give the crawl's state folder: -s STATE_DIR=<folder>"
    ]
