"""The search index kept up to date by every crawl: when the engine stops, after the archive
pipeline has written the run's manifest, the runs the index has not applied are applied
(``crawler.archive.index.update_index``): in steady state, this run's new, changed and removed
records only. Every worker of a distributed crawl does it for its own run folder; the index's
writer lock makes them take turns.

A run that did not finish (stopped, killed, a worker taken for dead) has no manifest and
changes nothing: it is applied once resumed and finished.

The index is derived data, so a failed update fails nothing else: it is logged as an error,
counted under ``index/failed``, and ``scrapy crawl`` prints a warning; the next run, ``scrapy
index`` or ``scrapy search`` brings the index up to date.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.archive.index import IndexFileError, update_index
from crawler.archive.manifest import MANIFEST_FILE
from crawler.extensions.state import archive_enabled
from crawler.stats import (
    INDEX_ARTICLES_KEY,
    INDEX_FAILED_KEY,
    INDEX_RUNS_APPLIED_KEY,
    RUN_DIR_KEY,
)

logger = logging.getLogger(__name__)


class SearchIndexExtension:
    """Updates ``<ARCHIVE_DIR>/index.sqlite`` at the end of every run.

    Settings:

    - ``SEARCH_INDEX_ENABLED`` (default ``True``): ``False`` leaves the index alone (``scrapy
      index`` or ``scrapy search`` then catches up). Off too when the crawl has no archive
      (``ArchivePipeline`` not in ``ITEM_PIPELINES``).
    - ``SEARCH_INDEX_BUILD_MEMORY`` (default 4 MiB): what a whole build (a first run, an index
      to rebuild) keeps in memory, so that it stays below the crawl's own peak RSS.
    - ``ARCHIVE_DIR``: the archive whose index it is.

    Stats set: ``index/runs_applied`` (runs applied by this update), ``index/articles`` (live
    articles in the index after it), ``index/failed`` (the error, when it failed).
    """

    def __init__(self, stats: StatsCollector, archive: Path, build_memory: int) -> None:
        self.stats = stats
        self.archive = archive
        self.build_memory = build_memory

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("SEARCH_INDEX_ENABLED"):
            raise NotConfigured("SEARCH_INDEX_ENABLED is False")
        if not archive_enabled(settings):
            raise NotConfigured("the crawl writes no archive")
        assert crawler.stats is not None
        extension = cls(
            crawler.stats,
            Path(settings["ARCHIVE_DIR"]),
            settings.getint("SEARCH_INDEX_BUILD_MEMORY"),
        )
        # Not spider_closed: the archive pipeline writes the manifest in its own spider_closed
        # receiver, and receivers run in the order they were connected; engine_stopped comes
        # after all of them.
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        run_dir = self.stats.get_value(RUN_DIR_KEY)
        if not run_dir or not (Path(run_dir) / MANIFEST_FILE).exists():
            # A run that did not finish has nothing to apply yet: it is applied when resumed
            # and finished, and the index is not built for a crawl that archived nothing.
            return
        try:
            update = update_index(self.archive, build_memory=self.build_memory)
        except (OSError, ValueError, IndexFileError, sqlite3.Error) as exc:
            self.stats.set_value(INDEX_FAILED_KEY, str(exc))
            logger.error("Search index of %s not updated: %s", self.archive, exc)
            return
        self.stats.set_value(INDEX_RUNS_APPLIED_KEY, len(update.applied))
        self.stats.set_value(INDEX_ARTICLES_KEY, update.articles)
        logger.info(
            "Search index %s: %s %d run(s) in %.2f s; %d articles",
            update.path,
            "built from" if update.rebuilt else "applied",
            len(update.applied),
            update.seconds,
            update.articles,
        )
