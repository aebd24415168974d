"""The crawl state extension of a worker of a distributed crawl (``REDIS_URL``)."""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NoReturn, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from crawler.archive.runfolder import RunFolder
from crawler.clock import crawl_clock, utc_now
from crawler.extensions.holding import count_again
from crawler.extensions.state import CrawlStateExtension, archive_enabled
from crawler.redis.connection import key_prefix, redis_client, worker_id
from crawler.redis.held import RedisHeldPages
from crawler.redis.state import RedisState
from crawler.redis.takeover import FolderSettings, recover_orphans, resume_own, take_over
from crawler.redis.workers import ACTIVE
from crawler.state import Run
from crawler.stats import TAKEN_OVER_KEY
from crawler.templates.held import HeldPage, HeldPages

logger = logging.getLogger(__name__)

#: Finish reason of a worker that found itself taken for dead.
LOST_REASON = "worker_lost"
#: ``scrapy crawl``'s exit status when the crawl's infrastructure cannot be reached
#: (``crawler.commands.crawl.UNREACHABLE``; the backend cannot import the command).
UNREACHABLE = 4
#: Why a worker stops when Redis, answering again, tells it the others took it for dead.
TAKEN_OVER = (
    "Redis was away longer than REDIS_WORKER_TIMEOUT and the other workers took this one for "
    "dead: they took its part of the run over, and go on with it"
)


def stop_worker(command: str, reason: str) -> NoReturn:
    """Stop this worker's process at once with ``reason`` as its ``error:`` line and exit
    status 4, leaving its folder and its part of the run in Redis as a kill leaves them: the
    same command resumes them once Redis is back (or another worker takes them over). Without
    Redis nothing else can be done safely: closing the spider the usual way would send the
    state what its pipelines and manifest still have to say, into the outage."""
    logger.error("Stopping as if killed (the same command resumes once Redis is back): %s", reason)
    print(f"error: {command}: {reason}", file=sys.stderr, flush=True)
    logging.shutdown()
    os._exit(UNREACHABLE)


