"""The ``site`` crawl against a bare Scrapy spider, on generated sites served on 127.0.0.1.

    python bench/bench_crawl.py [--articles 3000 30000] [--rounds 3 1]

For each site size, alternated rounds (ABC, then CBA, ...) of three crawlers, each a real
subprocess pinned to one core while the site runs in this process on the other:

- ``bare``: ``bench/bare_spider.py`` under ``scrapy runspider`` outside the project, with our
  concurrency and politeness settings and Scrapy's defaults for everything else: the floor;
- ``site``: ``scrapy crawl site`` as shipped, with its crawl state (a fresh ``STATE_DIR``) and
  its archive (shards and WARC files) in a temporary folder;
- ``site, no state``: the same with ``STATE_ENABLED=False``.

Per run: requests the site answered (its own counts), wall seconds, pages/s, CPU seconds
(user + system of the crawl process, from ``wait4``), CPU ms per page, peak RSS. Ratios to
the bare spider compare the medians of the rounds; peak RSS is also compared across site sizes.
Every crawl starts from nothing, so each run fetches every page of the site.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import FAST, PINNED, ROOT, Crawl, pin_site, run_pinned

from crawler import settings as ours
from sample_site.large import LargeSite

BARE_SPIDER = Path(__file__).resolve().parent / "bare_spider.py"

#: Our crawl's concurrency and politeness, given to the bare spider too.
SHARED_SETTINGS: dict[str, str] = {
    "CONCURRENT_REQUESTS": str(ours.CONCURRENT_REQUESTS),
    "CONCURRENT_REQUESTS_PER_DOMAIN": str(ours.CONCURRENT_REQUESTS_PER_DOMAIN),
    "DOWNLOAD_DELAY": str(ours.DOWNLOAD_DELAY),
    "ROBOTSTXT_OBEY": str(ours.ROBOTSTXT_OBEY),
    "TWISTED_REACTOR": ours.TWISTED_REACTOR,
    **FAST,
}

BARE, STATE, NO_STATE = "bare", "site", "site, no state"
CRAWLERS: tuple[str, ...] = (BARE, STATE, NO_STATE)

#: How the site's request kinds are shown.
KIND_LABELS: Mapping[str, str] = {
    "article": "articles",
    "category": "listings",
    "home": "home",
    "robots": "robots",
    "sitemap": "sitemaps",
    "other": "other",
}


def default_rounds(articles: int) -> int:
    """Alternated rounds when ``--rounds`` is not given: 3 up to 3,000 articles, else 1."""
    return 3 if articles <= 3_000 else 1


def bare_command(site: LargeSite, work: Path) -> list[str]:
    args = [
        sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER),
        "-a", f"start_url={site.base_url}",
    ]  # fmt: skip
    for name, value in SHARED_SETTINGS.items():
        args += ["-s", f"{name}={value}"]
    return args


def site_command(site: LargeSite, work: Path, *, state: bool) -> list[str]:
    args = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    settings = {
        **FAST,
        "ARCHIVE_DIR": str(work / "archive"),
        "STATE_DIR": str(work / "state"),
        "STATE_ENABLED": str(state),
    }
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    return args


def bare_environment() -> dict[str, str]:
    """This environment without Scrapy's project variables: the bare spider must not load
    ``crawler.settings``."""
    return {name: value for name, value in os.environ.items() if not name.startswith("SCRAPY_")}


def listing_pages(site: LargeSite) -> int:
    """How many category listing pages the site has: every one must be crawled."""
    return sum(
        max(1, -(-len(site.expected_category(slug)["articles"]) // site.per_page))
        for slug, _name in site.categories
    )


@dataclass(frozen=True)
class Run:
    """One crawl of one site: what the process cost and what the site served it."""

    crawler: str
    articles: int
    listings: int
    crawl: Crawl
    served: Counter[tuple[str, int]]

    @property
    def pages(self) -> int:
        return sum(self.served.values())

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.crawl.wall_seconds

    @property
    def cpu_ms_per_page(self) -> float:
        return self.crawl.cpu_seconds / self.pages * 1000

    @property
    def shortfall(self) -> str | None:
        """What the crawl missed (a non-zero exit, articles or listing pages not fetched), or
        ``None``: then it covered the site and its figures compare with the others'."""
        missed = []
        if self.crawl.returncode != 0:
            missed.append(f"exit {self.crawl.returncode}")
        if self.served["article", 200] < self.articles:
            missed.append(f"{self.served['article', 200]:,} of {self.articles:,} articles")
        if self.served["category", 200] < self.listings:
            missed.append(f"{self.served['category', 200]:,} of {self.listings:,} listing pages")
        return ", ".join(missed) or None

    @property
    def complete(self) -> bool:
        return self.shortfall is None

    def fetched(self) -> str:
        """What the site served, by kind: ``3,000 articles, 257 listings, ...``."""
        by_kind: Counter[str] = Counter()
        failed: Counter[str] = Counter()
        for (kind, status), count in self.served.items():
            by_kind[kind] += count
            if status >= 400:
                failed[kind] += count
        parts = []
        for kind, label in KIND_LABELS.items():
            if by_kind[kind]:
                note = f" ({failed[kind]} answered 4xx)" if failed[kind] else ""
                parts.append(f"{by_kind[kind]:,} {label}{note}")
        return ", ".join(parts)


