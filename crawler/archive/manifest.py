"""``manifest.json``: what a run wrote and how it ended. Written last, so its presence marks a
complete run; the digests let a reader verify every data file without trusting its size."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from crawler.archive.atomic import atomic_write
from crawler.archive.categories import CATEGORIES_FILE
from crawler.archive.rundir import to_utc
from crawler.archive.shards import DataFile
from crawler.coverage import Coverage
from crawler.outcomes import OUTCOMES, article_counts
from crawler.stats import (
    DROPPED_PREFIX,
    DUPLICATE_CONTENT_KEY,
    DUPLICATE_URL_KEY,
    PAGES_FAILED_PREFIX,
    UNACCOUNTED_KEY,
    WRITTEN_KEY,
    with_prefix,
)
from crawler.version import __version__

MANIFEST_FILE = "manifest.json"
#: What a manifest says of a folder whose categories file is not written yet.
NO_CATEGORIES = DataFile(CATEGORIES_FILE, 0, "")


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC with a ``Z``, to the second.

    >>> from datetime import UTC
    >>> iso_utc(datetime(2025, 8, 6, 9, 5, 0, 123, tzinfo=UTC))
    '2025-08-06T09:05:00Z'
    """
    return to_utc(moment).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _sorted(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}


def _file_entry(info: DataFile) -> dict[str, Any]:
    return {"name": info.name, "records": info.records, "sha256": info.sha256}


@dataclass(frozen=True, slots=True, kw_only=True)
class Counts:
    """Outcome counters of a run. ``articles`` maps each outcome of ``crawler.outcomes``
    (``new``, ``changed``, ``unchanged``, ``removed``) to its count; ``dropped`` maps a contract
    violation (``missing_title``) and ``pages_failed`` an HTTP status or error name to how many
    times it happened."""

    articles_written: int = 0
    categories_written: int = 0
    articles: Mapping[str, int] = field(default_factory=dict)
    duplicate_urls: int = 0
    duplicate_contents: int = 0
    dropped: Mapping[str, int] = field(default_factory=dict)
    pages_failed: Mapping[str, int] = field(default_factory=dict)
    #: Articles the sitemaps list that the run did not account for: 0 in a complete run.
    unaccounted: int = 0

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], categories_written: int) -> Counts:
        """A run's counts from its stats (or the counters saved with it).

        >>> Counts.from_stats({"articles/new": 2, "validate/dropped/missing_title": 1}, 3).dropped
        {'missing_title': 1}
        """
        return cls(
            articles_written=int(stats.get(WRITTEN_KEY, 0)),
            categories_written=categories_written,
            articles=article_counts(stats),
            duplicate_urls=int(stats.get(DUPLICATE_URL_KEY, 0)),
            duplicate_contents=int(stats.get(DUPLICATE_CONTENT_KEY, 0)),
            dropped=with_prefix(stats, DROPPED_PREFIX),
            pages_failed=with_prefix(stats, PAGES_FAILED_PREFIX),
            unaccounted=int(stats.get(UNACCOUNTED_KEY, 0)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles_written": self.articles_written,
            "categories_written": self.categories_written,
            # Every outcome, zeros included: scripts read these exact keys.
            "articles": {outcome: int(self.articles.get(outcome, 0)) for outcome in OUTCOMES},
            "duplicates": {"url": self.duplicate_urls, "content": self.duplicate_contents},
            "dropped": _sorted(self.dropped),
            "pages_failed": _sorted(self.pages_failed),
            "unaccounted": self.unaccounted,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    """Everything ``manifest.json`` records about one run; ``to_dict`` is its JSON shape."""

    FORMAT: ClassVar[int] = 3

    spider: str
    arguments: Mapping[str, Any]
    started_at: datetime
    finished_at: datetime
    finish_reason: str
    counts: Counts
    settings: Mapping[str, Any]
    #: The run's data files: ``crawler.archive.runfolder.RunFolder.finish`` fills them in
    #: from the folder itself.
    shards: Sequence[DataFile] = ()
    categories: DataFile = NO_CATEGORIES
    #: The run's WARC files (``crawler.archive.warc``): records are WARC records there.
    warcs: Sequence[DataFile] = ()
    coverage: Coverage = field(default_factory=lambda: Coverage(0, {}))
    #: When a later process took the run over after the one before it was killed or stopped.
    resumed_at: Sequence[datetime] = ()
    #: The drift alarms the run raised (``crawler.extensions.alarms``), one line each.
    alarms: Sequence[str] = ()
    #: Requests sent to the site, by purpose (``crawler.revisit.PURPOSES``): what it cost.
    requests: Mapping[str, int] = field(default_factory=dict)
    #: Field coverage of the archive's current articles after the run (with a crawl state):
    #: what a run that parsed few pages still says about the archive.
    archive_coverage: Coverage | None = None
    #: How stale the archive is after the run: the bound, the oldest check, articles overdue.
    freshness: Mapping[str, Any] | None = None
    #: Whether the site's sitemap lastmod is trusted, and the articles that lost the trust.
    lastmod: Mapping[str, Any] | None = None
    #: The learned template the run read pages with (``crawler.templates``): its id and
    #: digest, where it was learned, and its file if this run learned it; ``None``: the page
    #: objects.
    template: Mapping[str, Any] | None = None
    project_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        # Top-level keys keep a reading order; maps whose order means nothing are sorted so
        # two runs with the same outcome give the same text.
        return {
            "format": self.FORMAT,
            "project_version": self.project_version,
            "spider": self.spider,
            "arguments": _sorted(self.arguments),
            "started_at": iso_utc(self.started_at),
            "resumed_at": [iso_utc(moment) for moment in self.resumed_at],
            "finished_at": iso_utc(self.finished_at),
            "finish_reason": self.finish_reason,
            "counts": self.counts.to_dict(),
            "coverage": self.coverage.to_dict(),
            "archive_coverage": (
                self.archive_coverage.to_dict() if self.archive_coverage is not None else None
            ),
            "requests": {purpose: int(n) for purpose, n in self.requests.items()},
            "freshness": dict(self.freshness) if self.freshness is not None else None,
            "lastmod": dict(self.lastmod) if self.lastmod is not None else None,
            "alarms": list(self.alarms),
            "template": dict(self.template) if self.template is not None else None,
            "shards": [_file_entry(shard) for shard in self.shards],
            "categories": _file_entry(self.categories),
            "warcs": [_file_entry(warc) for warc in self.warcs],
            "settings": _sorted(self.settings),
        }

    def to_json(self) -> bytes:
        # default=str: a spider argument that is not JSON must not cost a finished run its
        # manifest.
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)
        return (text + "\n").encode("utf-8")


def write_manifest(run_dir: Path, manifest: Manifest) -> Path:
    """Publish ``<run_dir>/manifest.json`` atomically; call it after every data file is final."""
    path = run_dir / MANIFEST_FILE
    atomic_write(path, manifest.to_json())
    return path
