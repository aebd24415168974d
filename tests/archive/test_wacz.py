"""``crawler.archive.wacz``: runs packaged with py-wacz, pages.jsonl named by the captures."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from crawler.archive.runfolder import RunFolder
from crawler.archive.wacz import WaczError, run_pages, write_wacz
from tests.archive.test_runfolder import manifest
from tests.archive.test_warc import capture

RUN = "site-20250806T090507Z"


def article_run(archive: Path) -> Path:
    """A finished run of one article record pointing to its capture, and a listing page kept."""
    folder = RunFolder.create(archive, RUN)
    folder.open_writers(shard_items=10, gzip=False, warc_max_bytes=1 << 20)
    pointer = folder.capture(capture(1))
    folder.keep(capture(2, b"<p>a listing</p>"))
    folder.write(
        {
            "type": "article",
            "url": "https://articles.example/page.php?p=0000001",
            "title": "An essay",
            "body": "Its text.",
            "warc": pointer.to_dict(),
        }
    )
    folder.write({"type": "removed", "url": "https://articles.example/page.php?p=0000003"})
    folder.write_categories(())
    folder.finish(manifest())
    return folder.path


def test_each_article_is_a_page_named_by_its_capture(tmp_path: Path) -> None:
    [page] = run_pages(article_run(tmp_path))
    assert page["url"] == capture(1).url  # what a replay looks up, not the public URL
    assert (page["title"], page["text"], page["ts"]) == (
        "An essay",
        "Its text.",
        "2025-08-06T09:00:00Z",
    )


def test_the_package_holds_the_warcs_an_index_and_the_pages(tmp_path: Path) -> None:
    run = article_run(tmp_path / "archive")
    packaged = write_wacz([run], tmp_path / "out" / "run.wacz", title="Sample")
    assert (packaged.runs, packaged.warcs, packaged.pages) == (1, 1, 1)
    with zipfile.ZipFile(packaged.path) as package:
        names = set(package.namelist())
        header, page = package.read("pages/pages.jsonl").decode().splitlines()
    assert f"archive/{RUN}-capture-00001.warc.gz" in names
    assert "indexes/index.cdx.gz" in names and "datapackage.json" in names
    assert json.loads(header)["format"] == "json-pages-1.0"
    assert json.loads(page)["title"] == "An essay"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["run.wacz"]


def test_runs_without_warc_files_are_refused(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, RUN)
    folder.open_writers(shard_items=10, gzip=False)
    folder.write_categories(())
    folder.finish(manifest())
    with pytest.raises(WaczError, match="nothing to package"):
        write_wacz([folder.path], tmp_path / "run.wacz")
