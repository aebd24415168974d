"""``scrapy replay [ARCHIVE_DIR] [--port P]``: the archive's captured pages served through pywb
on 127.0.0.1 (``crawler.archive.replay``): it builds a collection of the runs' WARC files,
prints the address to open (the latest run's start page as it was then), and then is pywb's
``wayback`` server until stopped (Ctrl-C).

pywb comes from ``make pywb`` (its own virtualenv, ``.venv-pywb``) or ``REPLAY_PYWB_BIN``.

Exit statuses: 1 no pywb, or no collection could be made of the archive; 2 the folder is not
an archive, or an empty one. While it serves, the exit status is pywb's.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from crawler.archive.replay import ReplayError, build_collection, pywb_programs, wayback_command
from crawler.commands.archive_folder import archive_path, fail, open_archive

DEFAULT_PORT = 8090


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[archive_dir] [--port P]"

    def short_desc(self) -> str:
        return "Serve the archive's captured pages through pywb on 127.0.0.1"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        path = archive_path(args, self.settings)
        archive = open_archive(self, "replay", path, needs_runs="nothing to replay")
        if archive is None:
            return
        try:
            programs = pywb_programs(self.settings.get("REPLAY_PYWB_BIN", ""))
            collection = build_collection(archive, programs)
        except (ReplayError, OSError) as exc:
            fail(self, "replay", str(exc), 1)
            return
        print(
            f"replay: {collection.runs} run(s), {collection.warcs} WARC file(s) of {path} "
            f"served by pywb on 127.0.0.1:{opts.port}\n"
            f"  open {collection.url(opts.port)}\n"
            "  Ctrl-C stops it",
            flush=True,
        )
        command = wayback_command(collection, programs, opts.port)
        # pywb takes this process's place: a signal that stops it reaches pywb itself, and no
        # server is left behind when the command is killed.
        os.execv(command[0], command)
