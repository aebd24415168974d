"""``scrapy crawl``, with bad input refused in one line before anything starts.

Scrapy's own command reports a bad spider argument as a traceback from deep inside the
crawler; an archivist's cron job needs one clear line and a non-zero exit instead. It also exits
1 when the archive could not be written (disk full), which Scrapy would report as success.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler.pipelines.archive import FAILED_KEY
from crawler.spiders.base import SpiderArgumentError

#: Exit status for input refused before crawling (as for Scrapy's usage errors).
BAD_INPUT = 2


def archive_dir_problem(settings: BaseSettings) -> str | None:
    """Why ``ARCHIVE_DIR`` cannot take a run, or ``None`` if it can."""
    if not settings.getbool("ARCHIVE_ENABLED", True):
        return None
    root = Path(settings.get("ARCHIVE_DIR", "data/archive"))
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
            spider_cls(**opts.spargs)
        except SpiderArgumentError as exc:
            self._refuse(f"scrapy crawl {args[0]}: {exc}")
            return
        if problem := archive_dir_problem(self.settings):
            self._refuse(f"scrapy crawl {args[0]}: {problem}")
            return
        crawler = self._create_crawler(spider_cls)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        archive_failed = crawler.stats is not None and crawler.stats.get_value(FAILED_KEY)
        if self.crawler_process.bootstrap_failed or archive_failed:
            self.exitcode = 1

    def _refuse(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = BAD_INPUT
