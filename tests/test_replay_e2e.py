"""Replay of a real crawl: the bundled sample site crawled twice (unchanged), packaged as a WACZ
that ``wacz validate`` accepts, and served by ``scrapy replay`` (pywb) to headless Chromium
with the site's server stopped.

One crawl pair and one replay server for the module, to keep CI lean. pywb comes from
``make pywb`` (``make test`` and ``.ci/run`` build it), Chromium from ``make chromium``. The
replayed article's screenshot is kept in ``build/replay-screenshot.png`` (or
``$REPLAY_SCREENSHOT``) for a person to look at.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.folders import find_archive
from crawler.archive.replay import CHECKOUT_PYWB
from crawler.archive.warc import completed_warcs
from sample_site.assets import BACKGROUND, TITLE_COLOUR
from sample_site.expected import DEFAULT_ROOT, site_summary
from sample_site.server import SampleSite
from tests import chromium
from tests.redis_server import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = Path(os.environ.get("REPLAY_SCREENSHOT") or ROOT / "build" / "replay-screenshot.png")
#: The share of the first run's WARC bytes a second, unchanged run may add.
REVISIT_BYTES_BOUND = 0.05
WACZ_BIN = Path(sys.executable).parent / "wacz"


@dataclass(frozen=True)
class Crawled:
    archive: Path
    origin: str
    #: The site's answers to the second run, by status.
    second_statuses: Counter[int]


def listening(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
        except OSError:
            time.sleep(0.1)
        else:
            return True
    return False


def scrapy(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def crawl(site: SampleSite, work: Path) -> None:
    settings = {
        "ARCHIVE_DIR": work / "archive",
        "STATE_DIR": work / "state",
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_FILE": work / "crawl.log",
    }
    args = ["crawl", "site", "-a", f"start_url={site.base_url}"]
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    result = scrapy(*args)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """Two crawls of the unchanged site on one state; the site is stopped once they are done."""
    work = tmp_path_factory.mktemp("replay")
    with SampleSite(DEFAULT_ROOT) as site:
        crawl(site, work)
        site.reset()
        crawl(site, work)
        statuses = Counter(request.status for request in site.requests)
        origin = site.base_url.rstrip("/")
    yield Crawled(work / "archive", origin, statuses)


def warc_records(run: Path) -> list[Any]:
    [warc] = completed_warcs(run)
    with warc.open("rb") as stream:
        return [
            (record.rec_type, record.rec_headers.get_header("WARC-Target-URI"))
            for record in ArchiveIterator(stream)
        ]


def warc_bytes(run: Path) -> int:
    return sum(path.stat().st_size for path in completed_warcs(run))


def test_a_second_unchanged_crawl_adds_only_revisits_of_listings_and_assets(
    crawled: Crawled,
) -> None:
    first, second = find_archive(crawled.archive).runs
    kinds = Counter(kind for kind, _ in warc_records(first))
    assert kinds["response"] == kinds["request"] > 240  # the articles, listings and assets
    revisited = [url for kind, url in warc_records(second) if kind != "warcinfo"]
    assert {kind for kind, _ in warc_records(second)} == {"warcinfo", "revisit"}
    assert sorted(url.removeprefix(crawled.origin) for url in revisited) == [
        "/",
        "/category.php?c=documentary",
        "/category.php?c=festivals-awards",
        "/category.php?c=film-history",
        "/category.php?c=national-cinemas",
        "/static/site.css",
    ]
    # The articles the second run checked answered 304, and added nothing.
    assert crawled.second_statuses[304] > 0
    ratio = warc_bytes(second) / warc_bytes(first)
    print(f"second run's WARC bytes: {ratio:.2%} of the first run's")
    assert ratio < REVISIT_BYTES_BOUND


def test_the_runs_verify_with_their_new_records(crawled: Crawled) -> None:
    result = scrapy("verify", str(crawled.archive))
    assert result.returncode == 0, result.stderr
    assert "verify: 2 run(s)" in result.stdout


def test_a_wacz_of_the_crawl_validates(crawled: Crawled, tmp_path: Path) -> None:
    target = tmp_path / "sample.wacz"
    made = scrapy("wacz", "--all", str(crawled.archive), "--out", str(target))
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == (
        f"wacz: 2 run(s), 2 WARC file(s), 240 article page(s) -> {target}"
    )
    checked = subprocess.run(
        [str(WACZ_BIN), "validate", "-f", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with zipfile.ZipFile(target) as package:
        names = set(package.namelist())
        lines = package.read("pages/pages.jsonl").decode("utf-8").splitlines()
        described = json.loads(package.read("datapackage.json"))
    assert {"indexes/index.cdx.gz", "datapackage.json", "pages/pages.jsonl"} <= names
    assert described["wacz_version"] == "1.1.1"
    assert all(entry["hash"].startswith("sha256:") for entry in described["resources"])
    pages = [json.loads(line) for line in lines[1:]]
    assert len(pages) == 240 and all(page["title"] and page["text"] for page in pages)
    assert all(page["url"].startswith(crawled.origin) for page in pages)


# ---- replayed in headless Chromium, the site stopped -------------------------------------


@pytest.fixture(scope="module")
def replay(crawled: Crawled) -> Iterator[str]:
    """``scrapy replay`` of the archive on a free port; the replayed site's address prefix."""
    if (why := chromium.missing()) is not None:
        reason, may_skip = why
        (pytest.skip if may_skip else pytest.fail)(reason)
    if not (CHECKOUT_PYWB / "wayback").exists():
        pytest.fail("pywb is not installed: run `make pywb` (make test does)")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "replay", str(crawled.archive), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        said = [server.stdout.readline() for _ in range(2)]
        assert said[0].startswith("replay: 2 run(s), 2 WARC file(s)"), said
        opened = said[1].strip().removeprefix("open ")
        stamp = find_archive(crawled.archive).runs[-1].name.split("-")[1]
        assert opened == (
            f"http://127.0.0.1:{port}/archive/{stamp[:8]}{stamp[9:15]}/{crawled.origin}/"
        )
        assert listening(port, 60), "pywb did not start listening"
        yield opened.removesuffix(f"{crawled.origin}/")
    finally:
        server.terminate()  # pywb itself: the command made way for it
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()


