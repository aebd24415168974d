"""``scrapy wacz RUN_FOLDER [RUN_FOLDER ...] --out FILE.wacz``, or ``scrapy wacz --all [ARCHIVE_DIR]
--out FILE.wacz``: the runs' WARC files packaged as one WACZ 1.1.1 file (py-wacz), with a
CDXJ index, ``pages/pages.jsonl`` (each article's title and text) and ``datapackage.json``
(sha256 digests), for ReplayWeb.page or ``wacz validate`` (``crawler.archive.wacz``).

Each folder given is a run folder or an archive of them (all its runs); ``--all`` packages
every run of ``ARCHIVE_DIR`` when no folder is given. Reparse folders are left out: their
WARC files are their source run's.

Exit statuses: 0 written; 1 py-wacz could not write it; 2 a folder is not an archive, or
there is no run to package.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.archive.wacz import WaczError, write_wacz
from crawler.commands.archive_folder import NOT_AN_ARCHIVE, archive_paths, fail, open_archive


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "RUN_FOLDER [RUN_FOLDER ...] --out FILE.wacz | --all [ARCHIVE_DIR] --out FILE.wacz"

    def short_desc(self) -> str:
        return "Package runs' WARC files as one WACZ file, for replay"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--out", metavar="FILE", type=Path, help="the WACZ file to write")
        parser.add_argument(
            "--all",
            action="store_true",
            help="every run of the archive (ARCHIVE_DIR when no folder is given)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if opts.out is None:
            raise UsageError("give the file to write: --out FILE.wacz", print_help=False)
        if not args and not opts.all:
            raise UsageError("give run folders, or --all for every run", print_help=False)
        runs: list[Path] = []
        for path in archive_paths(args, self.settings):
            archive = open_archive(self, "wacz", path, needs_runs="nothing to package")
            if archive is None:
                return
            runs += [run for run in archive.runs if run not in runs]
        if not runs:
            fail(
                self,
                "wacz",
                "only reparse folders given: package their source runs",
                NOT_AN_ARCHIVE,
            )
            return
        try:
            packaged = write_wacz(runs, opts.out, title=f"{runs[0].parent.name} archive")
        except (WaczError, OSError) as exc:
            fail(self, "wacz", str(exc), 1)
            return
        print(
            f"wacz: {packaged.runs} run(s), {packaged.warcs} WARC file(s), {packaged.pages} "
            f"article page(s) -> {packaged.path}"
        )
