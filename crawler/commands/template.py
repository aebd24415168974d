"""``scrapy template show|learn|reset``: the learned site template of a crawl state.

- ``show`` prints the template in use (its JSON) and the history of templates learned.
- ``learn --from-run RUN`` learns a template offline from a run folder's WARC captures, each
  labelled with the record archived for it: the run's own records, and for the pages it
  dropped (a redesigned run that ended loud) their articles' earlier records in the archive
  (``crawler.dropped``). It validates the template as a crawl does, and puts it in use;
  ``scrapy reparse RUN`` then reads the dropped pages again with it.
- ``reset`` goes back to the hand-written page objects (the history stays).

The state is ``-s STATE_DIR=<folder>`` (the crawl's ``data/state/<host>[-<port>]``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse

from crawler.archive.manifest import iso_utc
from crawler.archive.recover import completed_shards, run_records
from crawler.archive.warc import read_record
from crawler.clock import crawl_clock
from crawler.dropped import archived_before, dropped_captures, response_of
from crawler.pages import ArticlePage
from crawler.state import StateError
from crawler.state.sqlite import SQLiteState
from crawler.templates.learn import Example, learn, same_article
from crawler.templates.model import Template, TemplateError
from crawler.urls import path_key

ACTIONS = ("show", "learn", "reset")


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "show | learn --from-run <run_dir> | reset"

    def short_desc(self) -> str:
        return "Show, learn or reset the site template learned from the archive"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--from-run", metavar="RUN", help="learn from this run's captures")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or args[0] not in ACTIONS:
            raise UsageError(f"give one of: {', '.join(ACTIONS)}")
        assert self.settings is not None
        folder = self.settings.get("STATE_DIR")
        if not folder or not Path(folder).is_dir():
            self._error("give the crawl's state folder: -s STATE_DIR=<folder>", 2)
            return
        try:
            state = SQLiteState(Path(folder))
        except StateError as exc:
            self._error(str(exc), 3)
            return
        try:
            getattr(self, f"_{args[0]}")(state, opts)
            state.commit()
        finally:
            state.close()

    def _error(self, message: str, status: int) -> None:
        print(f"error: scrapy template: {message}", file=sys.stderr)
        self.exitcode = status

    def _show(self, state: SQLiteState, opts: argparse.Namespace) -> None:
        history = state.templates()
        active = next((t for t in history if t.active), None)
        if active is None:
            print("template in use: the page objects (none learned in use)")
        else:
            print(f"template in use: #{active.id}, learned {active.learned_at}")
            print(active.text, end="")
        print(f"history: {len(history)} template(s) learned")
        for stored in history:
            where = f" in {Path(stored.run_dir).name}" if stored.run_dir else ""
            mark = " (in use)" if stored.active else ""
            print(f"  #{stored.id} learned {stored.learned_at}{where}{mark}")

    def _reset(self, state: SQLiteState, opts: argparse.Namespace) -> None:
        state.reset_templates()
        print("template reset: the page objects read the site from the next run on")

    def _learn(self, state: SQLiteState, opts: argparse.Namespace) -> None:
        if not opts.from_run:
            raise UsageError("learn needs --from-run <run_dir>")
        run_dir = Path(opts.from_run)
        assert self.settings is not None
        try:
            examples = _captured_examples(run_dir, self.settings.getint("TEMPLATE_SAMPLE_PAGES"))
        except (OSError, ValueError) as exc:
            self._error(f"cannot read {run_dir}: {exc}", 1)
            return
        outcome = learn(examples)
        if outcome.template is None:
            self._error(f"no template learned from {run_dir}: {outcome.failure}", 1)
            return
        learned_at = iso_utc(crawl_clock(self.settings.get("CRAWL_CLOCK"))())
        template = Template(
            outcome.template,
            learned={
                "at": learned_at,
                "learned_from": outcome.learned_from,
                "validated_on": outcome.validated_on,
                "reproduced": outcome.right,
                "from_run": run_dir.name,
            },
        )
        try:
            Template.from_json(template.to_json())
        except TemplateError as exc:  # pragma: no cover - a learned template always reads back
            self._error(str(exc), 1)
            return
        stored = state.add_template(template.to_json(), learned_at, str(run_dir))
        print(
            f"template #{stored.id} learned from {outcome.learned_from} captures of "
            f"{run_dir.name}, validated on {outcome.validated_on}: in use from the next run"
        )


def _captured_examples(run_dir: Path, sample: int) -> list[Example]:
    """The run's captures as labelled pages: each archived article of the run with its
    capture, and the pages it dropped (an even spread of up to ``sample``) with the record
    the archive held for them before, whose head says they are those articles."""
    records = list(run_records(completed_shards(run_dir)))
    found = []
    for record in records:
        if record.get("type") != "article" or not record.get("warc"):
            continue
        page = ArticlePage.from_response(_response(run_dir, record["warc"]))
        if same_article(page, record):
            found.append(Example(page, record))
    dropped = dropped_captures(run_dir, records)
    archived = archived_before(run_dir, {path_key(captured.url) for captured in dropped})
    labelled = [c for c in dropped if path_key(c.url) in archived]
    step = max(1, len(labelled) // sample) if sample else 1
    for captured in labelled[::step][:sample]:
        page = ArticlePage.from_response(response_of(run_dir, captured))
        record = archived[path_key(captured.url)]
        if same_article(page, record):
            found.append(Example(page, record))
    return found


def _response(run_dir: Path, pointer: dict[str, Any]) -> HtmlResponse:
    capture = read_record(run_dir, pointer)
    url = str(capture.rec_headers.get_header("WARC-Target-URI"))
    headers = [(k, v) for k, v in capture.http_headers.headers] if capture.http_headers else []
    return HtmlResponse(url, headers=headers, body=capture.content)
