"""A real ``scrapy crawl site`` against the fault-injecting server: it must end by itself, exit
0, archive every good and eventually-good article once, nothing for the bad pages, and name
the cause of every failure in its stats.

The crawl runs once for the module (about a minute); each test checks one behaviour of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler import settings as production
from tests.hostile import server
from tests.hostile.server import PAGES, PageSpec

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

#: Test-only overrides, kept after the settings are merged. Production waits 30 s for a
#: page; a page that hangs costs DOWNLOAD_TIMEOUT x (RETRY_TIMES + 1).
DOWNLOAD_TIMEOUT = 3
#: Production caps are 500 listing pages and 2,000 links: each fetch under them costs crawl
#: time, and how the caps work does not depend on their size.
CATEGORY_MAX_PAGES = 40
PAGE_MAX_LINKS = 150
#: The server hangs up on a hanging page after twice the crawler's patience.
HANG_SECONDS = 2 * DOWNLOAD_TIMEOUT
#: What the rate-limited page asks for before it answers.
RETRY_AFTER_SECONDS = 1

#: Production values the assertions rely on, read rather than overridden.
RETRY_TIMES: int = production.RETRY_TIMES
REDIRECT_MAX_TIMES: int = production.REDIRECT_MAX_TIMES
DOWNLOAD_MAXSIZE: int = production.DOWNLOAD_MAXSIZE
BACKOFF_BASE: float = production.RETRY_BACKOFF_BASE

#: Measured: about 20 s on 2 cores. A hang anywhere (a page, a retry wait, the endless
#: listing) would take the crawl far beyond this; the run is killed then.
CRAWL_TIME_LIMIT = 150.0
#: Measured: 150-170 MiB peak. Inflating the 2 GiB bomb past DOWNLOAD_MAXSIZE would exceed it.
PEAK_RSS_LIMIT = 400 * 2**20


#: The cause each bad page must be counted under, as ``pages/failed/<cause>``.
FAILURE_CAUSES: dict[str, str] = {
    "hang": "DownloadTimeoutError",
    "truncated": "ResponseDataLossError",
    "binary": "BinaryBody",
    "empty": "EmptyBody",
    "huge_streamed": "ResponseTooLarge",
    "huge_declared": "ResponseTooLarge",
    "gzip_bomb": "DecompressionBomb",
    "redirect_loop": "RedirectLoop",
    "redirect_chain": "TooManyRedirects",
    "rate_limited_long": "429",
}

ARCHIVED = [page for page in PAGES if page.outcome == "archived"]
REFUSED = [page for page in PAGES if page.outcome == "refused"]


def page_for(behaviour: str) -> PageSpec:
    (page,) = [page for page in PAGES if page.behaviour == behaviour]
    return page


@dataclass(frozen=True, slots=True)
class Crawl:
    site_url: str
    returncode: int
    elapsed: float
    stderr: str
    log: str
    report: Mapping[str, Any]
    run_dir: Path
    records: list[dict[str, Any]]
    requests: Counter[str]
    arrivals: Mapping[str, list[float]]
    server_errors: list[str]

    @property
    def stats(self) -> Mapping[str, Any]:
        stats: Mapping[str, Any] = self.report["stats"]
        return stats

    def stat(self, key: str) -> Any:
        return self.stats.get(key, 0)

    def articles(self, page: PageSpec) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("id") == page.id]

    def hits(self, path: str) -> int:
        return self.requests[path]

    def targets(self, prefix: str) -> set[str]:
        """Distinct request targets starting with ``prefix`` (retries of one count once)."""
        return {target for target in self.requests if target.startswith(prefix)}

    def failed(self) -> dict[str, int]:
        """The ``pages/failed/<cause>`` counters, by cause."""
        prefix = "pages/failed/"
        return {k.removeprefix(prefix): v for k, v in self.stats.items() if k.startswith(prefix)}

    def fetched_url(self, page: PageSpec) -> str:
        """Where the crawler fetched ``page``: the server's address, not the public origin."""
        return self.site_url.rstrip("/") + page.path


