"""``scrapy state rebuild [--state-dir DIR] [ARCHIVE_DIR]``: the crawl state rebuilt from the
archive (``crawler.state.rebuild``), for a state file that was damaged, lost, or written by
another version.

``ARCHIVE_DIR`` defaults to the setting, as for ``scrapy report``; ``--state-dir`` to the
folder a crawl of the archive's site would use (``STATE_DIR``, else the site's own folder
under ``data/state``, named by the origin the archive's pages were fetched from).

Exit statuses: 0 rebuilt; 1 the state could not be written; 2 bad input (no archive, no run
in it, the runs of several sites, a state folder that cannot be written); 3 a crawl is using
the state folder.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.clock import utc_now
from crawler.commands.archive_folder import archive_path
from crawler.extensions.revisit import revisit_settings
from crawler.state import StateError
from crawler.state.lock import StateBusy
from crawler.state.rebuild import RebuildError, archive_site, rebuild
from crawler.state.site import state_dir

#: Exit status for input that cannot work, as for ``scrapy crawl``.
BAD_INPUT = 2
#: Exit status when a crawl holds the state folder, as for ``scrapy crawl``.
STATE_BUSY = 3


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "rebuild [--state-dir DIR] [archive_dir]"

    def short_desc(self) -> str:
        return "Rebuild the crawl state from the archive"

    def long_desc(self) -> str:
        return (
            "Rebuilds the crawl state of a site from its archive: every run's records in run "
            "order, each article's latest version, content digests and page validators, the "
            "removed articles, the site. The old state.sqlite is kept beside the new one as "
            "state.sqlite.damaged-<time> (or .replaced-<time> if it could be read); the next "
            "crawl is incremental."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--state-dir",
            metavar="DIR",
            type=Path,
            help="the state folder to rebuild (default: the one a crawl of the archive's site "
            "uses: STATE_DIR, else data/state/<host>[-<port>])",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] != "rebuild" or len(args) > 2:
            raise UsageError("give rebuild, then at most one archive folder")
        assert self.settings is not None
        archive = archive_path(args[1:], self.settings)
        try:
            site = archive_site(archive)
        except (RebuildError, OSError, ValueError) as exc:
            self._fail(str(exc), BAD_INPUT)
            return
        configured = opts.state_dir or self.settings.get("STATE_DIR")
        if not configured and site.fetch_origin is None and site.public_origin is None:
            self._fail(f"no record in {archive} names its site: give --state-dir", BAD_INPUT)
            return
        folder = state_dir(str(configured or ""), site.fetch_origin or site.public_origin)
        if problem := _unwritable(folder):
            self._fail(f"state folder {str(folder)!r} is not writable: {problem}", BAD_INPUT)
            return
        try:
            rebuilt = rebuild(site, folder, revisit_settings(self.settings), utc_now())
        except StateBusy as exc:
            self._fail(str(exc), STATE_BUSY)
            return
        except (StateError, OSError, ValueError, sqlite3.DatabaseError) as exc:
            self._fail(f"the state in {folder} was not rebuilt: {exc}", 1)
            return
        kept = f"; the old one kept as {rebuilt.aside}" if rebuilt.aside else ""
        print(
            f"state rebuild: {folder} from {rebuilt.runs} run(s) in {archive}: "
            f"{rebuilt.articles} articles, {rebuilt.removed} removed{kept}"
        )

    def _fail(self, message: str, status: int) -> None:
        print(f"error: scrapy state rebuild: {message}", file=sys.stderr)
        self.exitcode = status


def _unwritable(folder: Path) -> str | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return str(exc.strerror or exc)
    return None
