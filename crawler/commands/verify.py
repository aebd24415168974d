"""``scrapy verify [ARCHIVE_DIR | RUN_DIR]``: recompute every completed file's sha256 and record
count against its run's manifest, check each line parses, exit non-zero naming any damaged
file.

Exit statuses: 0 intact; 1 a file is damaged; 2 the folder is not an archive (nor one run
folder of it), or is an empty archive: verifying nothing is not a success, or a cron job
pointed at an unmounted disk would be told its archive is fine every night.

On a terminal, a bar on stderr follows the bytes hashed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from crawler.archive.verify import verify
from crawler.commands.archive_folder import archive_path, open_archive
from crawler.progress import bar


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[archive_dir | run_dir]"

    def short_desc(self) -> str:
        return "Verify archive shards against their manifests"

    def long_desc(self) -> str:
        return (
            "Checks every run folder of the archive (ARCHIVE_DIR by default), reparse folders "
            "included, or one run folder: each file's sha256 and record count against the "
            "manifest, and that every line is a JSON object."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        path = archive_path(args, self.settings)
        archive = open_archive(self, "verify", path, needs_runs="nothing to verify")
        if archive is None:
            return
        with bar("verify", "B", sizes=True) as progress:
            findings = verify(archive, progress)
        for finding in findings:
            print(finding, file=sys.stderr if finding.damaged else sys.stdout)
        damaged = [finding for finding in findings if finding.damaged]
        if damaged:
            print(f"verify: {len(damaged)} problem(s) in {path}", file=sys.stderr)
            self.exitcode = 1
        else:
            print(f"verify: {archive.describe()} in {path} OK")