def an_article() -> dict[str, Any]:
    """An ordinary article of the sample site whose body shows a film still."""
    for article_id in site_summary()["archived_ids"]:
        page = (DEFAULT_ROOT / "site" / "article" / f"{article_id}.html").read_bytes()
        if b"still-4471.jpg" in page:
            path = DEFAULT_ROOT / "expected" / "articles" / f"{article_id}.json"
            record: dict[str, Any] = json.loads(path.read_text("utf-8"))
            return record
    raise AssertionError("no sample article shows a still")


def text_of(document: Any, path: str) -> str:
    [element] = document.xpath(path)[:1]
    return " ".join(element.text_content().split())


def only_replay_requests(net_log: Path, replay_prefix: str) -> None:
    """Every request the replayed page made went to the replay server's port."""
    origin = replay_prefix.split("/archive/")[0] + "/"
    made = chromium.page_requests(net_log, "http://127.0.0.1")
    assert any(url.startswith(replay_prefix) for url in made), made
    left = sorted(url for url in made if not url.startswith(origin))
    assert left == [], f"requests that left the replay port: {left}"


def test_an_article_replays_with_its_title_first_paragraph_and_stylesheet(
    crawled: Crawled, replay: str, tmp_path: Path
) -> None:
    record = an_article()
    url = f"{replay}{crawled.origin}/page.php?p={record['id']}"
    document = lxml_html.document_fromstring(chromium.dump_dom(url, net_log=tmp_path / "dom.json"))
    first = next(block["text"] for block in record["blocks"] if block["kind"] == "paragraph")
    assert text_of(document, "//h1[@class='post-title']") == record["title"]
    assert text_of(document, "//div[@class='post-body']/p") == first
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    chromium.screenshot(url, SCREENSHOT, height=900, net_log=tmp_path / "shot.json")
    with Image.open(SCREENSHOT) as shot:
        pixels = shot.convert("RGB")
        # The stylesheet's page background, in the margin beside the column; a title pixel.
        assert pixels.getpixel((5, 5)) == BACKGROUND
        assert TITLE_COLOUR in {colour for _, colour in pixels.getcolors(1 << 20) or []}
    only_replay_requests(tmp_path / "dom.json", replay)
    only_replay_requests(tmp_path / "shot.json", replay)


def test_a_category_page_replays_with_its_cards(
    crawled: Crawled, replay: str, tmp_path: Path
) -> None:
    url = f"{replay}{crawled.origin}/category.php?c=film-history"
    document = lxml_html.document_fromstring(chromium.dump_dom(url, net_log=tmp_path / "dom.json"))
    assert text_of(document, "//h1[@class='category-title']") == "Film history"
    assert document.xpath("count(//li[@class='article-card'])") == 12
    only_replay_requests(tmp_path / "dom.json", replay)


def test_a_reparse_reads_the_article_captures_only(crawled: Crawled) -> None:
    # Last in the module: it adds a reparse folder beside the runs.
    first = find_archive(crawled.archive).runs[0]
    result = scrapy("reparse", str(first))
    assert result.returncode == 0, result.stderr
    assert "240 article records reparsed: 240 identical" in result.stdout + result.stderr
