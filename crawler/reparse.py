"""Rebuild a run's article records offline from its WARC files, with today's extraction.

A parser fix then reaches old captures without fetching anything again: ``scrapy reparse
<run folder>`` writes a new run folder beside the old one (never touching it) whose records
are those of the old run, each article re-extracted from the response its ``warc`` pointer
names. With unchanged extraction code the new records equal the old ones byte for byte but for
``reparsed_at`` and ``reparsed_from``, which record the reparse itself. What a record says
about its crawl (``version``, ``fetched_at``, ``previous_hash``, ``changed_fields``, ``warc``)
is kept; ``content_hash`` is recomputed from the new content, and ``schema_version`` is
today's.

Today's extraction is the crawl state's learned template when it holds one in use (``scrapy
template learn``), else the page objects. The pages the run dropped (their captures are in its
WARC files, no record pointing to them: ``crawler.dropped``) are read too: one the archive
held with the same content counts as unchanged, others are written as new or changed versions
of what the archive held, as the crawl would have written them.
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
from crawler.digests import changed_fields, content_digests, content_hash, field_digests
from crawler.dropped import archived_before, dropped_captures, response_of
from crawler.pages import ArticlePage
from crawler.schema import with_schema_version
from crawler.state import StoredTemplate
from crawler.templates.apply import article_page_class
from crawler.templates.model import Template
from crawler.urls import path_key

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
    #: Pages the run dropped, read again: by what they are now (new, changed, unchanged).
    recovered: Counter[str] = field(default_factory=Counter)
    #: Pages the run dropped that still do not extract, by contract violation.
    still_dropped: Counter[str] = field(default_factory=Counter)

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


def _page(page_class: type[ArticlePage], response: HtmlResponse, public: str | None) -> ArticlePage:
    # A page without a canonical link is named by the site's public origin, as in the crawl.
    return page_class.from_response(
        response, public if public and public != urls.origin_of(response.url) else None
    )


def reparse_record(
    run_dir: Path, old: Mapping[str, Any], page_class: type[ArticlePage] = ArticlePage
) -> dict[str, Any]:
    """The article record ``old`` with its content extracted again from its capture."""
    page = _page(page_class, _response(run_dir, old["warc"]), urls.origin_of(old["url"]))
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


def _recover(source: Path, page_class: type[ArticlePage], outcome: Outcome) -> list[dict[str, Any]]:
    """The records of the pages the run dropped, read again: new and changed versions of
    what the archive held (unchanged ones and ones that still do not extract are counted)."""
    dropped = dropped_captures(source)
    archived = archived_before(source, {path_key(captured.url) for captured in dropped})
    public = next((urls.origin_of(r["url"]) for r in archived.values()), None)
    written = []
    for captured in dropped:
        old = archived.get(path_key(captured.url))
        item = _page(page_class, response_of(source, captured), public).to_item()
        record = item.to_record()
        if reason := violation(record):
            outcome.still_dropped[reason] += 1
            continue
        digest, fields = content_digests(record)
        if old is not None and old.get("content_hash") == digest:
            outcome.recovered["unchanged"] += 1
            continue
        item.content_hash, item.fetched_at = digest, captured.date
        item.version = int(old["version"]) + 1 if old is not None else 1
        if old is not None:
            item.previous_hash = old["content_hash"]
            item.changed_fields = changed_fields(field_digests(old), fields)
        item.warc = captured.pointer.to_dict()
        outcome.recovered["new" if old is None else "changed"] += 1
        written.append(with_schema_version(item.to_record()))
    return written


def _in_use(template: StoredTemplate) -> dict[str, Any]:
    """The manifest's ``template``: the one the records were read with."""
    return {
        "id": template.id,
        "digest": Template.from_json(template.text).digest,
        "learned_at": template.learned_at,
        "learned_in": Path(template.run_dir).name if template.run_dir else None,
    }


def reparse_run(
    source: Path,
    now: datetime | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    template: StoredTemplate | None = None,
) -> Outcome:
    """Reparse the finished run folder ``source`` into a new run folder beside it, with
    ``template`` (the crawl state's in use) if given, else the page objects;
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
    learned = Template.from_json(template.text).article if template is not None else None
    page_class = article_page_class(learned) if learned is not None else ArticlePage
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
        new = reparse_record(source, old, page_class)
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
    for record in _recover(source, page_class, outcome):
        articles.append(record)
        folder.write({**record, **stamp})
        outcomes["new" if record["version"] == 1 else "changed"] += 1
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
                articles={
                    **{k: outcomes[k] for k in ("new", "changed", "removed")},
                    "unchanged": outcome.recovered["unchanged"],
                },
                dropped=dict(outcome.lost + outcome.still_dropped),
            ),
            settings=settings,
            coverage=_coverage(articles),
            template=_in_use(template) if template is not None else None,
        ),
    )
    return outcome
