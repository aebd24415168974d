"""The crawl state in a Scrapy crawl: opening it, taking over a killed run, committing."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from twisted.internet.task import LoopingCall

from crawler.archive.rundir import run_dir_name
from crawler.archive.runfolder import RunFolder
from crawler.clock import crawl_clock, utc_now
from crawler.coverage import Coverage
from crawler.extensions.holding import HELD_LINES_META
from crawler.outcomes import recounted
from crawler.state import CrawlState, Run
from crawler.state.reconcile import reconcile
from crawler.state.site import (
    Site,
    check_public_origin,
    check_site,
    read_site,
    state_dir,
    write_site,
)
from crawler.state.sqlite import SQLiteState
from crawler.stats import RECOVERED_KEY, RESUMED_KEY
from crawler.templates.held import HeldPages

logger = logging.getLogger(__name__)

#: The state folder's sub-folder of the pages held for learning.
HELD_DIR = "held"

#: Stats whose sums over a run's processes the manifest reports: saved with the run, so a
#: resumed process goes on counting from where the killed one stopped.
RUN_COUNTER_PREFIXES: tuple[str, ...] = (
    "articles/",
    "archive/",
    "coverage/",
    "dedup/",
    "gone/",
    "limits/",
    "pages/",
    "requests/",
    "validate/",
)


def run_counters(stats: Mapping[str, Any]) -> dict[str, int]:
    """The stats worth keeping with the run: integer outcome counters.

    >>> run_counters({"pages/failed/404": 2, "start_time": 0.5, "log_count/INFO": 9})
    {'pages/failed/404': 2}
    """
    return {
        key: value
        for key, value in stats.items()
        if key.startswith(RUN_COUNTER_PREFIXES) and isinstance(value, int)
    }


class CrawlStateExtension:
    """Opens the crawl state for the crawl and keeps its run.

    On start it takes the state folder's lock (a second crawl on the same folder is refused),
    then either resumes the unfinished run of the same spider and arguments (a killed or
    stopped crawl: requests it had in flight go back to the queue) or starts a new run. While
    the crawl runs, the state is committed every ``STATE_COMMIT_INTERVAL`` seconds, the one
    commit policy of the crawl: records archived since the last commit are in the shards, and
    a resume enters them again (:meth:`adopt`), with their pages' validators from their WARC
    captures. The archive pipeline, which owns the run folder
    (``crawler.archive.runfolder.RunFolder``), hands a resumed folder to :meth:`adopt` and
    finishes the run once its manifest is written; a run that ends otherwise stays
    resumable.

    Other components reach the state through :func:`crawl_state`.

    A state backend's add-on may put a subclass in its place (``crawler.addons``: with
    ``REDIS_URL``, the extension of a worker of a distributed crawl, on the state in Redis).

    Settings:

    - ``STATE_ENABLED`` (default ``True``): ``False`` crawls without a state (every run starts
      from zero, as plain Scrapy does).
    - ``STATE_DIR`` (default ``""``: ``data/state/<host>[-<port>]`` of the spider's site): the
      folder of the state. It belongs to one site (``crawler.state.site``): opening it for
      another one raises ``SiteMismatch``.
    - ``STATE_COMMIT_INTERVAL`` (default ``0.5``): seconds between commits. A kill costs
      the fetches finished since the last one (their pages are fetched again on resume).

    Stats: ``state/resumed`` (1 when this process resumed a run),
    ``state/recovered_records`` (records taken over from a killed process's open shard).
    """

    def __init__(
        self,
        stats: StatsCollector,
        state: CrawlState,
        *,
        commit_interval: float,
        archived: bool = True,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.stats = stats
        self.state = state
        self.commit_interval = commit_interval
        #: Whether the archive pipeline runs (it finishes the run); without it, the run
        #: finishes when the spider does.
        self.archived = archived
        self.clock = clock
        self.finished = False
        #: The folder of an unfinished run this one gave up (other arguments): the archive
        #: pipeline hands it to :meth:`adopt`, for its complete records to be kept.
        self.given_up_dir: Path | None = None
        self._loop: AsyncioLoopingCall | LoopingCall | None = None
        self.origin: str | None = None
        self.site: Site | None = None
        self.site_pending = False
        #: Where the pages held for learning are kept across the run's processes
        #: (``crawler.templates.held``); ``None``: a temporary folder, lost with the process.
        self.held_dir: Path | None = None
        #: Called before each commit, for what is committed with the run's counters.
        self.before_commit: list[Callable[[], None]] = []

    def open(self, spider: Spider) -> Self:
        """Check the state is the spider's site's, then resume the unfinished run of the
        same spider and arguments or begin a new one."""
        self.site = self._bind(spider)
        self.run = self._begin(spider.name, dict(getattr(spider, "arguments", {})))
        if self.run.resumed:
            self._resume()
        return self

    def _bind(self, spider: Spider) -> Site | None:
        """The site the state was made for, checked against the spider's: ``SiteMismatch``
        for another site. ``site_pending`` is true while a mirror has not yet said which
        public site it serves (:meth:`public_origin_learned`)."""
        origin = spider_origin(spider)
        self.origin = origin
        self.site_pending = False
        if origin is None:
            return None
        site = read_site(self.state, next(self.state.live_article_urls(), None))
        self.site_pending = check_site(site, origin) == "pending"
        if not self.site_pending:
            site = Site(origin, site.public_origin if site is not None else None)
            write_site(self.state, site)
            self.state.commit()
        return site

    @property
    def needs_public_origin(self) -> bool:
        """Whether the state waits to hear what the crawl's site calls itself."""
        return self.origin is not None and (
            self.site_pending or self.site is None or self.site.public_origin is None
        )

    def public_origin_learned(self, public_origin: str) -> None:
        """The crawl's site calls itself ``public_origin``: ``SiteMismatch`` unless it is the
        state's site; the state learns it if it did not know it yet."""
        assert self.origin is not None
        check_public_origin(self.site, public_origin)
        site = Site(self.origin, public_origin)
        if site != self.site:
            write_site(self.state, site)
            self.site = site
        self.site_pending = False

    def _begin(self, spider: str, arguments: dict[str, str]) -> Run:
        """Resume the unfinished run of ``spider`` and ``arguments`` or begin a new one."""
        run, given_up = self.state.begin_run(spider, arguments, self.clock())
        if run.resumed and self._completed(run):
            # Killed between writing its manifest and recording that: it did finish.
            run, given_up = self.state.begin_run(spider, arguments, self.clock())
        if given_up is not None and given_up.run_dir:
            logger.warning(
                "Giving up the unfinished run %s (spider %s, arguments %s): this crawl has "
                "other arguments. Its complete records are kept.",
                given_up.run_dir,
                given_up.spider,
                given_up.arguments,
            )
            self.given_up_dir = Path(given_up.run_dir)
        return run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("STATE_ENABLED"):
            raise NotConfigured("STATE_ENABLED is False")
        assert crawler.stats is not None and crawler.spider is not None
        folder = state_dir(settings.get("STATE_DIR"), spider_origin(crawler.spider))
        state = SQLiteState(folder)
        try:
            extension = cls(
                crawler.stats,
                state,
                commit_interval=settings.getfloat("STATE_COMMIT_INTERVAL"),
                archived=archive_enabled(settings),
                clock=crawl_clock(settings.get("CRAWL_CLOCK")),
            ).open(crawler.spider)
        except BaseException:
            state.close()
            raise
        extension.held_dir = folder / HELD_DIR
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def _completed(self, run: Run) -> bool:
        """Whether ``run``'s folder already has its manifest; if so the run is finished."""
        folder = RunFolder(Path(run.run_dir)) if run.run_dir else None
        if folder is None or not folder.finished:
            return False
        run.resumes.pop()
        self.state.finish_run(run, folder.coverage(), self.clock())
        return True

    def _resume(self) -> None:
        run = self.run
        logger.info("Resuming the run started %s (%s)", run.started_at, run.run_dir)
        self.stats.set_value(RESUMED_KEY, 1)
        if run.run_dir is not None and not Path(run.run_dir).is_dir():
            logger.warning(
                "The run folder %s is gone; its records cannot be recovered", run.run_dir
            )

    def adopt(self, folder: RunFolder, *, own: bool) -> None:
        """Enter every record of ``folder``, resumed by the archive pipeline, into the state:
        its articles are not fetched or written again. ``own``: the folder is this run's, whose
        counts go on from what the folder holds."""
        written = self._enter(folder)
        if own:
            self.stats.set_value(RECOVERED_KEY, sum(written.values()))
            self.run.counters = recounted(self.run.counters, written)

    def _enter(self, folder: RunFolder) -> Counter[str]:
        """Reconcile the state with ``folder``'s records; how many of each outcome it holds."""
        if folder.recovered:
            logger.info(
                "Recovered the complete records of %s", ", ".join(map(str, folder.recovered))
            )
        counts = reconcile(self.state, folder.records(), self.clock(), folder.path)
        self.state.commit()
        return counts

    # -- what the archive pipeline asks and tells the run -----------------------------------------

    #: Whether this process was taken for dead by the other workers of a distributed crawl,
    #: which took its folder over: it must not write there any more. Never, here.
    lost = False

    def folder_name(self, spider: str, started: datetime) -> str:
        """The name of a new folder for the run's archive."""
        return run_dir_name(spider, started)

    def writes_categories(self) -> bool:
        """Whether this process writes the run's categories (the last process of a run does,
        except in a distributed crawl, whose run has one folder per worker)."""
        return True

    def held_pages(self, max_pages: int) -> HeldPages | None:
        """The store of the pages the run holds for learning, kept across its processes
        (``None``: none is, the pages go with the process)."""
        if self.held_dir is None:
            return None
        # Each commit of the state notes how many index lines it agrees with: a killed
        # process's pages are held again by the next.
        run, state = self.run, self.state
        name = f"{run.id} {run.spider}"
        committed = (state.meta(HELD_LINES_META) or "").rpartition(" ")
        lines = int(committed[2]) if committed[0] == name and committed[2].isdigit() else 0
        held = HeldPages(max_pages, self.held_dir, name, lines)
        self.before_commit.append(lambda: state.set_meta(HELD_LINES_META, f"{name} {held.lines}"))
        return held

    def set_run_dir(self, run_dir: Path) -> None:
        self.run.run_dir = str(run_dir)
        self.state.save_run(self.run)
        self.state.commit()

    def finish_run(self, coverage: Coverage) -> None:
        """The run's archive is complete: the next crawl starts a new run."""
        self.run.counters = run_counters(self.stats.get_stats())
        self.state.finish_run(self.run, coverage, self.clock())
        self.finished = True

    # -- signals ------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        # Counters of the run's earlier processes: this one goes on from them.
        for key, value in self.run.counters.items():
            self.stats.inc_value(key, value)
        self._loop = create_looping_call(self.commit)
        self._loop.start(self.commit_interval, now=False)

    def commit(self) -> None:
        for hook in self.before_commit:
            hook()
        self.run.counters = run_counters(self.stats.get_stats())
        self.state.save_run(self.run)
        self.state.commit()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if reason == "finished" and self.origin and self.site and self.site.public_origin is None:
            # A site whose pages never named another origin calls itself by its own.
            self.site = Site(self.origin, self.origin)
            write_site(self.state, self.site)
        if reason == "finished" and not self.archived:
            self.finish_run(Coverage.from_stats(self.stats.get_stats()))
        else:
            self.commit()

    #: Logged when a process stops before its run finished.
    UNFINISHED = "The run is not finished; the same command with the same STATE_DIR resumes it"

    def engine_stopped(self) -> None:
        # After every spider_closed receiver (the archive pipeline's manifest included).
        if not self.finished:
            self.commit()
            logger.info(self.UNFINISHED)
        self.state.close()


#: The pipeline that writes a run's archive and finishes the run: named, not imported.
ARCHIVE_PIPELINE = "crawler.pipelines.archive.ArchivePipeline"


def archive_enabled(settings: BaseSettings) -> bool:
    """Whether the crawl archives its records: the archive pipeline is in ``ITEM_PIPELINES``
    (switching the archive off is removing it, the Scrapy way).

    >>> from scrapy.settings import Settings
    >>> archive_enabled(Settings({"ITEM_PIPELINES": {ARCHIVE_PIPELINE: 900}}))
    True
    >>> archive_enabled(Settings({"ITEM_PIPELINES": {ARCHIVE_PIPELINE: None}}))
    False
    """
    for component, order in settings.getwithbase("ITEM_PIPELINES").items():
        name = (
            component
            if isinstance(component, str)
            else f"{component.__module__}.{component.__qualname__}"
        )
        if name == ARCHIVE_PIPELINE and order is not None:
            return True
    return False


def spider_origin(spider: Spider) -> str | None:
    """The origin the spider fetches from, when it crawls one site."""
    scope = getattr(spider, "scope", None)
    origin = getattr(scope, "fetch_origin", None)
    return origin if isinstance(origin, str) else None


def crawl_state_extension(crawler: Crawler) -> CrawlStateExtension | None:
    """The crawl's state extension, or ``None`` when the crawl runs without a state."""
    return crawler.get_extension(CrawlStateExtension)


def crawl_state(crawler: Crawler) -> CrawlState | None:
    extension = crawl_state_extension(crawler)
    return extension.state if extension is not None else None
