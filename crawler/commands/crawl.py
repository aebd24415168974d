"""``scrapy crawl``, with bad input refused in one line before anything starts.

Scrapy's own command reports a bad spider argument as a traceback from deep inside the
crawler; an archivist's cron job needs one clear line and a non-zero exit instead. It also exits
non-zero when the archive could not be written (disk full), when another crawl holds the state
folder, and when the drift alarms fire, all of which Scrapy would report as success.

Exit statuses (README lists them too): 0 success; 1 the archive could not be written, or the
crawl could not start; 2 bad input; 3 the state folder is in use by another crawl; 4 the site
could not be reached, or nearly every request failed; 5 many article pages yielded no record;
6 a field's coverage fell well below the previous run's; 7 a finished run did not account for
every article its sitemaps list. A state folder made for another site is bad input (2).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler.archive.report import summary
from crawler.clock import parse_clock
from crawler.extensions.alarms import Alarm
from crawler.extensions.state import archive_enabled, spider_origin
from crawler.spiders.base import ArchiveSpider, SpiderArgumentError
from crawler.state import StateError
from crawler.state.lock import state_busy
from crawler.state.site import check_site, state_dir
from crawler.state.sqlite_schema import read_site_of
from crawler.stats import (
    ALARMS_KEY,
    FAILED_KEY,
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


def archive_dir_problem(settings: BaseSettings) -> str | None:
    """Why ``ARCHIVE_DIR`` cannot take a run, or ``None`` if it can."""
    if not archive_enabled(settings):
        return None
    root = Path(settings.get("ARCHIVE_DIR"))
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as exc:
        return f"ARCHIVE_DIR {str(root)!r} is not writable: {exc.strerror or exc}"
    return None


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)
            return
        assert self.crawler_process is not None and self.settings is not None
        try:
            spider_cls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            raise UsageError(f"no spider named {args[0]!r}", print_help=False) from None
        try:
            # Spiders check their arguments in __init__; building one here costs nothing.
            spider = spider_cls(**opts.spargs)
        except SpiderArgumentError as exc:
            self._refuse(f"scrapy crawl {args[0]}: {exc}")
            return
        origin = spider_origin(spider) if isinstance(spider, ArchiveSpider) else None
        if problem := clock_problem(self.settings) or archive_dir_problem(self.settings):
            self._refuse(f"scrapy crawl {args[0]}: {problem}")
            return
        if problem := state_dir_problem(self.settings, origin):
            self._refuse(f"scrapy crawl {args[0]}: {problem}", STATE_BUSY)
            return
        if problem := site_problem(self.settings, origin):
            self._refuse(f"scrapy crawl {args[0]}: {problem}")
            return
        crawler = self._create_crawler(spider_cls)
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
