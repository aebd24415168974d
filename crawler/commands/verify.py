"""``scrapy verify <archive_dir>``: recompute every completed file's sha256 and record count
against its run's manifest, check each line parses, exit non-zero naming any damaged file.
On a terminal, a bar on stderr follows the bytes hashed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.archive.verify import runs_in, verify
from crawler.progress import bar


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "<archive_dir | run_dir>"

    def short_desc(self) -> str:
        return "Verify archive shards against their manifests"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one archive folder or run folder")
        path = Path(args[0])
        with bar("verify", "B", sizes=True) as progress:
            findings = verify(path, progress)
        for finding in findings:
            print(finding, file=sys.stderr if finding.damaged else sys.stdout)
        damaged = [finding for finding in findings if finding.damaged]
        if damaged:
            print(f"verify: {len(damaged)} problem(s) in {path}", file=sys.stderr)
            self.exitcode = 1
        else:
            runs = len(runs_in(path))
            print(f"verify: {runs} run(s) in {path} OK")