@dataclass
class SizeResult:
    """Every run on one site size."""

    articles: int
    rounds: int
    runs: dict[str, list[Run]] = field(default_factory=lambda: {name: [] for name in CRAWLERS})

    def median(self, crawler: str, value: Callable[[Run], float]) -> float:
        return statistics.median(value(run) for run in self.runs[crawler])


def crawl_once(site: LargeSite, crawler: str, work: Path, listings: int) -> Run:
    work.mkdir(parents=True)
    log = work / "output.log"
    site.reset_counts()
    if crawler == BARE:
        # Outside the project folder, so runspider finds no scrapy.cfg.
        result = run_pinned(bare_command(site, work), cwd=work, env=bare_environment(), log=log)
    else:
        command = site_command(site, work, state=crawler == STATE)
        result = run_pinned(command, cwd=ROOT, log=log)
    run = Run(crawler, site.articles, listings, result, site.counts())
    if not run.complete:
        # The crawl's closing summary and error lines say why.
        sys.stderr.write(log.read_text(errors="replace")[-4000:])
    shutil.rmtree(work)
    return run


def measure_size(
    articles: int, rounds: int, work: Path, progress: Callable[[str], None] | None = None
) -> SizeResult:
    """``rounds`` alternated rounds of the three crawlers on one fresh site of ``articles``."""
    result = SizeResult(articles, rounds)
    with LargeSite(articles) as site:
        listings = listing_pages(site)
        for round_ in range(rounds):
            # ABC then CBA: whatever drifts during the run weighs on each crawler alike.
            order = CRAWLERS if round_ % 2 == 0 else CRAWLERS[::-1]
            for crawler in order:
                folder = work / f"{articles}-{round_}-{crawler.replace(', ', '-')}"
                run = crawl_once(site, crawler, folder, listings)
                result.runs[crawler].append(run)
                if progress is not None:
                    progress(
                        f"{articles:,} articles, round {round_ + 1}/{rounds}, {crawler}: "
                        f"exit {run.crawl.returncode}, {run.pages:,} pages in "
                        f"{run.crawl.wall_seconds:.1f} s, CPU {run.crawl.cpu_seconds:.1f} s, "
                        f"RSS {run.crawl.peak_rss_mib:.0f} MiB"
                        + (f"; INCOMPLETE: {run.shortfall}" if run.shortfall else "")
                    )
    return result


