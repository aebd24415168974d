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
from crawler.state import StateError, StoredTemplate
from crawler.state.sqlite import SQLiteState


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
            "it. Exits 1 if an article record no longer extracts. The learned template the crawl "
            "state holds in use reads the pages (-s STATE_DIR=<state folder>), else the page "
            "objects; the pages the run dropped are read again too, from their captures."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one run folder")
        try:
            template = self._template()
            with bar("reparse", "records") as progress:
                outcome = reparse_run(Path(args[0]), progress=progress, template=template)
        except (ReparseError, StateError, OSError, ValueError) as exc:
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
        if outcome.recovered:
            found = outcome.recovered
            print(
                f"  {found.total()} pages the run dropped read again: {found['new']} new, "
                f"{found['changed']} changed, {found['unchanged']} unchanged"
            )
        if outcome.still_dropped:
            print(
                f"  {outcome.still_dropped.total()} pages the run dropped still do not extract "
                f"({dict(outcome.still_dropped)})"
            )
        if outcome.lost:
            lost = sum(outcome.lost.values())
            print(
                f"error: scrapy reparse: {lost} article records no longer extract "
                f"({dict(outcome.lost)}); they are not in {outcome.target}",
                file=sys.stderr,
            )
            self.exitcode = 1

    def _template(self) -> StoredTemplate | None:
        """The template in use in ``STATE_DIR``'s crawl state, if one is given."""
        assert self.settings is not None
        folder = self.settings.get("STATE_DIR")
        if not folder:
            return None
        if not Path(folder).is_dir():
            raise StateError(f"no crawl state in {folder} (STATE_DIR)")
        state = SQLiteState(Path(folder))
        try:
            return next((stored for stored in state.templates() if stored.active), None)
        finally:
            state.close()
