"""``scrapy crawl``, with bad input refused in one line before anything starts.

Scrapy's own command reports a bad spider argument as a traceback from deep inside the
crawler; an archivist's cron job needs one clear line and a non-zero exit instead. It also exits
non-zero when the archive could not be written (disk full), when another crawl holds the state
folder, and when the drift alarms fire, all of which Scrapy would report as success.

Input is refused before Scrapy logs anything: its version banner comes with the crawler
process, so the command makes that process itself, once the checks have passed. A request
that could not reach the site is logged on stderr without a traceback
(``crawler.commands.stderr_log``).

Exit statuses (README lists them too): 0 success; 1 the archive could not be written, or the
crawl could not start; 2 bad input; 3 the state folder is in use by another crawl; 4 the site
could not be reached, or nearly every request failed, or the crawl's infrastructure (Redis)
could not be reached; 5 many article pages yielded no record; 6 a field's coverage fell well
below the previous run's; 7 a finished run did not account for every article its sitemaps
list. A state folder made for another site is bad input (2).

A state file that cannot be read (damaged, or written by a newer version) stops the crawl
before its first request (1), with the ``scrapy state rebuild`` command that makes a new one
from the archive.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

from scrapy import signals
from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import AsyncCrawlerProcess, CrawlerProcess, CrawlerProcessBase
from scrapy.settings import BaseSettings, Settings
from scrapy.spiderloader import get_spider_loader

from crawler.addons import backend_problem
from crawler.archive.report import summary
from crawler.clock import parse_clock
from crawler.commands.stderr_log import quiet_infrastructure_tracebacks
from crawler.extensions.alarms import Alarm
from crawler.extensions.state import archive_enabled, spider_origin
from crawler.progress import wanted
from crawler.spiders.base import ArchiveSpider, SpiderArgumentError
from crawler.state import StateError
from crawler.state.lock import state_busy
from crawler.state.site import check_site, state_dir
from crawler.state.sqlite_schema import StateDamaged, check_state_file, read_site_of
from crawler.stats import (
    ALARMS_KEY,
    FAILED_KEY,
    INDEX_FAILED_KEY,
    RUN_DIR_KEY,
    TEMPLATE_FAILED_KEY,
    TEMPLATE_KEY,
    TRUST_KEY,
    WRONG_SITE_KEY,
)

#: Exit status for input refused before crawling (as for Scrapy's usage errors).
BAD_INPUT = 2
#: Exit status when another crawl holds the state folder.
STATE_BUSY = 3
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
#: Exit status when the state file cannot be opened: the crawl could not start.
STATE_DAMAGED = 1
#: Exit status when the crawl's infrastructure (a state backend: Redis) cannot be reached, as
#: for a site that cannot be (``crawler.extensions.alarms``).
UNREACHABLE = 4


def _state_folder(settings: BaseSettings, origin: str | None) -> Path | None:
    """The crawl's state folder, ``None`` without one, or for a worker of a distributed crawl
    (its state is in Redis: STATE_DIR is not its to lock, and probing it would race with the
    other workers starting beside it)."""
    if not settings.getbool("STATE_ENABLED") or settings.get("REDIS_URL"):
        return None
    return state_dir(settings.get("STATE_DIR"), origin)


def state_dir_problem(settings: BaseSettings, origin: str | None = None) -> str | None:
    """Why the crawl state cannot be used now (another crawl holds it), or ``None``."""
    folder = _state_folder(settings, origin)
    return state_busy(folder) if folder is not None else None


def state_dir_unwritable(settings: BaseSettings, origin: str | None) -> str | None:
    """Why the crawl cannot write its state folder (as for ``ARCHIVE_DIR``), or ``None``."""
    folder = _state_folder(settings, origin)
    return _unwritable("STATE_DIR", folder) if folder is not None else None


def state_file_problem(settings: BaseSettings, origin: str | None) -> str | None:
    """Why the state file cannot be opened (damaged, or written by a newer version), with the
    command that rebuilds it from the archive; ``None`` if it can."""
    folder = _state_folder(settings, origin)
    if folder is None:
        return None
    try:
        check_state_file(folder)
    except StateDamaged as exc:
        archive = settings.get("ARCHIVE_DIR", "data/archive")
        rebuild = shlex.join(["scrapy", "state", "rebuild", "--state-dir", str(folder), archive])
        return f"{exc}; run `{rebuild}` to rebuild it from the archive"
    return None


def site_problem(settings: BaseSettings, origin: str | None) -> str | None:
    """Why the state folder cannot take a crawl of the site at ``origin`` (it was made for
    another one), or ``None``."""
    folder = _state_folder(settings, origin)
    if folder is None or origin is None:
        return None
    try:
        check_site(read_site_of(folder), origin)
    except StateError as exc:
        return f"STATE_DIR {str(folder)!r}: {exc}; give this crawl another STATE_DIR"
    return None


def clock_problem(settings: BaseSettings) -> str | None:
    value = settings.get("CRAWL_CLOCK")
    if not value:
        return None
    try:
        parse_clock(str(value))
    except ValueError as exc:
        return str(exc)
    return None


def progress_problem(settings: BaseSettings) -> str | None:
    try:
        wanted(settings.get("PROGRESS_ENABLED"))
    except ValueError as exc:
        return str(exc)
    return None


def archive_dir_problem(settings: BaseSettings) -> str | None:
    """Why ``ARCHIVE_DIR`` cannot take a run, or ``None`` if it can."""
    if not archive_enabled(settings):
        return None
    return _unwritable("ARCHIVE_DIR", Path(settings.get("ARCHIVE_DIR")))


def _unwritable(setting: str, folder: Path) -> str | None:
    """Why ``folder`` (the value of ``setting``) cannot be created or written, or ``None``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"{setting} {str(folder)!r} is not writable: {exc.strerror or exc}"
    return None


