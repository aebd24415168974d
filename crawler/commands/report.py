"""``scrapy report [ARCHIVE_DIR]``: a table of the archive's runs and the latest crawl's
categories."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.archive.report import report


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[archive_dir]"

    def short_desc(self) -> str:
        return "Print the archive's runs: new, changed, unchanged, removed, failed"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            raise UsageError("give at most one archive folder")
        assert self.settings is not None
        archive = Path(args[0] if args else self.settings.get("ARCHIVE_DIR", "data/archive"))
        if not archive.is_dir():
            print(f"error: scrapy report: {archive} is not a folder", file=sys.stderr)
            self.exitcode = 1
            return
        print("\n".join(report(archive)))
