"""What schema validation costs per record, as a share of extracting the same page.

    python bench/bench_schema.py [--rounds 200] [PAGE.html ...]

Per page (default: the specimen and the thousands-of-paragraphs fixture), the article item is
extracted and versioned as in a crawl; then, in interleaved rounds, three things are timed and
each keeps its best time over the rounds:

- ``validate``: the compiled article validator on the record as the archive writes it;
- ``pipeline``: ``SchemaValidationPipeline.process_item``, i.e. building that record from the
  item (``archive_record``) and validating it: what the pipeline adds to a crawl per item;
- ``extract``: ``extract_article`` on the page's bytes.

The shares (validate / extract, pipeline / extract) are what to watch: absolute times depend on
the machine.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scrapy.utils.test import get_crawler  # noqa: E402

from crawler import extract_article  # noqa: E402
from crawler.pages import ArticlePage  # noqa: E402
from crawler.pipelines.records import archive_record  # noqa: E402
from crawler.pipelines.schema import SchemaValidationPipeline  # noqa: E402
from crawler.pipelines.version import VersionPipeline  # noqa: E402
from crawler.schema import validators  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "article"
DEFAULT_PAGES = (FIXTURES / "specimen" / "page.html", FIXTURES / "long-body" / "page.html")
FETCHED = datetime(2025, 8, 6, 9, 0, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Row:
    """One page: its blocks and related cards, and best times per item in seconds."""

    name: str
    blocks: int
    related: int
    validate: float
    pipeline: float
    extract: float


def _best_of(function: Callable[[], object], best: float, repeat: int) -> float:
    """``best`` or the mean time of one call over ``repeat`` back-to-back calls, if lower."""
    started = time.perf_counter()
    for _ in range(repeat):
        function()
    return min(best, (time.perf_counter() - started) / repeat)


def measure_page(path: Path, rounds: int) -> Row:
    body = path.read_bytes()
    url = path.with_name("url.txt").read_text(encoding="utf-8").strip()
    article = ArticlePage.from_bytes(body, url).to_item()
    assert article is not None, f"{path}: not an article"
    stats = get_crawler().stats
    assert stats is not None
    versioned = VersionPipeline(stats, None, clock=lambda: FETCHED).process_item(article)
    record = archive_record(versioned)
    validate = validators()["article"]
    pipeline = SchemaValidationPipeline(stats)
    validate(record)  # valid, or there is nothing to measure
    # Cheap calls are repeated within a round, so the clock's resolution does not matter.
    repeat = 100 if len(versioned.blocks) < 500 else 10
    best_validate = best_pipeline = best_extract = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(rounds):
            best_validate = _best_of(lambda: validate(record), best_validate, repeat)
            best_pipeline = _best_of(
                lambda: pipeline.process_item(versioned), best_pipeline, repeat
            )
            best_extract = _best_of(lambda: extract_article(body, url), best_extract, 1)
    finally:
        gc.enable()
    return Row(
        path.parent.name,
        len(versioned.blocks),
        len(versioned.related),
        best_validate,
        best_pipeline,
        best_extract,
    )


def report(rows: Sequence[Row], rounds: int) -> str:
    lines = [
        f"schema validation per item, best of {rounds} interleaved rounds",
        f"{'page':<12} {'blocks':>6} {'related':>7} {'validate µs':>12} {'pipeline µs':>12} "
        f"{'extract µs':>11} {'validate %':>10} {'pipeline %':>10}",
    ]
    for row in rows:
        lines.append(
            f"{row.name:<12} {row.blocks:>6} {row.related:>7} {row.validate * 1e6:>12.1f} "
            f"{row.pipeline * 1e6:>12.1f} {row.extract * 1e6:>11.1f} "
            f"{100 * row.validate / row.extract:>9.2f}% {100 * row.pipeline / row.extract:>9.2f}%"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="default: specimen and long-body")
    parser.add_argument("--rounds", type=int, default=200, help="best of this many (default 200)")
    args = parser.parse_args(argv)
    rows = [measure_page(path, args.rounds) for path in args.pages or DEFAULT_PAGES]
    print(report(rows, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
