"""``scrapy savefixture <url> [--name CASE]``: fetch one article page, once, and save it as a
test fixture, ``tests/fixtures/article/<case>/{page.html,url.txt,expected.json}``.

The page is fetched by Scrapy with the project's settings (User-Agent, robots.txt, timeouts,
retries), and nothing else is: no crawl state, no archive, no alarms. ``expected.json`` is
what the current extraction (:func:`crawler.extract_article`) makes of the page, written as
``tests/fixtures/make_fixtures.py`` writes every case, so a person reviews it before
committing: the fixture test then holds the extraction to it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse, Response
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import extract_article

#: Where the fixture test (``tests/pages/test_article_fixtures.py``) finds its cases.
FIXTURES_DIR = Path("tests/fixtures/article")
#: A case is one folder: a plain name, no path.
_CASE = re.compile(r"[a-z0-9][a-z0-9._-]*")


class FixtureError(Exception):
    """Why no fixture was saved, in one line."""


def default_case(url: str) -> str:
    """A case name for the page at ``url``: ``article-<id>`` for the site's article URLs,
    else the URL's path and query as a slug.

    >>> default_case("https://articles.example/page.php?p=0211227&utm_source=x")
    'article-0211227'
    >>> default_case("https://blog.example/2024/05/On-Film.html")
    'blog-example-2024-05-on-film'
    """
    parts = urlsplit(url)
    article_id = dict(parse_qsl(parts.query)).get("p", "")
    if re.fullmatch(r"[0-9A-Za-z]+", article_id):
        return f"article-{article_id.lower()}"
    path = re.sub(r"\.[a-z0-9]+$", "", parts.path.lower())
    words = [parts.hostname or "", path, parts.query]
    return re.sub(r"[^a-z0-9]+", "-", " ".join(words).lower()).strip("-") or "page"


def fixture_json(value: Any) -> str:
    """``expected.json``'s text, as ``tests/fixtures/make_fixtures.py`` writes it."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def write_case(folder: Path, page: bytes, url: str, expected: Any, *, force: bool) -> None:
    """Write the case folder whole: built beside it, then renamed into place (replacing an
    older one only with ``force``)."""
    if folder.exists() and not force:
        raise FixtureError(f"{folder} exists: give --force to replace it")
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        (building / "page.html").write_bytes(page)
        (building / "url.txt").write_text(url, encoding="utf-8")
        (building / "expected.json").write_text(fixture_json(expected), encoding="utf-8")
        building.chmod(0o755)  # mkdtemp's 0700 would keep the folder from everyone else
        if folder.exists():
            shutil.rmtree(folder)
        building.rename(folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


class FetchOnce(scrapy.Spider):
    """One request, whatever its status; the response (or the failure) is kept."""

    name = "savefixture"

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.response: Response | None = None
        self.failure: Failure | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(
            self.url,
            self.keep,
            errback=self.failed,
            dont_filter=True,
        )

    def keep(self, response: Response) -> None:
        self.response = response

    def failed(self, failure: Failure) -> None:
        self.failure = failure


#: The project's politeness, robots.txt and robustness settings apply to the fetch; what only
#: a crawl needs (its state, archive, WARC capture, alarms) is off, and the log is quiet.
FETCH_SETTINGS: dict[str, Any] = {
    "LOG_LEVEL": "WARNING",
    "STATE_ENABLED": False,
    "ALARM_ENABLED": False,
    "WARC_ENABLED": False,
    "ITEM_PIPELINES": {},
    "TELNETCONSOLE_ENABLED": False,
}


class Command(ScrapyCommand):
    requires_crawler_process = True

    def syntax(self) -> str:
        return "<url> [--name CASE] [--fixtures-dir DIR] [--force]"

    def short_desc(self) -> str:
        return "Save an article page as a test fixture, with the record extracted from it"

    def long_desc(self) -> str:
        return (
            "Fetches the page once with the project's settings and writes "
            "<fixtures-dir>/<case>/{page.html,url.txt,expected.json}; expected.json is the "
            "current extraction's record, to review before committing. Exits 1, writing "
            "nothing, when the page cannot be fetched, does not answer 200 with HTML, or "
            "yields no article record."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--name", metavar="CASE", help="the case's folder name (default: from the URL)"
        )
        parser.add_argument(
            "--fixtures-dir",
            metavar="DIR",
            type=Path,
            default=FIXTURES_DIR,
            help=f"where case folders go (default: {FIXTURES_DIR})",
        )
        parser.add_argument("--force", action="store_true", help="replace an existing case")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # Above the project's settings (a command's default_settings rank below them), below
        # what the person gives with -s or --loglevel.
        for name, value in FETCH_SETTINGS.items():
            if (self.settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
                self.settings.set(name, value, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one URL")
        url = args[0].strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"not an absolute http(s) URL: {url!r}", print_help=False)
        case = opts.name or default_case(url)
        if not _CASE.fullmatch(case):
            raise UsageError(
                f"--name {case!r}: use lower-case letters, digits, '.', '_' and '-'",
                print_help=False,
            )
        folder = opts.fixtures_dir / case
        try:
            if folder.exists() and not opts.force:
                raise FixtureError(f"{folder} exists: give --force to replace it")
            response = self._fetch(url)
            record = extract_article(response.body, response.url)
            if record is None:
                raise FixtureError(
                    f"{response.url} yields no article record (no title, no body text, or "
                    "another field of the record contract missing)"
                )
            write_case(folder, response.body, response.url, record, force=opts.force)
        except FixtureError as exc:
            print(f"error: scrapy savefixture: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        print(f"saved {folder}/: page.html, url.txt, expected.json ({record['title']!r})")
        print(
            f"review {folder / 'expected.json'} against the page before committing: it is "
            "what the current extraction says, which the fixture test will hold it to"
        )

    def _fetch(self, url: str) -> Response:
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(FetchOnce)
        self.crawler_process.crawl(crawler, url=url)
        self.crawler_process.start()
        spider = crawler.spider
        assert isinstance(spider, FetchOnce)
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        if self.crawler_process.bootstrap_failed:
            raise FixtureError("the fetch could not start (see the log above)")
        if stats.get("robotstxt/forbidden"):
            raise FixtureError(f"robots.txt forbids fetching {url}")
        if spider.failure is not None:
            error = spider.failure.value
            if isinstance(error, HttpError):
                status = error.response.status
                raise FixtureError(f"{error.response.url} answered {status}, not 200")
            raise FixtureError(f"could not fetch {url}: {type(error).__name__}: {error}")
        response = spider.response
        if response is None:
            raise FixtureError(f"no response for {url}")
        if response.status != 200:
            raise FixtureError(f"{response.url} answered {response.status}, not 200")
        if not isinstance(response, HtmlResponse):
            kind = response.headers.get("Content-Type") or b"no Content-Type"
            raise FixtureError(f"{response.url} is not an HTML page ({kind.decode('latin-1')})")
        return response
