"""Store the run: articles in rotating shards, merged categories, then the manifest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from crawler.archive.categories import merge_category_pages
from crawler.archive.manifest import Counts, Manifest
from crawler.archive.payloads import PayloadStore
from crawler.archive.rundir import run_dir_name
from crawler.archive.runfolder import RunFolder
from crawler.archive.shards import DataFile
from crawler.clock import crawl_clock, utc_now
from crawler.contract import violation
from crawler.coverage import Coverage
from crawler.extensions.degraded import Degraded
from crawler.extensions.learning import template_learning
from crawler.extensions.state import CrawlStateExtension, crawl_state_extension
from crawler.items import Article, ListingPage, PageCapture
from crawler.pipelines.records import (
    archive_record,
    category_page,
    is_article,
    is_category_page,
    is_removed,
)
from crawler.revisit import PURPOSES
from crawler.state.categories import run_categories
from crawler.stats import (
    ALARMS_KEY,
    CATEGORIES_WRITTEN_KEY,
    DROPPED_AFTER_FAILURE_KEY,
    FAILED_KEY,
    FRESHNESS_KEY,
    KEPT_PREFIX,
    REQUESTS_PREFIX,
    REVISITS_KEY,
    RUN_DIR_KEY,
    TEMPLATE_KEY,
    TRUST_KEY,
    WRITTEN_KEY,
)

logger = logging.getLogger(__name__)

FAILED_REASON = "archive_failed"


def run_requests(stats: Mapping[str, Any]) -> dict[str, int]:
    """Requests sent, by purpose, every purpose present.

    >>> run_requests({"requests/due": 3})["due"], run_requests({})["listing"]
    (3, 0)
    """
    return {purpose: int(stats.get(REQUESTS_PREFIX + purpose, 0)) for purpose in PURPOSES}


def _is_dir(path: str | None) -> bool:
    return path is not None and Path(path).is_dir()


class CategoryPages(Protocol):
    """Where the run keeps its listing pages until its categories are written."""

    def add_category_page(self, page: ListingPage) -> None: ...

    def category_pages(self) -> Iterator[ListingPage]: ...


class MemoryCategoryPages:
    """``CategoryPages`` in a list: for crawls without a state."""

    def __init__(self) -> None:
        self._pages: list[ListingPage] = []

    def add_category_page(self, page: ListingPage) -> None:
        self._pages.append(page)

    def category_pages(self) -> Iterator[ListingPage]:
        return iter(self._pages)


class ArchivePipeline:
    """Writes one run folder ``<ARCHIVE_DIR>/<spider>-<UTC start>`` (``-2``, ``-3``... if taken)::

        articles-00001.jsonl[.gz] ...   article and removed records, ARCHIVE_SHARD_ITEMS a shard
        categories.jsonl                one Category per category, its pages merged in order
        manifest.json                   written last: its presence marks a complete run

    A file appears under its final name only when complete (written as ``*.open``, fsynced,
    renamed). Category pages are merged when the spider closes, since pages arrive in any order.
    Other items pass through untouched.

    With a crawl state (``crawler.extensions.state.CrawlStateExtension``) a run that was killed
    or stopped is continued in its own folder: the state's recovery has published the complete
    records of the killed process's open shard, and this process numbers its shards after
    them. Category pages are kept in the state, not in memory. A run that does not finish
    (stopped, a spider closed early) gets no categories file and no manifest: the next crawl
    with the same state resumes it. Without a state every run gets its manifest, however it
    ended.

    In a distributed crawl (``REDIS_URL``) each worker writes its own folder,
    ``<spider>-<UTC run start>-<worker id>``, with its own shards, WARC files and manifest; one
    of a run's folders holds the run's categories, the others an empty ``categories.jsonl``
    (README, "Distributed crawls").

    Settings:

    Remove it from ``ITEM_PIPELINES`` to crawl without an archive (the crawl state then
    finishes each run when the spider does).

    - ``ARCHIVE_DIR`` (default ``"data/archive"``): root of the run folders.
    - ``ARCHIVE_SHARD_ITEMS`` (default ``10000``): records per shard.
    - ``ARCHIVE_GZIP`` (default ``False``): gzip the shards (``.jsonl.gz``).
    - ``WARC_ENABLED`` (default ``True``): store each archived article's HTTP exchange (its
      ``Article.capture``, see ``crawler.middlewares.capture``) in the run folder's
      ``capture-NNNNN.warc.gz`` files, and point to it from the record's ``warc`` field; an
      article page dropped for what it lacks is stored too, with no record pointing to it.
      Listing pages and requisites (``PageCapture`` items) are stored too, with no record
      pointing at them, as ``revisit`` records when ``<ARCHIVE_DIR>/payloads.sqlite``
      (``crawler.archive.payloads``) says the archive holds their bytes already.
    - ``WARC_MAX_BYTES`` (default 1 GiB): size from which a new WARC file is started.
    - ``BOT_CONTACT``: named as the operator in each WARC file's ``warcinfo`` record.

    Stats set: ``archive/articles_written``, ``archive/categories_written``, ``archive/run_dir``,
    ``warc/kept/<purpose>`` and ``warc/revisits``.
    Stats read for the manifest: ``articles/*``, ``validate/dropped/*``, ``dedup/duplicate_url``,
    ``dedup/duplicate_content``, ``pages/failed/*``, ``coverage/*``, ``alarms``.
    """

    def __init__(
        self,
        crawler: Crawler,
        *,
        root: Path,
        shard_items: int,
        gzip: bool,
        warc_max_bytes: int | None = None,
        operator: str = "",
        run_state: CrawlStateExtension | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """``warc_max_bytes``: ``None`` writes no WARC files."""
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        self.root = root
        self.shard_items = shard_items
        self.gzip = gzip
        self.run_state = run_state
        self.clock = clock
        self.folder: RunFolder | None = None
        self._payloads: PayloadStore | None = None
        self._started_at: datetime | None = None
        self.warc_max_bytes = warc_max_bytes
        self.operator = operator
        self._category_pages: CategoryPages = (
            run_state.state if run_state is not None else MemoryCategoryPages()
        )
        self._failure: OSError | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(
            crawler,
            root=Path(settings.get("ARCHIVE_DIR")),
            shard_items=settings.getint("ARCHIVE_SHARD_ITEMS"),
            gzip=settings.getbool("ARCHIVE_GZIP"),
            warc_max_bytes=settings.getint("WARC_MAX_BYTES")
            if settings.getbool("WARC_ENABLED")
            else None,
            operator=settings.get("BOT_CONTACT"),
            run_state=crawl_state_extension(crawler),
            clock=crawl_clock(settings.get("CRAWL_CLOCK")),
        )
        # The finish reason only exists in this signal, which Scrapy sends after every
        # pipeline's close_spider: the data files are finished there.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    @property
    def run_dir(self) -> Path | None:
        return self.folder.path if self.folder is not None else None

    def open_spider(self) -> None:
        spider = self._spider()
        run_state = self.run_state
        run = run_state.run if run_state is not None else None
        self._started_at = run.started_at if run is not None else self.clock()
        given_up = run_state.given_up_dir if run_state is not None else None
        if run_state is not None and given_up is not None and given_up.is_dir():
            run_state.adopt(RunFolder.resume(given_up), own=False)
        if run_state is not None and run is not None and _is_dir(run.run_dir):
            # A killed or stopped process of this run: go on in its folder, after its records.
            self.folder = RunFolder.resume(Path(str(run.run_dir)))
            run_state.adopt(self.folder, own=True)
        else:
            name = (
                run_state.folder_name(spider.name, self._started_at)
                if run_state is not None
                else run_dir_name(spider.name, self._started_at)
            )
            self.folder = RunFolder.create(self.root, name)
            if run_state is not None:
                run_state.set_run_dir(self.folder.path)
        if self.warc_max_bytes is not None:
            self._payloads = PayloadStore(self.root)
        self.folder.open_writers(
            shard_items=self.shard_items,
            gzip=self.gzip,
            warc_max_bytes=self.warc_max_bytes,
            operator=self.operator,
            payloads=self._payloads,
        )
        self.stats.set_value(RUN_DIR_KEY, str(self.folder.path))

    def process_item(self, item: Any) -> Any:
        if is_article(item) or is_removed(item):
            if self.folder is None:
                raise RuntimeError("ArchivePipeline received an item before open_spider")
            if self._failure is not None:
                self.stats.inc_value(DROPPED_AFTER_FAILURE_KEY)
                raise DropItem("archive write failed earlier", log_level="DEBUG")
            try:
                self._capture(item)
                self.folder.write(archive_record(item))
            except OSError as exc:
                self._fail(exc)
                raise DropItem(f"archive write failed: {exc}", log_level="DEBUG") from None
            if is_article(item):
                self.stats.inc_value(WRITTEN_KEY)
        elif is_category_page(item):
            self._category_pages.add_category_page(category_page(item))
        elif isinstance(item, PageCapture):
            self._keep(item)
            raise DropItem("kept for replay", log_level="DEBUG")
        return item

    def _keep(self, item: PageCapture) -> None:
        """Store a listing page or requisite for replay (no record points to it)."""
        if self.folder is None or not self.folder.captures or self._failure is not None:
            return
        try:
            revisit = self.folder.keep(item.capture)
        except OSError as exc:
            self._fail(exc)
            return
        self.stats.inc_value(KEPT_PREFIX + item.purpose)
        if revisit:
            self.stats.inc_value(REVISITS_KEY)

    def _capture(self, item: Any) -> None:
        """Store the item's HTTP exchange, before the record that points to it."""
        if not isinstance(item, Article) or item.capture is None:
            return
        assert self.folder is not None
        if self.folder.captures:
            item.warc = self.folder.capture(item.capture).to_dict()
        item.capture = None  # the bytes are stored: do not keep them with the item

    def item_dropped(self, item: Any, response: Any, exception: Exception) -> None:
        """An article page dropped for what it lacks (a contract violation, a field it lost)
        keeps its capture, no record pointing to it: a template learned later reads it again
        offline (``scrapy template learn --from-run``, ``scrapy reparse``)."""
        if not isinstance(item, Article) or item.capture is None:
            return
        if not isinstance(exception, Degraded) and violation(item.to_record()) is None:
            return  # unchanged, a duplicate: the archive has it
        if self.folder is None or not self.folder.captures or self._failure is not None:
            return
        try:
            self.folder.capture(item.capture)
        except OSError as exc:
            self._fail(exc)
        item.capture = None

    def _fail(self, error: OSError) -> None:
        """Stop the crawl on a write error (disk full, permissions): the shard in progress is
        left as ``.open``, completed shards are untouched, and no manifest is written."""
        self._failure = error
        assert self.folder is not None
        self.folder.abandon()
        self.stats.set_value(FAILED_KEY, str(error))
        logger.error("Archive write failed in %s: %s; the run is incomplete", self.run_dir, error)
        try:
            engine = self.crawler.engine
        except RuntimeError:  # no crawl running (the pipeline driven directly, as in tests)
            return
        if engine.running:
            deferred_from_coro(engine.close_spider_async(reason=FAILED_REASON))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._payloads is not None:
            self._payloads.close()
            self._payloads = None
        folder = self.folder
        if folder is None or self._started_at is None or self._failure is not None:
            return
        if self.run_state is not None and self.run_state.lost:
            # A worker taken for dead: another one has taken its folder over. Its files stay
            # as they are (.open) rather than clash with what the other published.
            folder.abandon()
            return
        try:
            folder.close_data()
            self._write_template(folder)
            if self.run_state is not None and reason != "finished":
                logger.warning(
                    "Run %s stopped (%s) before it finished: no manifest yet; the same "
                    "command resumes it",
                    folder.path,
                    reason,
                )
                return
            categories = self._write_categories(folder)
            self.stats.set_value(CATEGORIES_WRITTEN_KEY, categories.records)
            manifest = folder.finish(self._manifest(spider, reason, categories))
        except OSError as exc:
            # The data files are not all final, so no manifest may claim the run complete.
            self._fail(exc)
            return
        if self.run_state is not None:
            self.run_state.finish_run(manifest.coverage)
        counts = manifest.counts
        logger.info(
            "Archived run %s (%s): %d articles in %d shards (%s), %d categories, "
            "%d dropped, %d duplicates",
            folder.path,
            reason,
            counts.articles_written,
            len(manifest.shards),
            ", ".join(f"{n} {outcome}" for outcome, n in counts.to_dict()["articles"].items()),
            counts.categories_written,
            sum(counts.dropped.values()),
            counts.duplicate_urls + counts.duplicate_contents,
        )

    def _write_template(self, folder: RunFolder) -> None:
        """A template learned in this run goes beside its records; the manifest names it."""
        learning = template_learning(self.crawler)
        learned = learning.learned_json() if learning is not None else None
        in_use = self.stats.get_value(TEMPLATE_KEY)
        if learned is None or in_use is None:
            return
        written = folder.write_template(learned)
        self.stats.set_value(
            TEMPLATE_KEY, {**in_use, "file": written.name, "sha256": written.sha256}
        )

    def _write_categories(self, folder: RunFolder) -> DataFile:
        if self.run_state is None:
            return folder.write_categories(
                merge_category_pages(self._category_pages.category_pages())
            )
        if not self.run_state.writes_categories():
            # Of a run's worker folders, one holds its categories (the others an empty file).
            return folder.write_categories(())
        state = self.run_state.state
        merged = run_categories(state)
        written = folder.write_categories(merged)
        state.save_categories(merged)
        return written

    def _manifest(self, spider: Spider, reason: str, categories: DataFile) -> Manifest:
        """What the manifest says of the run beyond its files, from its stats (summed over the
        run's processes: a resumed one goes on from the counts of the ones before)."""
        assert self._started_at is not None
        stats = self.stats.get_stats()
        run = self.run_state.run if self.run_state is not None else None
        return Manifest(
            spider=spider.name,
            arguments=dict(getattr(spider, "arguments", {})),
            started_at=self._started_at,
            finished_at=self.clock(),
            finish_reason=reason,
            counts=Counts.from_stats(stats, categories.records),
            settings={"ARCHIVE_SHARD_ITEMS": self.shard_items, "ARCHIVE_GZIP": self.gzip},
            coverage=Coverage.from_stats(stats),
            resumed_at=run.resumes if run is not None else (),
            alarms=[str(alarm) for alarm in stats.get(ALARMS_KEY) or ()],
            requests=run_requests(stats),
            archive_coverage=(
                Coverage.from_field_hashes(self.run_state.state.live_field_hashes())
                if self.run_state is not None
                else None
            ),
            freshness=stats.get(FRESHNESS_KEY),
            lastmod=stats.get(TRUST_KEY),
            template=stats.get(TEMPLATE_KEY),
        )

    def _spider(self) -> Spider:
        if self.crawler.spider is None:
            raise RuntimeError("ArchivePipeline opened without a spider")
        return self.crawler.spider