class WorkerStateExtension(CrawlStateExtension):
    """``CrawlStateExtension`` for a worker of a distributed crawl: the state is
    ``crawler.redis.state.RedisState``, shared by every worker with the same ``REDIS_URL`` and
    key prefix. On start it takes its worker id, takes over the parts of workers that died
    (``crawler.redis.takeover``), then joins the current run of the same spider and arguments
    or begins one, resuming its own part if its previous process left one. While it runs it
    refreshes its heartbeat every ``REDIS_HEARTBEAT_INTERVAL`` and takes over the part of any
    worker of the run whose heartbeat expired. Its spider closes, ``finished``, when the run's
    work is complete: the shared queue is empty, no worker has a request in flight and none
    is still going through its start requests. Each worker then writes the manifest of its own
    folder; the first to get there writes the run's categories.

    Settings (besides ``STATE_COMMIT_INTERVAL``):

    - ``REDIS_URL``: the Redis server; ``REDIS_PARAMS``: more client parameters (scrapy-redis).
    - ``REDIS_KEY_PREFIX`` (default ``evergreen:<host[:port] of the site>``): the state's keys.
    - ``REDIS_WORKER_ID`` (default ``<host name>-<pid>``): names the worker and its folder; a
      worker restarted with the same id resumes its own part.
    - ``REDIS_HEARTBEAT_INTERVAL`` (default ``1.0``) and ``REDIS_WORKER_TIMEOUT`` (default
      ``15.0``): seconds between heartbeats, and without one before a worker is taken for dead.
    - ``REDIS_OUTAGE_TIMEOUT`` (default ``60``): seconds a call to Redis is retried, with
      backoff, while Redis does not answer (``crawler.redis.outage``). The worker logs one
      warning when the outage starts and one when it ends, and goes on; past the timeout it
      stops as if killed (``stop_worker``: one ``error:`` line, exit status 4), its folder left
      ``.open`` for the same command to resume once Redis is back. Redis answering again gives
      every worker ``REDIS_WORKER_TIMEOUT`` to renew its heartbeat before any is taken for
      dead (their heartbeats may have expired meanwhile).

    Stats: ``state/resumed``, ``state/recovered_records`` (its own part resumed),
    ``workers/taken_over`` (parts of dead workers it took over).
    """

    UNFINISHED = (
        "The run is not finished: the other workers go on with it, or the same command does"
    )

    def __init__(
        self,
        stats: StatsCollector,
        state: RedisState,
        *,
        commit_interval: float,
        heartbeat_interval: float,
        worker_timeout: float,
        folder_settings: FolderSettings,
        archived: bool = True,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(
            stats, state, commit_interval=commit_interval, archived=archived, clock=clock
        )
        self.state: RedisState = state
        self.heartbeat_interval = heartbeat_interval
        self.worker_timeout = worker_timeout
        self.folder_settings = folder_settings
        self.lost = False
        #: Closes the spider with a reason (set by ``from_crawler``; tests leave it alone).
        self.close_spider: Callable[[str], object] = lambda reason: None
        self._started = False
        self._heartbeat_loop: AsyncioLoopingCall | LoopingCall | None = None
        #: This worker's pages held for learning, if it holds any (``held_pages``).
        self._held: RedisHeldPages | None = None
        #: Dead workers' held pages taken over before that store was made.
        self._taken: list[HeldPage] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        assert crawler.stats is not None and crawler.spider is not None
        timeout = settings.getfloat("REDIS_WORKER_TIMEOUT")
        command = f"scrapy crawl {crawler.spider.name}"
        client, outage = redis_client(settings, lambda reason: stop_worker(command, reason))
        try:
            state = RedisState(client, key_prefix(settings, crawler.spider), worker_id(settings))
            outage.recovered += [
                client.load_scripts_again,
                lambda: state.redis_back(timeout) or stop_worker(command, TAKEN_OVER),
            ]
            state.heartbeat.acquire(timeout)
        except BaseException:
            client.close()
            raise
        try:
            extension = cls(
                crawler.stats,
                state,
                commit_interval=settings.getfloat("STATE_COMMIT_INTERVAL"),
                heartbeat_interval=settings.getfloat("REDIS_HEARTBEAT_INTERVAL"),
                worker_timeout=timeout,
                folder_settings=FolderSettings(
                    settings.getint("ARCHIVE_SHARD_ITEMS"), settings.getbool("ARCHIVE_GZIP")
                ),
                archived=archive_enabled(settings),
                clock=crawl_clock(settings.get("CRAWL_CLOCK")),
            ).open(crawler.spider)
        except BaseException:
            state.close()
            client.close()
            raise
        logger.info("Worker %s of %s, run %s", state.worker, state.keys.prefix, extension.run.id)
        # Scrapy builds the other components before the spider opens, with no chance to beat
        # in between: that time counts from here, not from the takeovers above.
        extension._tick()
        extension.close_spider = lambda reason: deferred_from_coro(
            crawler.engine.close_spider_async(reason=reason)
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    # -- joining a run --------------------------------------------------------------------------

    def _begin(self, spider: str, arguments: dict[str, str]) -> Run:
        state = self.state
        recover_orphans(state, self.clock(), self.folder_settings, self._tick)
        current = state.workers.current_run()
        if current is not None:
            # Dead workers' parts first: a run whose work is done finishes with them, and a
            # run of other arguments can only be given up once nobody works on it. This
            # worker's own part is resumed, unless its run is no longer active.
            self._take_over_dead(current, mine=state.workers.run_status(current) != ACTIVE)
        run, given_up = state.begin_run(spider, arguments, self.clock())
        if given_up is not None:
            logger.warning(
                "Giving up the unfinished run %s (spider %s, arguments %s): this crawl has "
                "other arguments. Its workers' records are kept.",
                given_up.id,
                given_up.spider,
                given_up.arguments,
            )
            self._take_over_dead(given_up.id, mine=True)
            state.workers.settle(given_up.id, "", ACTIVE, None, None, self.clock())
        return run

    def _take_over_dead(self, run_id: int, *, mine: bool) -> None:
        state = self.state if run_id == self.state.run_id else self.state.view(run_id)
        taken = 0
        adopt = self._adopt if state is self.state else None
        for part in state.workers.dead_parts(run_id, mine=mine):
            if take_over(state, part, self.clock(), self.folder_settings, self._tick, adopt):
                taken += 1
        if taken:
            self.stats.inc_value(TAKEN_OVER_KEY, taken)
            if state is not self.state:
                self.state.forget_articles()

    def _resume(self) -> None:
        super()._resume()
        if self.run.run_dir is None or not Path(self.run.run_dir).is_dir():
            # Died before creating its folder, or the folder is gone: nothing to recover,
            # but what it took goes back.
            resume_own(self.state, None, self.clock(), self._tick)

    def _enter(self, folder: RunFolder) -> Counter[str]:
        # This worker's own folder, left by its previous process: the only folder the archive
        # pipeline hands a worker (dead workers' folders are taken over at start).
        return resume_own(self.state, folder, self.clock(), self._tick)

    def held_pages(self, max_pages: int) -> HeldPages:
        self._held = RedisHeldPages(max_pages, self.state)
        self._held.adopt(self._taken)
        self._taken = []
        return self._held

    def _adopt(self, pages: list[HeldPage]) -> None:
        """A dead worker's held pages: counted as this worker's drops until read again."""
        for page in pages:
            count_again(self.stats, page)
        if self._held is not None:
            self._held.adopt(pages)
        else:
            self._taken += pages

    def _tick(self) -> None:
        """Keep the heartbeat during a long takeover."""
        self.state.heartbeat.beat(self.worker_timeout)

    # -- what the archive pipeline asks and tells the run ---------------------------------------

    def folder_name(self, spider: str, started: datetime) -> str:
        # ``<spider>-<UTC run start>-<worker>``: the run's folders sort together, one per worker.
        return f"{super().folder_name(spider, started)}-{self.state.worker}"

    def set_run_dir(self, run_dir: Path) -> None:
        # Absolute: the worker that takes this part over may run in another folder.
        super().set_run_dir(run_dir.resolve())

    def writes_categories(self) -> bool:
        return self.state.workers.claim_categories(self.run.id)

    # -- signals ------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        super().spider_opened(spider)
        self._heartbeat_loop = create_looping_call(self.heartbeat)
        self._heartbeat_loop.start(self.heartbeat_interval, now=True)

    def heartbeat(self) -> None:
        """Refresh this worker's heartbeat, and take over the parts of workers that died."""
        if self.lost:
            return
        if not self.state.heartbeat.beat(self.worker_timeout):
            self.lost = True
            logger.error(
                "This worker went %s s without a heartbeat and was taken for dead; another "
                "worker takes its part over. Stopping.",
                self.worker_timeout,
            )
            self.close_spider(LOST_REASON)
            return
        self._take_over_dead(self.run.id, mine=False)

    def spider_idle(self, spider: Spider) -> None:
        """Keep the spider open while the run's work is not complete: other workers may yet
        queue requests, or die and leave theirs."""
        if self.lost:
            return
        # Requests done so far must be visible to the other workers' checks.
        self.commit()
        if not self._started:
            self.state.workers.started(self.run.id)
            self._started = True
        while True:
            outcome, worker = self.state.workers.check_done(self.run.id)
            if outcome != "dead" or worker is None:
                break
            part = self.state.workers.part(self.run.id, worker)
            if part is None or not take_over(
                self.state, part, self.clock(), self.folder_settings, self._tick, self._adopt
            ):
                break  # another worker is taking it over
            self.stats.inc_value(TAKEN_OVER_KEY)
        if outcome != "done":
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.lost:
            if self._loop is not None and self._loop.running:
                self._loop.stop()
            return
        self.state.workers.note_reason(self.run.id, reason)
        super().spider_closed(spider, reason)

    def engine_stopped(self) -> None:
        # Heartbeats go on until here, after the archive pipeline wrote this worker's manifest:
        # a worker closing is not dead.
        if self._heartbeat_loop is not None and self._heartbeat_loop.running:
            self._heartbeat_loop.stop()
        try:
            if self.lost:
                self.state.close()
            else:
                super().engine_stopped()
        finally:
            self.state.client.close()
