"""``scrapy export`` as a user runs it: a subprocess, its files, output and exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.archive.reader_runs import article, removed, write_run

ROOT = Path(__file__).resolve().parents[2]
#: ``scrapy`` with pyarrow made unimportable, as on an install without the export extra.
WITHOUT_PYARROW = (
    "import sys; sys.modules['pyarrow'] = None; "
    "from scrapy.cmdline import execute; execute(['scrapy', *sys.argv[1:]])"
)


def scrapy_export(
    *args: str, python: tuple[str, ...] = ("-m", "scrapy")
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *python, "export", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    write_run(root, "site-20261121T030000Z", [article(1), article(2)])
    write_run(root, "site-20261122T030000Z", [article(1, 2), removed(2)])
    return root


def test_export_parquet_with_edges(archive: Path, tmp_path: Path) -> None:
    out, edges = tmp_path / "articles.parquet", tmp_path / "edges.parquet"

    result = scrapy_export(
        str(archive), "--format", "parquet", "--out", str(out), "--related-edges", str(edges)
    )

    assert result.returncode == 0, result.stderr
    assert f"export: 1 articles -> {out} (parquet)" in result.stdout
    assert pq.read_table(out).column("version").to_pylist() == [2]
    assert pq.read_table(edges).column("target_id").to_pylist() == ["0000002"]


def test_unknown_format_is_a_usage_error(archive: Path, tmp_path: Path) -> None:
    result = scrapy_export(str(archive), "--format", "xml", "--out", str(tmp_path / "x"))

    assert result.returncode == 2
    assert "invalid choice: 'xml'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_archive_folder(tmp_path: Path) -> None:
    result = scrapy_export(
        str(tmp_path / "missing"), "--format", "csv", "--out", str(tmp_path / "x.csv")
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: scrapy export: no archive folder {str(tmp_path / 'missing')!r}"
    ]
    assert not (tmp_path / "x.csv").exists()


def test_unwritable_out_path(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "x.csv"

    result = scrapy_export(str(archive), "--format", "csv", "--out", str(out))

    assert result.returncode == 1
    assert f"error: scrapy export: cannot write {out}" in result.stderr
    assert "Traceback" not in result.stderr


def test_parquet_without_pyarrow_names_the_extra(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"

    result = scrapy_export(
        str(archive), "--format", "parquet", "--out", str(out), python=("-c", WITHOUT_PYARROW)
    )

    assert result.returncode == 1
    assert "evergreen-crawler[export]" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    # CSV needs no pyarrow.
    csv_out = tmp_path / "x.csv"
    result = scrapy_export(
        str(archive), "--format", "csv", "--out", str(csv_out), python=("-c", WITHOUT_PYARROW)
    )
    assert result.returncode == 0, result.stderr
    assert csv_out.exists()