def crawler_process(settings: Settings) -> CrawlerProcessBase:
    """The process ``scrapy.cmdline.execute`` would make for ``settings`` (the asyncio one for
    the asyncio reactor, the project's), which logs Scrapy's banner."""
    asyncio = settings["TWISTED_REACTOR"] == ASYNCIO_REACTOR
    if (asyncio and not settings.getbool("FORCE_CRAWLER_PROCESS")) or not settings.getbool(
        "TWISTED_REACTOR_ENABLED"
    ):
        return AsyncCrawlerProcess(settings)
    return CrawlerProcess(settings)


class Command(ScrapyCrawlCommand):
    # Made in run(), after the checks: making it logs Scrapy's banner.
    requires_crawler_process = False

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if len(args) != 1:
            super().run(args, opts)
            return
        spiders = get_spider_loader(self.settings)
        try:
            spider_cls = spiders.load(args[0])
        except KeyError:
            self._refuse(f"scrapy crawl: no spider named {args[0]!r}: {', '.join(spiders.list())}")
            return
        try:
            # Spiders check their arguments in __init__; building one here costs nothing.
            spider = spider_cls(**opts.spargs)
        except SpiderArgumentError as exc:
            self._refuse(f"scrapy crawl {args[0]}: {exc}")
            return
        origin = spider_origin(spider) if isinstance(spider, ArchiveSpider) else None
        if problem := (
            clock_problem(self.settings)
            or archive_dir_problem(self.settings)
            or state_dir_unwritable(self.settings, origin)
        ):
            self._refuse(f"scrapy crawl {args[0]}: {problem}")
            return
        if problem := progress_problem(self.settings):
            self._refuse(f"scrapy crawl {args[0]}: {problem}")
            return
        if problem := backend_problem(self.settings):
            self._refuse(f"scrapy crawl {args[0]}: {problem}", UNREACHABLE)
            return
        if problem := state_dir_problem(self.settings, origin):
            self._refuse(f"scrapy crawl {args[0]}: {problem}", STATE_BUSY)
            return
        if problem := state_file_problem(self.settings, origin):
            self._refuse(f"scrapy crawl {args[0]}: {problem}", STATE_DAMAGED)
            return
        if problem := site_problem(self.settings, origin):
            self._refuse(f"scrapy crawl {args[0]}: {problem}")
            return
        self.crawler_process = crawler_process(self.settings)
        crawler = self._create_crawler(spider_cls)
        # Connected, not called: the crawl installs the log handler again as it starts.
        crawler.signals.connect(quiet_infrastructure_tracebacks, signal=signals.engine_started)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        if run_dir := stats.get(RUN_DIR_KEY):
            print(
                "\n".join(summary(Path(run_dir), str(stats.get("finish_reason")))), file=sys.stderr
            )
        trust = stats.get(TRUST_KEY) or {}
        if trust.get("lost"):
            print(
                f"warning: scrapy crawl {args[0]}: the site's sitemap lastmod is no longer "
                f"trusted: {len(trust['contradicted'])} article(s) changed while their lastmod "
                "did not move; articles are checked within the shorter bound from now on",
                file=sys.stderr,
            )
        if index_failure := stats.get(INDEX_FAILED_KEY):
            # Derived data: the crawl itself succeeded, so the exit status does not change.
            print(
                f"warning: scrapy crawl {args[0]}: search index not updated: {index_failure}; "
                "scrapy index brings it up to date",
                file=sys.stderr,
            )
        if learned := stats.get(TEMPLATE_KEY, {}).get("file"):
            print(
                f"warning: scrapy crawl {args[0]}: the site's template changed; a new template "
                f"was learned from the archive and used: {Path(str(run_dir)) / learned} "
                "(scrapy template show; scrapy template reset goes back to the page objects)",
                file=sys.stderr,
            )
        if wrong_site := stats.get(WRONG_SITE_KEY):
            print(f"error: scrapy crawl {args[0]}: {wrong_site}", file=sys.stderr)
            self.exitcode = BAD_INPUT
            return
        alarms: list[Alarm] = list(stats.get(ALARMS_KEY) or ())
        for alarm in alarms:
            print(f"error: scrapy crawl {args[0]}: {alarm}", file=sys.stderr)
        if alarms and (learning_failed := stats.get(TEMPLATE_FAILED_KEY)):
            print(f"error: scrapy crawl {args[0]}: {learning_failed}", file=sys.stderr)
        if archive_failure := stats.get(FAILED_KEY):
            print(f"error: scrapy crawl {args[0]}: archive not written: {archive_failure}")
        if self.crawler_process.bootstrap_failed or archive_failure:
            self.exitcode = 1
        elif alarms:
            self.exitcode = min(alarm.exit_code for alarm in alarms)

    def _refuse(self, message: str, status: int = BAD_INPUT) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = status
