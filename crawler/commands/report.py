"""``scrapy report [ARCHIVE_DIR] [--html PATH]``: a table of the archive's runs, its reparse
folders, and the latest crawl's categories; with ``--html``, also one self-contained HTML page
with charts (the ``report`` extra: matplotlib).

Exit statuses: 0 reported (an empty archive too, which it says); 1 the HTML page could not be
made; 2 the folder is not an archive (nor one run folder of it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from crawler.archive.report import report
from crawler.commands.archive_folder import archive_path, fail, open_archive


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
        assert self.settings is not None
        archive = archive_path(args, self.settings)
        if open_archive(self, "report", archive) is None:
            return
        written = None
        if opts.html is not None:
            # Imported here: the text report needs nothing beyond the crawler's dependencies.
            from crawler.archive.charts import ReportUnavailable
            from crawler.archive.html_report import write_html_report

            try:
                written = write_html_report(archive, opts.html)
            except ReportUnavailable as exc:
                fail(self, "report", f"--html: {exc}", 1)
                return
            except OSError as exc:
                fail(self, "report", f"--html: cannot write {opts.html}: {exc.strerror or exc}", 1)
                return
        print("\n".join(report(archive)))
        if written is not None:
            print(f"report: wrote {written}", file=sys.stderr)
