"""Every benchmark of the project in one command, printed as one Markdown report.

    make bench                      # creates .venv, installs .[test,bench], runs this
    python bench/run.py [--quick] [--articles 3000 30000] [--rounds 3 1] [--output FILE]

1. Extraction as a ratio to parsing the same bytes (``bench_extract.py``).
2. trafilatura and newspaper4k beside our extraction, with their field accuracy
   (``bench_extractors.py``; skipped, with a line saying so, without the ``bench`` extra).
3. The ``site`` crawl, with its state and without, beside a bare link-following Scrapy spider
   on generated sites of 3,000 and 30,000 articles (``bench_crawl.py``; ``--quick``: 3,000
   only).
4. One ``site`` worker against two sharing a local Redis, 3,000 articles (``bench_workers.py``;
   skipped, with a line saying so, where ``redis-server`` is not installed).
5. Incremental runs: what daily runs on a clock cost the site against its full crawl, on
   3,000 articles with and without sitemap lastmod, and on 30,000 (``bench_revisit.py``;
   ``--quick``: 3,000 only).
6. The search index of 100,000 synthetic articles: its build, the update after a 100-change
   run and 200 mixed queries, against ``grep -c`` over the same shards (``bench_search.py``).
7. Learning a template: the run after a structural redesign of a 600-article site against a
   run with no drift, and what learning costs a run with no drift (``bench_learning.py``).

Progress goes to stderr, the report to stdout (and to ``--output``). The exit status is 1 if a
part failed, a crawl did not fetch the whole site, or the search index missed a target.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_crawl
import bench_extract
import bench_extractors
import bench_learning
import bench_revisit
import bench_search
import bench_workers
from harness import PINNED, ROOT, pin_site


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def machine_lines(started: datetime) -> list[str]:
    cpuinfo = Path("/proc/cpuinfo")
    models = [
        line.split(":", 1)[1].strip()
        for line in (cpuinfo.read_text(encoding="utf-8") if cpuinfo.exists() else "").splitlines()
        if line.startswith("model name")
    ]
    cpu = models[0] if models else "unknown CPU"
    cores = os.cpu_count() or 1
    pinning = (
        "crawl and site pinned to separate cores" if PINNED else "one core: crawl and site share it"
    )
    packages = ", ".join(
        f"{name} {_version(name)}" for name in ("scrapy", "lxml", "trafilatura", "newspaper4k")
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"# Benchmarks, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- machine: {cores} cores ({cpu}), Python {platform.python_version()}; {pinning}; "
        f"load average at the start {load}",
        f"- code: {code_version()}; {packages}",
    ]


def code_version() -> str:
    """The commit measured, and whether ``crawler/`` differs from it."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    if commit is None:
        return "not a git checkout"
    changed = git("status", "--porcelain", "--", "crawler")
    return f"commit {commit}" + (" with uncommitted changes in crawler/" if changed else "")


# ---- 1. extraction against the parse of the same bytes ----------------------------------------


def extraction_lines() -> list[str]:
    """The specimen, the long-body page and the median over every article fixture."""
    rows = bench_extract.measure()
    return [
        "## Extraction: ours as a ratio to parsing the same bytes (bench_extract.py)",
        "",
        "extract_article / lxml.html.fromstring, best of 50 interleaved rounds",
        "",
        "```",
        bench_extract.report(rows),
        "```",
    ]


# ---- 2. other extractors ----------------------------------------------------------------------


def extractors_lines(rounds: int) -> list[str]:
    title = "## trafilatura and newspaper4k on the same pages (bench_extractors.py)"
    missing = bench_extractors.missing_extra()
    if missing:
        return [
            title,
            "",
            f"skipped: {', '.join(missing)} not installed: the `bench` extra "
            "(`pip install -e '.[bench]'`; `make bench` installs it)",
        ]
    result = bench_extractors.measure(bench_extractors.DEFAULT_CASES, rounds)
    return [title, "", *bench_extractors.report_lines(result)]


# ---- 3. crawls --------------------------------------------------------------------------------


def crawl_lines(sizes: Sequence[int], rounds: Sequence[int] | None) -> tuple[list[str], bool]:
    title = "## The site crawl against a bare Scrapy spider (bench_crawl.py)"
    results = bench_crawl.measure(sizes, rounds, progress)
    return [title, "", *bench_crawl.report_lines(results)], bench_crawl.complete(results)


# ---- 4. workers ------------------------------------------------------------------------------


def workers_lines(articles: int, rounds: int) -> list[str]:
    title = "## One worker against two on a shared Redis (bench_workers.py)"
    if bench_workers.MISSING:
        return [title, "", f"skipped: {bench_workers.MISSING}"]
    results = bench_workers.measure(articles, rounds, separate=False, sqlite=False)
    return [title, "", *bench_workers.report_lines(results, articles, rounds, separate=False)]


# ---- 5. incremental runs --------------------------------------------------------------------


def revisit_lines(large: int | None) -> list[str]:
    title = "## Incremental runs: daily crawls on a clock against the full crawl (bench_revisit.py)"
    return [title, "", *bench_revisit.measure(3_000, large, progress)]


# ---- 6. the search index ---------------------------------------------------------------------


def search_lines() -> tuple[list[str], bool]:
    title = "## The search index against grep -c over the same shards (bench_search.py)"
    with tempfile.TemporaryDirectory(prefix="bench-search-") as work:
        result = bench_search.measure(100_000, 200, 100, 20, Path(work), progress)
    return [title, "", *bench_search.report_lines(result)], bench_search.passed(result)


# ---- 7. learning a template -------------------------------------------------------------------


def learning_lines() -> list[str]:
    title = "## Learning a template after a redesign (bench_learning.py)"
    return [title, "", *bench_learning.measure(600, progress)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="crawl the 3,000-article site only")
    parser.add_argument("--articles", type=int, nargs="+", help="site sizes to crawl")
    parser.add_argument(
        "--rounds", type=int, nargs="+", help="alternated crawl rounds (bench_crawl.py --rounds)"
    )
    parser.add_argument("--extract-rounds", type=int, default=7, help="timed calls per extractor")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    sizes = sorted(args.articles or ([3_000] if args.quick else [3_000, 30_000]))
    pin_site()
    started = datetime.now(UTC)
    clock = time.monotonic()
    report = machine_lines(started)
    ok = True

    progress("1/7 extraction against the parse of the same bytes")
    report += ["", *extraction_lines()]
    progress("2/7 trafilatura and newspaper4k")
    report += ["", *extractors_lines(args.extract_rounds)]
    progress(f"3/6 crawls of {', '.join(f'{n:,}' for n in sizes)} articles")
    lines, passed = crawl_lines(sizes, args.rounds)
    report += ["", *lines]
    ok &= passed
    progress("4/7 one worker against two, 3,000 articles")
    report += ["", *workers_lines(3_000, 3)]
    progress("5/7 incremental runs on a clock")
    report += ["", *revisit_lines(None if args.quick else max(sizes))]
    progress("6/7 the search index, 100,000 articles")
    lines, passed = search_lines()
    report += ["", *lines]
    ok &= passed
    progress("7/7 learning a template after a redesign, 600 articles")
    report += ["", *learning_lines()]

    minutes = (time.monotonic() - clock) / 60
    while report[-1] == "":
        report.pop()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    report += [
        "",
        f"Took {minutes:.1f} min; load average at the end {load}. Shared machines are noisy: "
        "compare ratios of one run.",
    ]
    text = "\n".join(report) + "\n"
    print(text, end="")
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
