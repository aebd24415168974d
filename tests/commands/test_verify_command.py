"""``scrapy verify`` as a user runs it: a subprocess, its output and exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.archive.test_verify import make_run

ROOT = Path(__file__).resolve().parents[2]


def scrapy_verify(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "verify", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_intact_archive_exits_zero(tmp_path: Path) -> None:
    make_run(tmp_path)
    result = scrapy_verify(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 run(s)" in result.stdout


def test_damaged_archive_exits_non_zero_naming_the_file(tmp_path: Path) -> None:
    shard = make_run(tmp_path) / "articles-00002.jsonl"
    shard.write_bytes(shard.read_bytes().replace(b"0000002", b"0000003"))
    result = scrapy_verify(tmp_path)
    assert result.returncode == 1
    assert "DAMAGED" in result.stderr
    assert str(shard) in result.stderr
    assert "Traceback" not in result.stderr


def test_without_an_argument_it_verifies_archive_dir(tmp_path: Path) -> None:
    # A usage error once, where scrapy report read ARCHIVE_DIR: now both do.
    make_run(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "verify", "-s", f"ARCHIVE_DIR={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, f"verify: 1 run(s) in {tmp_path} OK\n")
