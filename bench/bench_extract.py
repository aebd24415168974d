"""Extraction speed as a ratio to parsing alone, both measured in this run on the same pages.

    python bench/bench_extract.py [--rounds 5] [PAGE.html ...]

Baseline: decode + ``parsel.Selector`` + all text nodes of the page, the least any extractor
over parsel must do. The ratio (extract / baseline) is what to watch; absolute times depend on
the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from parsel import Selector
from w3lib.encoding import html_to_unicode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler import extract_article  # noqa: E402

URL = "https://articles.example/page.php?p=0000001"


def baseline(body: bytes) -> object:
    _encoding, text = html_to_unicode(None, body)
    return Selector(text=text).xpath("//text()").getall()


def extract(body: bytes) -> object:
    return extract_article(body, URL)


def best_time(function: Callable[[bytes], object], pages: list[bytes], rounds: int) -> float:
    """Best of ``rounds`` passes over all pages: the least disturbed by other load."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        for body in pages:
            function(body)
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    paths = args.pages or sorted((ROOT / "tests" / "fixtures" / "article").glob("*/page.html"))
    pages = [path.read_bytes() for path in paths]
    megabytes = sum(map(len, pages)) / 1e6
    base = best_time(baseline, pages, args.rounds)
    ours = best_time(extract, pages, args.rounds)
    print(f"{len(pages)} pages, {megabytes:.2f} MB, best of {args.rounds} rounds")
    for label, seconds in (("baseline (decode+parse+text nodes)", base), ("extract_article", ours)):
        print(f"{label:<36} {seconds * 1000:8.1f} ms  {megabytes / seconds:6.1f} MB/s")
    print(f"ratio extract/baseline: {ours / base:.2f}")
    per_page = [best_time(extract, [page], args.rounds) * 1000 for page in pages]
    print(f"per page: median {statistics.median(per_page):.2f} ms, max {max(per_page):.2f} ms")


if __name__ == "__main__":
    main()
