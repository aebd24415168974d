"""``scrapy report [ARCHIVE_DIR] [--html PATH]``: a table of the archive's runs and the latest
crawl's categories; with ``--html``, also one self-contained HTML page with charts (the
``report`` extra: matplotlib)."""

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
        return "[archive_dir] [--html PATH]"

    def short_desc(self) -> str:
        return "Print the archive's runs: new, changed, unchanged, removed, failed"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--html",
            metavar="PATH",
            type=Path,
            help="also write the report, with charts, as one self-contained HTML page to PATH "
            "(needs the report extra: pip install 'evergreen-crawler[report]')",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            raise UsageError("give at most one archive folder")
        assert self.settings is not None
        archive = Path(args[0] if args else self.settings.get("ARCHIVE_DIR"))
        if not archive.is_dir():
            self._fail(f"{archive} is not a folder")
            return
        written = None
        if opts.html is not None:
            # Imported here: the text report needs nothing beyond the crawler's dependencies.
            from crawler.archive.charts import ReportUnavailable
            from crawler.archive.html_report import write_html_report

            try:
                written = write_html_report(archive, opts.html)
            except ReportUnavailable as exc:
                self._fail(f"--html: {exc}")
                return
            except OSError as exc:
                self._fail(f"--html: cannot write {opts.html}: {exc.strerror or exc}")
                return
        print("\n".join(report(archive)))
        if written is not None:
            print(f"report: wrote {written}", file=sys.stderr)

    def _fail(self, message: str) -> None:
        print(f"error: scrapy report: {message}", file=sys.stderr)
        self.exitcode = 1
