"""``scrapy reparse <run folder>``: rebuild a run's article records from its WARC files (on
a terminal, with a bar on stderr over the run's records)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.progress import bar
from crawler.reparse import ReparseError, reparse_run


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "<run_dir>"

    def short_desc(self) -> str:
        return "Rebuild a run's article records offline from its WARC files"

    def long_desc(self) -> str:
        return (
            "Re-extracts every article record of a finished run from the response its warc "
            "pointer names, with the current extraction code, into a new run folder beside "
            "it. Exits 1 if an article no longer extracts."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one run folder")
        try:
            with bar("reparse", "records") as progress:
                outcome = reparse_run(Path(args[0]), progress=progress)
        except (ReparseError, OSError, ValueError) as exc:
            print(f"error: scrapy reparse: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        print(f"reparse: {outcome.source} -> {outcome.target}")
        print(
            f"  {outcome.reparsed} article records reparsed: {outcome.identical} identical, "
            f"{outcome.reparsed - outcome.identical} changed by the current extraction"
            + (f" (fields: {dict(outcome.differing)})" if outcome.differing else "")
        )
        print(f"  {outcome.copied} records copied as they were (removed, or no capture)")
        if outcome.lost:
            lost = sum(outcome.lost.values())
            print(
                f"error: scrapy reparse: {lost} article records no longer extract "
                f"({dict(outcome.lost)}); they are not in {outcome.target}",
                file=sys.stderr,
            )
            self.exitcode = 1
