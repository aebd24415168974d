"""Bringing the state level with what a killed process wrote to its archive.

A process records an article in the state right after writing its line, so when it is killed
the archive can be one record ahead of the state (or more, after a power cut). Entering every
record of the run's shards again is harmless where the state already knows them, and makes
the resumed crawl treat the others as archived: not fetched again, not written twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.archive.manifest import iso_utc
from crawler.archive.warc import captured_validators
from crawler.digests import content_hash, content_key, field_digests, url_key
from crawler.revisit import RevisitSettings, first_due, from_iso
from crawler.state import ArticleState, CrawlState
from crawler.urls import path_key


def _moment(seen: str, now: datetime) -> datetime:
    """When a record was fetched, by its ``fetched_at``; ``now`` if that does not parse."""
    try:
        return from_iso(seen)
    except ValueError:
        return now


def _article(
    state: CrawlState,
    known: ArticleState | None,
    record: Mapping[str, Any],
    seen: str,
    run_dir: Path | None,
    now: datetime,
) -> None:
    version = int(record.get("version") or 1)
    digest = str(record.get("content_hash") or content_hash(record))
    if known is not None and (known.version, known.content_hash) == (version, digest):
        return
    if known is not None and known.version > version:
        return
    # The page's validators are in its capture: without them the next run would download it
    # in full rather than get a 304.
    pointer = record.get("warc")
    etag, last_modified = (
        captured_validators(run_dir, pointer)
        if run_dir is not None and isinstance(pointer, Mapping)
        else (None, None)
    )
    key = path_key(record["url"])
    # Scheduled as a first crawl schedules, within the shorter bound: the lastmod it was
    # fetched for died with the killed process.
    due_at, interval = first_due(key, _moment(seen, now), RevisitSettings().bound(trusted=False))
    state.save_article(
        ArticleState(
            key=key,
            url=record["url"],
            id=record.get("id"),
            version=version,
            content_hash=digest,
            field_hashes=field_digests(record),
            # Never the validators known before: those were an older version's.
            etag=etag,
            last_modified=last_modified,
            first_seen=known.first_seen if known is not None else seen,
            last_seen=seen,
            last_status=200,
            lastmod=entry[1] if (entry := state.sitemap_entry(key)) is not None else None,
            due_at=due_at,
            interval=interval,
        )
    )


def reconcile(
    state: CrawlState,
    records: Iterable[Mapping[str, Any]],
    now: datetime,
    run_dir: Path | None = None,
) -> Counter[str]:
    """Enter ``records`` (a run's archive, in order) into ``state``; return how many there were
    of each outcome (``new``, ``changed``, ``removed``: ``crawler.outcomes``). Their pages count
    as done in the run's frontier, and their URL and content claims are made, as if the
    process that wrote them had lived to commit. With ``run_dir``, the folder holding the
    records' WARC files, an article the state did not know gets its page's validators."""
    counts: Counter[str] = Counter()
    for record in records:
        url = str(record.get("url") or "")
        key = path_key(url)
        known = state.article(key)
        if record.get("type") == "removed":
            counts["removed"] += 1
            if known is not None and not known.removed:
                known.removed = True
                known.last_status = int(record.get("status") or 0)
                state.save_article(known)
        elif record.get("type") == "article":
            counts["new" if int(record.get("version") or 1) == 1 else "changed"] += 1
            seen = str(record.get("fetched_at") or iso_utc(now))
            _article(state, known, record, seen, run_dir, now)
            state.run_urls.claim(url_key(url), url)
            state.contents.claim(
                content_key(str(record.get("title") or ""), str(record.get("body") or "")), url
            )
        state.frontier.done_key(key)
    return counts
