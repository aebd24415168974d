"""The pages a finished run dropped, read back from its WARC captures, with what the archive
held for them before.

A run that could not read its pages (a redesign, with ``TEMPLATE_LEARNING=False`` or a
template that failed validation) wrote no record for them, but kept each dropped page's
capture, no record pointing to it (``crawler.pipelines.archive``). They are what ``scrapy
template learn --from-run`` learns from, each labelled by its article's archived record, and
what ``scrapy reparse`` reads again with the template learned.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from scrapy.http import Headers, HtmlResponse

from crawler.archive.reader import iter_records
from crawler.archive.recover import completed_shards, run_records
from crawler.archive.warc import Captured, iter_responses, read_record
from crawler.urls import page_kind, path_key


def dropped_captures(
    run_dir: Path, records: Iterable[dict[str, Any]] | None = None
) -> list[Captured]:
    """The captures no record of the run points to, of article pages the run wrote no record
    for: the last capture of each page, in the order the pages were first captured. The
    listing pages and requisites kept for replay are captures no record points to as well,
    and are left out: they never were articles to drop."""
    if records is None:
        records = run_records(completed_shards(run_dir))
    pointed: set[str] = set()
    written: set[str] = set()
    for record in records:
        if isinstance(record.get("warc"), dict):
            pointed.add(str(record["warc"].get("record_id")))
        if record.get("url"):
            written.add(path_key(str(record["url"])))
    found: dict[str, Captured] = {}
    for captured in iter_responses(run_dir):
        key = path_key(captured.url)
        if page_kind(captured.url) != "article":
            continue
        if captured.pointer.record_id not in pointed and key not in written:
            found[key] = captured
    return list(found.values())


def response_of(run_dir: Path, captured: Captured) -> HtmlResponse:
    """The captured page as the crawl parsed it (``ValueError``: not in the file)."""
    record = read_record(run_dir, captured.pointer.to_dict())
    http = record.http_headers
    return HtmlResponse(
        captured.url,
        status=captured.status,
        headers=Headers([(name, value) for name, value in http.headers]),
        body=record.content,
    )


def archived_before(run_dir: Path, keys: Collection[str]) -> dict[str, dict[str, Any]]:
    """The latest archived version of each page (by path key) among ``keys``, from the run
    folders of the archive ``run_dir`` is in (reparse folders left out)."""
    found: dict[str, dict[str, Any]] = {}
    if not keys:
        return found
    for record in iter_records(run_dir.parent):
        key = path_key(str(record.get("url")))
        if key in keys:
            found[key] = record
    return found
