"""Test-only extension: write the crawl's stats and peak memory to a JSON file at the end.

Enable with ``-s EXTENSIONS='{"tests.hostile.stats_dump.StatsDump": 0}'
-s STATS_DUMP_FILE=<path>``. Parsing the log's stats dump instead would depend on its format.
"""

from __future__ import annotations

import json
import resource
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class StatsDump:
    """Writes ``{"reason", "stats", "peak_rss_bytes"}`` to ``STATS_DUMP_FILE`` when the spider
    closes. ``peak_rss_bytes`` is the process's own high-water mark (``ru_maxrss``), which
    catches a short spike that the periodic ``memusage/max`` sampling would miss."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("STATS_DUMP_FILE")
        if not path:
            raise NotConfigured("STATS_DUMP_FILE is not set")
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = {key: _jsonable(value) for key, value in self.crawler.stats.get_stats().items()}
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        report = {"reason": reason, "stats": stats, "peak_rss_bytes": peak_kib * 1024}
        self.path.write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")