def setting_args(settings: Mapping[str, Any]) -> list[str]:
    args: list[str] = []
    for name, value in settings.items():
        text = json.dumps(value) if isinstance(value, dict | list | bool) else str(value)
        args += ["-s", f"{name}={text}"]
    return args


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("hostile")
    test_settings: dict[str, Any] = {
        "DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT,
        "CATEGORY_MAX_PAGES": CATEGORY_MAX_PAGES,
        "PAGE_MAX_LINKS": PAGE_MAX_LINKS,
        "ARCHIVE_DIR": tmp / "archive",
        "STATE_DIR": tmp / "state",
        "LOG_FILE": tmp / "crawl.log",
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": False,
        # -s replaces a dict setting whole: the project's own extensions are kept.
        "EXTENSIONS": {
            **getattr(production, "EXTENSIONS", {}),
            "tests.hostile.stats_dump.StatsDump": 0,
        },
        "STATS_DUMP_FILE": tmp / "stats.json",
    }
    with server.running(hang_seconds=HANG_SECONDS, retry_after_seconds=RETRY_AFTER_SECONDS) as site:
        command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.url}"]
        command += setting_args(test_settings)
        started = time.monotonic()
        result = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=CRAWL_TIME_LIMIT,
            check=False,
        )
        elapsed = time.monotonic() - started
        requests = Counter(site.requests)
        arrivals = {target: list(times) for target, times in site.arrivals.items()}
        server_errors = list(site.handler_errors)
    # A crawl that died early leaves files missing: the tests then fail on what is absent,
    # and test_crawl_exits_zero shows its stderr.
    log_file, stats_file = tmp / "crawl.log", tmp / "stats.json"
    log = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
    report = (
        json.loads(stats_file.read_text(encoding="utf-8"))
        if stats_file.exists()
        else {"reason": None, "stats": {}, "peak_rss_bytes": None}
    )
    run_dirs = sorted((tmp / "archive").glob("site-*"))
    run_dir = run_dirs[0] if run_dirs else tmp / "archive" / "missing"
    records = [
        json.loads(line)
        for shard in sorted(run_dir.glob("articles-*.jsonl"))
        for line in shard.read_text(encoding="utf-8").splitlines()
    ]
    yield Crawl(
        site_url=site.url,
        returncode=result.returncode,
        elapsed=elapsed,
        stderr=result.stderr,
        log=log,
        report=report,
        run_dir=run_dir,
        records=records,
        requests=requests,
        arrivals=arrivals,
        server_errors=server_errors,
    )


# -- the run as a whole ----------------------------------------------------------------------


def test_crawl_exits_zero(crawl: Crawl) -> None:
    assert crawl.returncode == 0, crawl.stderr[-2000:]


def test_crawl_ends_by_itself(crawl: Crawl) -> None:
    assert crawl.report["reason"] == "finished"
    assert crawl.elapsed < CRAWL_TIME_LIMIT


def test_no_uncaught_traceback(crawl: Crawl) -> None:
    assert "Traceback" not in crawl.log
    assert "Traceback" not in crawl.stderr
    assert crawl.stat("spider_exceptions/count") == 0


def test_peak_memory_is_bounded(crawl: Crawl) -> None:
    peak = crawl.report["peak_rss_bytes"]
    assert peak is not None and peak < PEAK_RSS_LIMIT


def test_the_huge_pages_are_beyond_the_size_limit() -> None:
    # The ResponseTooLarge and DecompressionBomb expectations hold only if this does.
    assert DOWNLOAD_MAXSIZE < server.HUGE_PAGE_BYTES < server.BOMB_BLOCK * server.BOMB_BLOCKS


