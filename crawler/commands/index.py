"""``scrapy index [ARCHIVE_DIR] [--rebuild]``: bring the archive's search index
(``<ARCHIVE_DIR>/index.sqlite``, ``crawler.archive.index``) up to date with its finished runs,
or with ``--rebuild`` build it whole from the shards.

Exit statuses: 0 done; 1 the archive or the index cannot be read or written; 2 bad input
(a folder that is not an archive, or a run folder).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from crawler.archive.folders import NotAnArchive
from crawler.archive.index import IndexFileError, rebuild_index, update_index
from crawler.commands.archive_folder import NOT_AN_ARCHIVE, fail


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[archive_dir] [--rebuild]"

    def short_desc(self) -> str:
        return "Update the archive's search index (index.sqlite), or rebuild it"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--rebuild", action="store_true", help="build it whole from the shards")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            fail(self, "index", "give at most one archive folder", 2)
            return
        assert self.settings is not None
        archive = Path(args[0] if args else self.settings.get("ARCHIVE_DIR", "data/archive"))
        build = rebuild_index if opts.rebuild else update_index
        try:
            update = build(archive, progress=_progress)
        except NotAnArchive as exc:
            fail(self, "index", str(exc), NOT_AN_ARCHIVE)
            return
        except (OSError, ValueError, IndexFileError, sqlite3.Error) as exc:
            fail(self, "index", str(exc), 1)
            return
        did = (
            f"built from {update.runs} run(s)"
            if update.rebuilt
            else f"{len(update.applied)} new run(s) applied"
        )
        print(
            f"index: {update.path}: {update.articles} articles, {update.removed} removed, "
            f"{did} in {update.seconds:.1f} s"
        )
