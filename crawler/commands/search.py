"""``scrapy search QUERY [--category C] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--limit N]
[--json] [--archive DIR]``: the articles of the archive that match, best first.

The query is FTS5's syntax (``crawler.archive.search``): words (all of them must match),
``"a phrase"``, ``OR``, ``NOT``, ``prefix*``, ``title:word``. It reads the archive's search
index (``crawler.archive.index``), built first if there is none (a line on stderr says so).

A query whose words are in more than 5,000 articles is not ranked (``RANK_LIMIT``): its hits
come newest first, and the line on stderr says so.

Exit statuses: 0 searched (with or without hits); 1 the archive or its index cannot be read;
2 bad input: a query FTS5 cannot parse, a bad date or limit, a category no article has, a
folder that is not an archive.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from crawler.archive.folders import NotAnArchive
from crawler.archive.index import IndexFileError, index_path, index_state, update_index
from crawler.archive.search import BOLD, BRACKETS, QueryError, search
from crawler.commands.archive_folder import NOT_AN_ARCHIVE, fail
from crawler.commands.archive_option import add_archive_option, archive_dir, colour_terminal

BAD_INPUT = 2
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return (
            "QUERY [--category C] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--limit N] "
            "[--json] [--archive DIR]"
        )

    def short_desc(self) -> str:
        return "Search the archive's articles (full text, ranked)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--category", help="only articles of this category")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="only published on or after")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="only published on or before")
        parser.add_argument("--limit", metavar="N", default="10", help="hits shown (10)")
        parser.add_argument("--json", action="store_true", help="one JSON object a hit")
        add_archive_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        query = " ".join(args).strip()
        if not query:
            fail(self, "search", "give a query", BAD_INPUT)
            return
        try:
            since, until = _day("since", opts.since), _day("until", opts.until)
            limit = _limit(opts.limit)
        except ValueError as exc:
            fail(self, "search", str(exc), BAD_INPUT)
            return
        archive = archive_dir(opts, self.settings)
        try:
            state = index_state(archive)
            if state.rebuild is not None:
                update_index(archive, progress=_progress)
            elif state.missing:
                # Noted, not applied: a search never waits for the index's writer lock.
                _progress(
                    f"search: the index lacks {len(state.missing)} finished run(s) "
                    f"({', '.join(state.missing)}): scrapy index {archive} adds them"
                )
            markers = BOLD if colour_terminal() and not opts.json else BRACKETS
            results = search(
                index_path(archive),
                query,
                category=opts.category,
                since=since,
                until=until,
                limit=limit,
                markers=markers,
            )
        except QueryError as exc:
            fail(self, "search", str(exc), BAD_INPUT)
            return
        except NotAnArchive as exc:
            fail(self, "search", str(exc), NOT_AN_ARCHIVE)
            return
        except (OSError, ValueError, IndexFileError) as exc:
            fail(self, "search", str(exc), 1)
            return
        for rank, hit in enumerate(results.hits, 1):
            if opts.json:
                print(json.dumps({"rank": rank, **hit.to_dict()}, ensure_ascii=False))
                continue
            print(f"{rank}. {hit.title}")
            print(f"   {hit.id} · v{hit.version} · {hit.published} · {hit.category} · {hit.url}")
            print(f"   {hit.snippet}")
        if results.ranked:
            _progress(f"search: {len(results.hits)} of {results.total} hit(s) for {query!r}")
        else:
            _progress(
                f"search: {len(results.hits)} of more than {results.total:,} hit(s) for "
                f"{query!r}, newest first: its words are in too many articles to rank; "
                "add a word, or make them a phrase"
            )


def _day(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"--{name} {value!r}: give a date as YYYY-MM-DD") from None


def _limit(value: str) -> int:
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise ValueError(f"--limit {value!r}: give a whole number of hits, 1 or more")
    return limit
