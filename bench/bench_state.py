"""Archival crawls on the crawl state, measured on generated sites served on 127.0.0.1.

    python bench/bench_state.py [--articles 3000 30000] [--rounds 3] [--skip-sequence]

Three parts, each a real ``scrapy crawl site`` subprocess per crawl (CPU seconds and peak RSS
are the crawl process's own, from ``wait4``; the site runs in this process):

1. The sequence the archival issue names, on the first site size: the first crawl SIGKILLed
   at three points and resumed each time (full article downloads against the article count),
   a rerun of the unchanged site (share of article requests answered 304), then 10 articles
   changed and 5 removed (records at version 2, removed records).
2. The state's CPU cost: first full crawls with the state and without it
   (``STATE_ENABLED=False``: Scrapy's own scheduler and in-memory seen sets), alternated
   ``--rounds`` times on the first site size; the baseline is the crawl without a state, and
   the ratio compares the best (least disturbed) run of each.
3. Memory: peak RSS of a first full crawl with the state on each site size, as a ratio to the
   smallest.

Shared machines are noisy: compare ratios from one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    FAST,
    PINNED,
    ROOT,
    Crawl,
    pin_site,
    run_pinned,
)

from crawler.archive.recover import completed_shards, run_records
from sample_site.large import LargeSite


def command(site: LargeSite, work: Path, **settings: str) -> list[str]:
    args = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    merged = {
        **FAST,
        "ARCHIVE_DIR": str(work / "archive"),
        "STATE_DIR": str(work / "state"),
        **settings,
    }
    for name, value in merged.items():
        args += ["-s", f"{name}={value}"]
    return args


def crawl(site: LargeSite, work: Path, **settings: str) -> Crawl:
    return run_pinned(command(site, work, **settings))


def crawl_killed_after(site: LargeSite, work: Path, articles: int) -> None:
    process = subprocess.Popen(command(site, work), cwd=ROOT)
    while site.article_fetches() < articles and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


def records(run_dir: Path) -> list[dict[str, object]]:
    return list(run_records(completed_shards(run_dir)))


def sequence(articles: int, work: Path) -> list[str]:
    """Part 1; returns the report lines."""
    lines = [f"## Kill, resume, rerun, change: {articles:,} articles"]
    with LargeSite(articles) as site:
        kills = [articles * share // 100 for share in (20, 45, 70)]
        for threshold in kills:
            crawl_killed_after(site, work, threshold)
        finished = crawl(site, work)
        downloads = site.article_fetches(200)
        [run_dir] = sorted(p for p in (work / "archive").iterdir() if p.is_dir())
        ids = [str(record["id"]) for record in records(run_dir)]
        lines += [
            f"killed with SIGKILL after {', '.join(map(str, kills))} article pages, "
            f"then resumed: exit {finished.returncode}",
            f"full article downloads: {downloads:,} for {articles:,} articles "
            f"({downloads / articles:.3f}x)",
            f"records: {len(ids):,}, distinct articles: {len(set(ids)):,}, "
            f"missing: {articles - len(set(ids))}",
        ]
        site.reset_counts()
        rerun = crawl(site, work)
        served = site.counts()
        answered = served["article", 304] + served["article", 200]
        last = sorted(p for p in (work / "archive").iterdir() if p.is_dir())[-1]
        lines += [
            f"unchanged rerun: exit {rerun.returncode}, {len(records(last))} records, "
            f"{served['article', 304]:,} of {answered:,} article requests answered 304 "
            f"({served['article', 304] / answered:.1%}), {served['article', 200]} downloaded",
        ]
        changed = site.article_ids()[100:1100:100]
        removed = site.article_ids()[150:650:100]
        site.change(changed)
        site.remove(removed)
        third = crawl(site, work)
        last = sorted(p for p in (work / "archive").iterdir() if p.is_dir())[-1]
        written = records(last)
        versions = sorted(str(record["id"]) for record in written if record.get("version") == 2)
        gone = sorted(str(record["id"]) for record in written if record["type"] == "removed")
        lines += [
            f"10 changed, 5 removed: exit {third.returncode}, {len(written)} records: "
            f"{len(versions)} at version 2 (the changed ones: {versions == sorted(changed)}), "
            f"{len(gone)} removed (the removed ones: {gone == sorted(removed)})",
        ]
    return lines


def cpu_cost(articles: int, rounds: int, work: Path) -> tuple[list[str], Crawl]:
    """Part 2; returns the report lines and one crawl with the state (for part 3)."""
    with_state: list[Crawl] = []
    without: list[Crawl] = []
    modes = [("True", with_state), ("False", without)]
    with LargeSite(articles) as site:
        for round_ in range(rounds):
            # ABBA order: whatever drifts during the run weighs on both alike.
            for enabled, results in modes if round_ % 2 == 0 else modes[::-1]:
                folder = work / f"cpu-{round_}-{enabled}"
                results.append(crawl(site, folder, STATE_ENABLED=enabled))
                shutil.rmtree(folder)
    ratios = [a.cpu_seconds / b.cpu_seconds for a, b in zip(with_state, without, strict=True)]
    lines = [
        f"## CPU of a first full crawl, {articles:,} articles, {rounds} alternated pairs",
        "| crawl | CPU s (each round) | median | user / system s (median) | CPU ms/page |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, results in (("without state (baseline)", without), ("with state", with_state)):
        cpu = [crawl.cpu_seconds for crawl in results]
        user = statistics.median(crawl.user_seconds for crawl in results)
        system = statistics.median(crawl.system_seconds for crawl in results)
        lines.append(
            f"| {name} | {', '.join(f'{c:.1f}' for c in cpu)} | {statistics.median(cpu):.1f} | "
            f"{user:.1f} / {system:.1f} | {statistics.median(cpu) / articles * 1000:.2f} |"
        )
    best = min(c.cpu_seconds for c in with_state) / min(c.cpu_seconds for c in without)
    lines.append(
        f"state / baseline CPU: median of pairs {statistics.median(ratios):.3f} "
        f"(pairs {', '.join(f'{r:.3f}' for r in ratios)}); best of each {best:.3f}"
        + ("" if PINNED else "; crawl and site shared one core")
    )
    return lines, with_state[0]


def memory(sizes: Sequence[int], first: Crawl, work: Path) -> list[str]:
    """Part 3: peak RSS per site size, with the state."""
    results = {sizes[0]: first}
    for articles in sizes[1:]:
        with LargeSite(articles) as site:
            results[articles] = crawl(site, work / f"rss-{articles}")
    base = results[sizes[0]].peak_rss_mib
    lines = [
        "## Peak RSS of a first full crawl with the state",
        "| articles | exit | wall s | CPU s | peak RSS MiB | RSS / smallest |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for articles, result in results.items():
        lines.append(
            f"| {articles:,} | {result.returncode} | {result.wall_seconds:.0f} | "
            f"{result.cpu_seconds:.0f} | {result.peak_rss_mib:.0f} | "
            f"{result.peak_rss_mib / base:.2f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    pin_site()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[3_000, 30_000])
    parser.add_argument("--rounds", type=int, default=5, help="alternated CPU pairs")
    parser.add_argument("--skip-sequence", action="store_true")
    args = parser.parse_args(argv)
    sizes = sorted(args.articles)
    with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
        work = Path(tmp)
        report: list[str] = []
        if not args.skip_sequence:
            report += [*sequence(sizes[0], work / "sequence"), ""]
            print("\n".join(report), flush=True)
        lines, first = cpu_cost(sizes[0], args.rounds, work)
        print("\n".join(lines), flush=True)
        report += [*lines, ""]
        lines = memory(sizes, first, work)
        report += lines
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
