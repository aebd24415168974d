"""Every benchmark of the project in one command, printed as one Markdown report.

    make bench                      # creates .venv, installs .[test,bench], runs this
    python bench/run.py [--quick] [--articles 3000 30000] [--rounds 3 1] [--output FILE]

1. Extraction as a ratio to parsing the same bytes (``bench_extract.py``).
2. trafilatura and newspaper4k beside our extraction, with their field accuracy
   (``bench_extractors.py``; skipped, with a line saying so, without the ``bench`` extra).
3. The ``site`` crawl, with its state and without, beside a bare link-following Scrapy spider
   on generated sites of 3,000 and 30,000 articles (``bench_crawl.py``; ``--quick``: 3,000
   only).

Progress goes to stderr, the report to stdout (and to ``--output``). The exit status is 1 if a
part failed or a crawl did not fetch the whole site.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import os
import platform
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_crawl
import bench_extractors
from harness import PINNED, ROOT, pin_site

BENCH = Path(__file__).resolve().parent


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


def _table(rows: Sequence[Any]) -> list[str]:
    """Rows (mappings, dataclasses or sequences) as a Markdown table."""
    dicts: list[Mapping[str, Any]] = []
    for row in rows:
        if dataclasses.is_dataclass(row) and not isinstance(row, type):
            dicts.append(dataclasses.asdict(row))
        elif isinstance(row, Mapping):
            dicts.append(row)
        else:
            dicts.append({str(k): v for k, v in enumerate(row)})
    if not dicts:
        return ["(no rows)"]
    columns = list(dicts[0])

    def cell(value: Any) -> str:
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    return [
        "| " + " | ".join(map(str, columns)) + " |",
        "|" + " --- |" * len(columns),
        *("| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in dicts),
    ]


def extraction_lines(rounds: int) -> tuple[list[str], bool]:
    """``bench_extract``'s figures: through its ``measure`` function when it offers one that
    needs no argument, else as a subprocess whose output is quoted."""
    title = "## Extraction: ours as a ratio to parsing the same bytes (bench_extract.py)"
    module = importlib.import_module("bench_extract")
    measure = getattr(module, "measure", None)
    if callable(measure) and all(
        parameter.default is not inspect.Parameter.empty
        or parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        for parameter in inspect.signature(measure).parameters.values()
    ):
        rows = measure()
        lines = rows.splitlines() if isinstance(rows, str) else _table(list(rows))
        return [title, "", *lines], True
    completed = subprocess.run(
        [sys.executable, str(BENCH / "bench_extract.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout.rstrip() or completed.stderr.rstrip()
    ok = completed.returncode == 0
    status = "" if ok else f" (exit {completed.returncode})"
    return [title, "", f"`python bench/bench_extract.py`{status}:", "", "```", output, "```"], ok


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

    progress("1/3 extraction against the parse of the same bytes")
    lines, passed = extraction_lines(args.extract_rounds)
    report += ["", *lines]
    ok &= passed
    progress("2/3 trafilatura and newspaper4k")
    report += ["", *extractors_lines(args.extract_rounds)]
    progress(f"3/3 crawls of {', '.join(f'{n:,}' for n in sizes)} articles")
    lines, passed = crawl_lines(sizes, args.rounds)
    report += ["", *lines]
    ok &= passed

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
