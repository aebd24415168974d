"""Extraction speed as a ratio to parsing the same bytes, both measured in this run.

    python bench/bench_extract.py [--rounds 50] [--all] [PAGE.html ...]

The floor is ``lxml.html.fromstring(body)``: no extractor of a page can take less than parsing
it. Per page, each round parses and then extracts the same bytes (interleaved, so both see the
same machine load), and each keeps its best time over the rounds; the ratio extract / parse is
what to watch, as absolute times depend on the machine. Without pages it measures every fixture
under ``tests/fixtures/article/`` and prints the specimen, the long-body page and the median.

Other scripts call :func:`measure`::

    from bench.bench_extract import fixture_pages, measure
    rows = measure(fixture_pages(), rounds=50)  # one Row per page; measure() does the same
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler import extract_article  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "article"
#: The pages the summary names: the shared specimen and the thousands-of-paragraphs page.
NAMED = ("specimen", "long-body")
#: The URL a page without a ``url.txt`` beside it is extracted as fetched from.
DEFAULT_URL = "https://articles.example/page.php?p=0000001"


@dataclass(frozen=True, slots=True)
class Row:
    """One page: its size in bytes, its best parse and extraction times over the rounds in
    seconds, and their ratio extract / parse."""

    name: str
    size: int
    parse: float
    extract: float
    ratio: float


def fixture_pages(root: Path = FIXTURES) -> list[Path]:
    return sorted(root.glob("*/page.html"))


def page_name(path: Path) -> str:
    """A fixture page by its case folder, any other file by its name."""
    return path.parent.name if path.name == "page.html" else path.name


def _url_for(path: Path) -> str:
    url_file = path.with_name("url.txt")
    return url_file.read_text(encoding="utf-8").strip() if url_file.exists() else DEFAULT_URL


def _timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def measure_page(path: Path, rounds: int) -> Row:
    """Best of ``rounds`` interleaved rounds, each parsing and then extracting the page."""
    body, url = path.read_bytes(), _url_for(path)
    parse = extract = float("inf")
    gc.collect()  # garbage left by the page before is not this page's to collect
    for _ in range(rounds):
        parse = min(parse, _timed(lambda: lxml.html.fromstring(body)))
        extract = min(extract, _timed(lambda: extract_article(body, url)))
    return Row(page_name(path), len(body), parse, extract, extract / parse)


def measure(pages: Sequence[Path] | None = None, rounds: int = 50) -> list[Row]:
    """One :class:`Row` per page, in the order given (default: every article fixture)."""
    return [measure_page(path, rounds) for path in (fixture_pages() if pages is None else pages)]


def _format(row: Row) -> str:
    return (
        f"{row.name:<44} {row.size / 1000:8.1f} {row.parse * 1000:9.3f} "
        f"{row.extract * 1000:9.3f} {row.ratio:7.2f}"
    )


def report(rows: Sequence[Row], every: bool = False) -> str:
    """The table: the named pages (or every page), then the median ratio over all."""
    header = f"{'page':<44} {'KB':>8} {'parse ms':>9} {'extract':>9} {'ratio':>7}"
    shown = rows if every else [row for row in rows if row.name in NAMED] or rows
    lines = [header, *map(_format, shown)]
    median = statistics.median(row.ratio for row in rows)
    lines.append(f"{f'median over {len(rows)} pages':<73} {median:7.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="default: every article fixture")
    parser.add_argument("--rounds", type=int, default=50, help="best of this many (default 50)")
    parser.add_argument("--all", action="store_true", help="a row for every page")
    args = parser.parse_args(argv)
    rows = measure(args.pages or fixture_pages(), args.rounds)
    print(f"extract_article / lxml.html.fromstring, best of {args.rounds} interleaved rounds")
    print(report(rows, every=args.all))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
