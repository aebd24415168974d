"""A damaged state and its rebuild, measured on a generated site served on 127.0.0.1.

    python bench/bench_rebuild.py [--articles 30000] [--rounds 5]

A first full crawl of the site (its day 0), then, as ratios:

1. the integrity check a state gets when it is opened (``PRAGMA quick_check``, best of
   ``--rounds``) against opening it without one, and against the first crawl's wall time;
2. ``scrapy state rebuild`` from the crawl's archive (CPU seconds of its process) against the
   first crawl's CPU seconds;
3. the next day's crawl on the rebuilt state against the same crawl on the state the first
   crawl left: requests, article requests, and the share of article requests answered 304.

Shared machines are noisy: compare ratios from one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import FAST, Crawl, pin_site, run_pinned

from crawler.state.sqlite_schema import DB_FILE, check_state_file
from sample_site.large import LargeSite


def crawl(site: LargeSite, archive: Path, state: Path, day: int) -> Crawl:
    args = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    settings = {
        **FAST,
        "ARCHIVE_DIR": str(archive),
        "STATE_DIR": str(state),
        "CRAWL_CLOCK": f"2026-03-0{day + 1}T03:00:00Z",
    }
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    result = run_pinned(args, log=state.parent / f"crawl-{state.name}-{day}.log")
    assert result.returncode == 0, f"crawl of day {day} exited {result.returncode}"
    return result


def best(rounds: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def plain_open(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("SELECT count(*) FROM meta").fetchone()
    db.close()


def next_day(site: LargeSite, work: Path, state: Path) -> tuple[int, int, float]:
    site.reset_counts()
    crawl(site, work / f"archive-{state.name}", state, 1)
    counts = site.counts()
    articles = sum(n for (kind, _status), n in counts.items() if kind == "article")
    not_modified = counts["article", 304] / articles if articles else 1.0
    return sum(counts.values()), articles, not_modified


def measure(articles: int, rounds: int) -> list[str]:
    pin_site()
    with tempfile.TemporaryDirectory() as temp, LargeSite(articles) as site:
        work = Path(temp)
        first = crawl(site, work / "archive", work / "state", 0)
        shutil.copytree(work / "state", work / "original")
        state_file = work / "state" / DB_FILE
        checked = best(rounds, lambda: check_state_file(work / "state"))
        unchecked = best(rounds, lambda: plain_open(state_file))
        size = state_file.stat().st_size / 2**20
        rebuild = run_pinned(
            [sys.executable, "-m", "scrapy", "state", "rebuild", "--state-dir",
             str(work / "state"), str(work / "archive")],
            log=work / "rebuild.log",
        )  # fmt: skip
        assert rebuild.returncode == 0, "the rebuild failed"
        original = next_day(site, work, work / "original")
        rebuilt = next_day(site, work, work / "state")
    return [
        f"| opening the state ({articles:,} articles, {size:.0f} MiB): with the check / "
        f"without | {checked * 1000:.1f} / {unchecked * 1000:.2f} ms | "
        f"{checked / first.wall_seconds:.5f}× the first crawl's wall time |",
        f"| `scrapy state rebuild` CPU / first crawl CPU | {rebuild.cpu_seconds:.1f} / "
        f"{first.cpu_seconds:.1f} s | {rebuild.cpu_seconds / first.cpu_seconds:.2f}× |",
        f"| next day on the rebuilt / the original state: requests | {rebuilt[0]} / "
        f"{original[0]} | {rebuilt[0] / original[0]:.2f}× |",
        f"| next day on the rebuilt / the original state: article requests (304 share) | "
        f"{rebuilt[1]} ({rebuilt[2]:.1%}) / {original[1]} ({original[2]:.1%}) | "
        f"{rebuilt[1] / max(original[1], 1):.2f}× |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print("\n".join(measure(args.articles, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
