"""A run's dropped pages read back from its WARC files: the article captures no record points
to, and none of the pages kept for replay."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from crawler.archive.runfolder import RunFolder
from crawler.dropped import dropped_captures
from tests.archive.test_runfolder import manifest, record
from tests.archive.test_warc import capture

RUN = "site-20250806T090507Z"


def test_only_article_pages_without_a_record_are_dropped_captures(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, RUN)
    folder.open_writers(shard_items=10, gzip=False, warc_max_bytes=1 << 20)
    archived = capture(1)
    folder.write({**record(1), "url": archived.url, "warc": folder.capture(archived).to_dict()})
    folder.capture(capture(2))  # an article page dropped for what it lacks
    origin = "http://127.0.0.1:8000"
    folder.keep(replace(capture(3), url=f"{origin}/category.php?c=film-history"))
    folder.keep(replace(capture(4), url=f"{origin}/"))
    folder.keep(replace(capture(5), url=f"{origin}/static/site.css", body=b"body {}"))
    folder.write_categories(())
    folder.finish(manifest())

    assert [captured.url for captured in dropped_captures(folder.path)] == [capture(2).url]