def test_manifest_marks_a_complete_run(crawl: Crawl) -> None:
    manifest = json.loads((crawl.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["articles_written"] == len(ARCHIVED)
    assert manifest["counts"]["pages_failed"] == crawl.failed()


def test_the_server_itself_stayed_healthy(crawl: Crawl) -> None:
    assert crawl.server_errors == []


# -- articles --------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ARCHIVED, ids=lambda page: page.behaviour)
def test_good_and_eventually_good_articles_are_archived_once(crawl: Crawl, page: PageSpec) -> None:
    (record,) = crawl.articles(page)
    assert record["title"] == page.title
    assert record["url"] == f"{server.ORIGIN}{page.path}"


@pytest.mark.parametrize("page", REFUSED, ids=lambda page: page.behaviour)
def test_bad_pages_leave_no_record(crawl: Crawl, page: PageSpec) -> None:
    assert crawl.articles(page) == []


def test_only_known_articles_are_archived(crawl: Crawl) -> None:
    assert sorted(r["id"] for r in crawl.records) == sorted(page.id for page in ARCHIVED)


def test_invalid_utf8_becomes_replacement_characters(crawl: Crawl) -> None:
    (record,) = crawl.articles(page_for("invalid_utf8"))
    assert "The damaged reel reads: \ufffd" in record["body"]


def test_deeply_nested_page_keeps_the_text_before_the_nesting(crawl: Crawl) -> None:
    # libxml2 stops building the tree 2,048 levels down and drops the rest of the page:
    # only what precedes the nesting is certain to be there.
    (record,) = crawl.articles(page_for("deep_nesting"))
    assert record["blocks"][0]["text"] == "Before the nested frames of article 0400105."


# -- failures, each under its cause ----------------------------------------------------------


@pytest.mark.parametrize("page", REFUSED, ids=lambda page: page.behaviour)
def test_each_bad_page_is_logged_under_its_cause(crawl: Crawl, page: PageSpec) -> None:
    cause = FAILURE_CAUSES[page.behaviour]
    assert f"page failed ({cause}): {crawl.fetched_url(page)}" in crawl.log
    assert crawl.stat(f"pages/failed/{cause}") >= 1


def test_failure_stats_count_each_bad_page_once(crawl: Crawl) -> None:
    expected = Counter(FAILURE_CAUSES[page.behaviour] for page in REFUSED)
    expected["404"] += 1  # the footer's /about.php: a plain missing page
    assert crawl.failed() == dict(expected)


def test_retry_after_is_honoured(crawl: Crawl) -> None:
    path = page_for("rate_limited").path
    first, second = crawl.arrivals[path][:2]
    assert second - first >= RETRY_AFTER_SECONDS
    assert crawl.stat("retry/retry_after") >= 1
    assert crawl.stat("retry/reason_count/429 Too Many Requests") == 1


def test_unavailable_page_is_retried_with_backoff(crawl: Crawl) -> None:
    times = crawl.arrivals[page_for("unavailable").path]
    assert len(times) >= 3
    # At least half the backoff base before the first retry, a whole one before the second.
    assert times[1] - times[0] >= BACKOFF_BASE / 2
    assert times[2] - times[1] >= BACKOFF_BASE
    assert crawl.stat("retry/reason_count/503 Service Unavailable") == 2


def test_too_long_retry_after_is_not_waited_for(crawl: Crawl) -> None:
    assert crawl.stat("retry/retry_after_too_long") == 1
    assert crawl.hits(page_for("rate_limited_long").path) <= RETRY_TIMES + 1


@pytest.mark.parametrize("behaviour", ["hang", "truncated"])
def test_retryable_failures_stop_after_retry_times(crawl: Crawl, behaviour: str) -> None:
    assert crawl.hits(page_for(behaviour).path) == RETRY_TIMES + 1
    assert crawl.stat("retry/max_reached") >= 2


def test_redirect_chain_stops_at_the_limit(crawl: Crawl) -> None:
    assert len(crawl.targets("/hop.php")) == REDIRECT_MAX_TIMES


# -- crawler traps ---------------------------------------------------------------------------


def test_endless_pagination_is_capped(crawl: Crawl) -> None:
    assert len(crawl.targets("/category.php?c=endless")) == CATEGORY_MAX_PAGES
    assert crawl.stat("limits/category_pages") >= 1


def test_link_farm_is_capped(crawl: Crawl) -> None:
    # The page's other links (navigation, related articles) come first and share the budget.
    assert PAGE_MAX_LINKS - 20 <= len(crawl.targets("/farm.php")) <= PAGE_MAX_LINKS
    assert crawl.stat("limits/pages_truncated") == 1
