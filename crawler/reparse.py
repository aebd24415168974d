"""Rebuild a run's article records offline from its WARC files, with today's extraction.

A parser fix then reaches old captures without fetching anything again: ``scrapy reparse
<run folder>`` writes a new run folder beside the old one (never touching it) whose records
are those of the old run, each article re-extracted from the response its ``warc`` pointer
names. With unchanged extraction code the new records equal the old ones byte for byte but for
``reparsed_at`` and ``reparsed_from``, which record the reparse itself. What a record says
about its crawl (``version``, ``fetched_at``, ``previous_hash``, ``changed_fields``, ``warc``)
is kept; ``content_hash`` is recomputed from the new content, and ``schema_version`` is
today's.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.http import Headers, HtmlResponse

from crawler import settings as defaults
from crawler import urls
from crawler.archive.folders import run_name_of
from crawler.archive.manifest import MANIFEST_FILE, Counts, Manifest, iso_utc
from crawler.archive.recover import completed_shards, run_records
from crawler.archive.rundir import run_dir_name
from crawler.archive.runfolder import RunFolder
from crawler.archive.shards import DataFile
from crawler.archive.warc import read_record
from crawler.clock import utc_now
from crawler.contract import violation
from crawler.coverage import COVERAGE_FIELDS, Coverage, present
from crawler.digests import content_hash
from crawler.pages import ArticlePage
from crawler.schema import with_schema_version

#: Kept from the old record: what it says about its crawl, not about the page's content.
CRAWL_FIELDS: tuple[str, ...] = ("version", "fetched_at", "previous_hash", "changed_fields")


class ReparseError(ValueError):
    """The folder cannot be reparsed (a reparse folder, not a finished run, no WARC files)."""


@dataclass
class Outcome:
    """What a reparse did, record by record."""

    source: Path
    target: Path
    identical: int = 0
    differing: Counter[str] = field(default_factory=Counter)
    #: Article records the current extraction no longer gives, by contract violation.
    lost: Counter[str] = field(default_factory=Counter)
    #: Records copied as they were: removed records, articles without a capture.
    copied: int = 0

    @property
    def reparsed(self) -> int:
        return self.identical + sum(self.differing.values())


def _response(run_dir: Path, pointer: Mapping[str, Any]) -> HtmlResponse:
    record = read_record(run_dir, pointer)
    http = record.http_headers
    return HtmlResponse(
        url=str(record.rec_headers.get_header("WARC-Target-URI")),
        status=int(http.get_statuscode()),
        headers=Headers([(name, value) for name, value in http.headers]),
        body=record.content,
    )


def reparse_record(run_dir: Path, old: Mapping[str, Any]) -> dict[str, Any]:
    """The article record ``old`` with its content extracted again from its capture."""
    response = _response(run_dir, old["warc"])
    # A page without a canonical link is named by the site's public origin, as in the crawl.
    public = urls.origin_of(old["url"])
    page = ArticlePage.from_response(
        response, public if public != urls.origin_of(response.url) else None
    )
    record = page.to_item().to_record()
    record["content_hash"] = content_hash(record)
    for name in CRAWL_FIELDS:
        if name in old:
            record[name] = old[name]
    record["warc"] = old["warc"]
    # Extracted by today's code, so it follows today's schema.
    with_schema_version(record)
    # The same key order as the crawl wrote: contract keys, then its own.
    ordered = {key: record[key] for key in old if key in record}
    ordered.update(record)
    return ordered


def _coverage(records: list[Mapping[str, Any]]) -> Coverage:
    pages = len(records)
    found = Counter(name for r in records for name in COVERAGE_FIELDS if present(r.get(name)))
    return Coverage(
        pages, {name: round(found[name] / pages, 4) if pages else 0.0 for name in COVERAGE_FIELDS}
    )


def reparse_run(
    source: Path,
    now: datetime | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Outcome:
    """Reparse the finished run folder ``source`` into a new run folder beside it;
    ``progress(done, total)`` is told the records done so far, of those its manifest lists."""
    name = run_name_of(source)
    if name is not None and name.source is not None:
        # Its records are its source's, extracted again: reparsing the source gives the same
        # records with today's extraction, under a name that says which run they are.
        raise ReparseError(
            f"{source} is a reparse folder: reparse its source run, "
            f"{source.parent / name.source}, instead"
        )
    manifest_path = source / MANIFEST_FILE
    if not manifest_path.exists():
        raise ReparseError(f"{source} is not a finished run (no {MANIFEST_FILE})")
    manifest: dict[str, Any] = json.loads(manifest_path.read_bytes())
    if not manifest.get("warcs"):
        raise ReparseError(f"{source} has no WARC files: its pages were not captured")
    started = now or utc_now()
    folder = RunFolder.create(source.parent, run_dir_name(f"reparse-{source.name}", started))
    outcome = Outcome(source, folder.path)
    settings = manifest.get("settings", {})
    folder.open_writers(
        shard_items=int(settings.get("ARCHIVE_SHARD_ITEMS", defaults.ARCHIVE_SHARD_ITEMS)),
        gzip=bool(settings.get("ARCHIVE_GZIP", defaults.ARCHIVE_GZIP)),
    )
    stamp = {"reparsed_at": iso_utc(started), "reparsed_from": source.name}
    articles: list[Mapping[str, Any]] = []
    outcomes: Counter[str] = Counter()
    total = sum(int(entry["records"]) for entry in manifest.get("shards", []))
    for done, old in enumerate(run_records(completed_shards(source)), start=1):
        if progress is not None:
            progress(done, total)
        if old.get("type") != "article" or not old.get("warc"):
            folder.write(old)
            outcome.copied += 1
            outcomes["removed" if old.get("type") == "removed" else "copied"] += 1
            continue
        new = reparse_record(source, old)
        articles.append(new)
        if reason := violation(new):
            outcome.lost[reason] += 1
            continue
        if new["content_hash"] == old.get("content_hash"):
            outcome.identical += 1
        else:
            outcome.differing.update(
                name for name in new if name not in stamp and new.get(name) != old.get(name)
            )
        folder.write({**new, **stamp})
        outcomes["new" if new.get("version", 1) == 1 else "changed"] += 1
    # Category records come from listing pages, which are not captured: the old run's.
    categories = folder.copy_categories(source)
    folder.link_warcs(
        source,
        (DataFile(entry["name"], entry["records"], entry["sha256"]) for entry in manifest["warcs"]),
    )
    folder.finish(
        Manifest(
            spider="reparse",
            arguments={"run": source.name},
            started_at=started,
            finished_at=utc_now(),
            finish_reason="finished",
            counts=Counts(
                articles_written=outcomes["new"] + outcomes["changed"],
                categories_written=categories.records,
                articles={k: outcomes[k] for k in ("new", "changed", "removed")},
                dropped=dict(outcome.lost),
            ),
            settings=settings,
            coverage=_coverage(articles),
        ),
    )
    return outcome