def measure(
    sizes: Sequence[int],
    rounds: Sequence[int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[SizeResult]:
    """Every site size in turn; ``rounds`` per size (``default_rounds`` when ``None``)."""
    counts = [default_rounds(n) for n in sizes] if rounds is None else list(rounds)
    if len(counts) == 1:
        counts *= len(sizes)
    if len(counts) != len(sizes):
        raise ValueError("give one --rounds value, or one per --articles value")
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        return [
            measure_size(articles, count, Path(tmp), progress)
            for articles, count in zip(sizes, counts, strict=True)
        ]


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "n/a"


def size_lines(result: SizeResult) -> list[str]:
    """The Markdown table of one site size: medians of the rounds, and ratios to bare."""
    n = result.articles
    lines = [
        f"### Crawl of {n:,} articles on 127.0.0.1: {result.rounds} alternated round(s), medians",
        "",
        "| crawler | pages | wall s | pages/s | CPU s | CPU ms/page | peak RSS MiB "
        "| pages/s ÷ bare | CPU/page ÷ bare | RSS ÷ bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base_pps = result.median(BARE, lambda r: r.pages_per_second)
    base_cpu = result.median(BARE, lambda r: r.cpu_ms_per_page)
    base_rss = result.median(BARE, lambda r: r.crawl.peak_rss_mib)
    for crawler in CRAWLERS:
        pps = result.median(crawler, lambda r: r.pages_per_second)
        cpu = result.median(crawler, lambda r: r.cpu_ms_per_page)
        rss = result.median(crawler, lambda r: r.crawl.peak_rss_mib)
        lines.append(
            f"| {crawler}{'' if crawler != BARE else ' (floor)'} "
            f"| {result.median(crawler, lambda r: r.pages):,.0f} "
            f"| {result.median(crawler, lambda r: r.crawl.wall_seconds):.1f} "
            f"| {pps:.0f} | {result.median(crawler, lambda r: r.crawl.cpu_seconds):.1f} "
            f"| {cpu:.2f} | {rss:.0f} "
            f"| {_ratio(pps, base_pps)} | {_ratio(cpu, base_cpu)} | {_ratio(rss, base_rss)} |"
        )
    lines.append("")
    for crawler in CRAWLERS:
        runs = result.runs[crawler]
        each = ", ".join(f"{run.crawl.cpu_seconds:.1f}" for run in runs)
        exits = ", ".join(str(run.crawl.returncode) for run in runs)
        lines.append(
            f"- {crawler}: fetched {runs[0].fetched()}; CPU s by round {each}; exit {exits}"
        )
    incomplete = [
        f"{run.crawler}, round {number}: {run.shortfall}"
        for runs in result.runs.values()
        for number, run in enumerate(runs, 1)
        if run.shortfall
    ]
    if incomplete:
        lines.append(f"- **INCOMPLETE crawls, figures not comparable:** {'; '.join(incomplete)}")
    if not PINNED:
        lines.append("- one core only: crawl and site shared it")
    return lines


def scaling_lines(results: Sequence[SizeResult]) -> list[str]:
    """Peak RSS of each crawler by site size, as a ratio to the smallest; and the CPU each
    page costs past start-up: the CPU added from the smallest site to the largest, per page
    added."""
    if len(results) < 2:
        return []
    small, large = results[0], results[-1]
    header = " | ".join(f"RSS MiB at {r.articles:,}" for r in results)
    ratios = " | ".join(f"RSS {r.articles:,} ÷ {small.articles:,}" for r in results[1:])
    lines = [
        "### Peak RSS by site size, and CPU per added page (medians)",
        "",
        f"| crawler | {header} | {ratios} | marginal CPU ms/page | ÷ bare |",
        "| --- |" + " ---: |" * (2 * len(results) + 1),
    ]
    marginal = {
        crawler: (
            large.median(crawler, lambda r: r.crawl.cpu_seconds)
            - small.median(crawler, lambda r: r.crawl.cpu_seconds)
        )
        / (large.median(crawler, lambda r: r.pages) - small.median(crawler, lambda r: r.pages))
        * 1000
        for crawler in CRAWLERS
    }
    for crawler in CRAWLERS:
        rss = [r.median(crawler, lambda run: run.crawl.peak_rss_mib) for r in results]
        cells = [f"{value:.0f}" for value in rss] + [f"{value / rss[0]:.2f}" for value in rss[1:]]
        cells += [f"{marginal[crawler]:.2f}", _ratio(marginal[crawler], marginal[BARE])]
        lines.append(f"| {crawler} | {' | '.join(cells)} |")
    return lines


def report_lines(results: Sequence[SizeResult]) -> list[str]:
    lines: list[str] = []
    for result in results:
        lines += [*size_lines(result), ""]
    return lines + scaling_lines(results)


def complete(results: Sequence[SizeResult]) -> bool:
    return all(run.complete for r in results for runs in r.runs.values() for run in runs)


def main(argv: list[str] | None = None) -> int:
    pin_site()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[3_000, 30_000])
    parser.add_argument(
        "--rounds",
        type=int,
        nargs="+",
        help="alternated rounds: one for every size, or one per size "
        "(default: 3 up to 3,000 articles, 1 above)",
    )
    args = parser.parse_args(argv)
    sizes = sorted(args.articles)
    results = measure(
        sizes, args.rounds, progress=lambda line: print(line, file=sys.stderr, flush=True)
    )
    print("\n".join(report_lines(results)))
    return 0 if complete(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
