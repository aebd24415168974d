"""What incremental runs cost the site: daily crawls on a clock against generated sites.

    python bench/bench_revisit.py [--articles 3000] [--large 30000] [--skip-large]

Each crawl is a real ``scrapy crawl site`` subprocess told its day through ``CRAWL_CLOCK``
(``tests/daily.py``); what it cost is the site's own count of the requests it answered, the
floor being the first (full) crawl of the same site in the same run. Scenarios, on
``LargeSite`` sites with newest-first listings, ETags and a right sitemap lastmod:

1. unchanged week: day 0 full crawl, days 1-7 unchanged: requests per day against day 0,
   revisits per day against their average, records written;
2. announced changes at day 8: 10 edited with a new lastmod, 5 removed, 20 new: found in the
   one run that follows;
3. silent changes from day 9: 10 edited while their lastmod stays: daily runs until all are
   archived again, and the run that withdrew the trust in lastmod;
4. no lastmod: another site whose sitemap has none, 14 unchanged days: requests per day
   against its full crawl, and the longest gap between two checks of one article;
5. the large site (``--large``): a full crawl and one unchanged daily run, and what that run
   would take under ``Crawl-delay: 1`` (one request a second).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT  # noqa: F401  (puts the checkout on sys.path)

from sample_site.large import LargeSite
from tests.daily import DailyCrawls, Run

EDITED = [f"{2_000_000 + n}" for n in range(111, 1_111, 100)]
REMOVED = [f"{2_000_000 + n}" for n in range(157, 657, 100)]
SILENT = [f"{2_000_000 + n}" for n in range(1_203, 2_203, 100)]
BOUND_DAYS = 7
#: Settings every benchmarked run adds: no log output to format.
QUIET = {"LOG_LEVEL": "WARNING"}


def _share(run: Run, full: Run) -> float:
    return run.requests / full.requests


def _versions(run: Run, version: int) -> list[str]:
    return sorted(
        str(r["id"]) for r in run.records() if r["type"] == "article" and r["version"] == version
    )


def lastmod_site(articles: int, work: Path, say: Callable[[str], None]) -> list[str]:
    """Scenarios 1-3 on one site and state; returns the report lines."""
    lines: list[str] = []
    with LargeSite(articles, per_page=20) as site:
        crawls = DailyCrawls(site, work, dict(QUIET))
        say(f"  day 0: full crawl of {articles:,} articles")
        full = crawls.crawl(0)
        week = []
        for day in range(1, 8):
            say(f"  day {day}: unchanged")
            week.append(crawls.crawl(day))
        shares = [_share(run, full) for run in week]
        due = [int(run.manifest()["requests"]["due"]) for run in week]
        samples = [int(run.manifest()["requests"]["trust_sample"]) for run in week]
        written = sum(len(run.records()) for run in week)
        lines += [
            f"### {articles:,} articles, sitemap lastmod right",
            "",
            f"- day 0 (full crawl): {full.requests:,} requests, exit {full.returncode}",
            "- days 1-7, unchanged: requests "
            + ", ".join(f"{run.requests}" for run in week)
            + f"; mean **{statistics.mean(shares):.1%}** of day 0, max **{max(shares):.1%}**; "
            f"records written {written}; exits {sorted({run.returncode for run in week})}",
            f"- due revisits per day {due} (max {max(due) / statistics.mean(due):.2f}x the "
            f"average); trust samples per day {samples}",
            "- requests by purpose, day 7: " + _purposes(week[-1]),
        ]
        site.change(EDITED)
        site.remove(REMOVED)
        published = site.publish(20)
        say("  day 8: 10 edited, 5 removed, 20 published")
        announced = crawls.crawl(8)
        removed = sorted(str(r["id"]) for r in announced.records() if r["type"] == "removed")
        lines.append(
            f"- day 8, announced changes: {len(_versions(announced, 2))}/10 version 2 "
            f"(exact: {_versions(announced, 2) == EDITED}), {len(removed)}/5 removed "
            f"(exact: {removed == REMOVED}), {len(_versions(announced, 1))}/20 new (exact: "
            f"{_versions(announced, 1) == sorted(published)}); {announced.requests} requests "
            f"({_share(announced, full):.1%})"
        )
        site.change(SILENT, announce=False)
        found: list[str] = []
        lost_at = None
        for day in range(9, 9 + BOUND_DAYS):
            say(f"  day {day}: silent edits")
            run = crawls.crawl(day)
            found += _versions(run, 2)
            trust = run.manifest()["lastmod"]
            if trust["lost"] and lost_at is None:
                lost_at = day
            if sorted(found) == sorted(SILENT):
                break
        lines.append(
            f"- silent changes from day 9: {len(found)}/10 archived as version 2 by day {day} "
            f"({day - 8} daily runs; bound {BOUND_DAYS}); lastmod untrusted from day {lost_at}"
        )
    return lines


def no_lastmod_site(articles: int, work: Path, say: Callable[[str], None]) -> list[str]:
    """Scenario 4; returns the report lines."""
    with LargeSite(articles, per_page=20, lastmod=False) as site:
        crawls = DailyCrawls(site, work, dict(QUIET))
        say(f"  no lastmod, day 0: full crawl of {articles:,} articles")
        full = crawls.crawl(0)
        days = []
        for day in range(1, 15):
            say(f"  no lastmod, day {day}")
            days.append(crawls.crawl(day))
    checked: dict[str, list[float]] = {}
    for run in [full, *days]:
        for article_id, _status in run.articles:
            checked.setdefault(article_id, []).append(run.day)
    gaps = [max([*(b - a for a, b in pairwise(seen)), 14 - seen[-1]]) for seen in checked.values()]
    shares = [_share(run, full) for run in days]
    return [
        f"### {articles:,} articles, no lastmod in the sitemap",
        "",
        f"- day 0 (full crawl): {full.requests:,} requests",
        f"- days 1-14, unchanged: mean **{statistics.mean(shares):.1%}** of day 0 per run, max "
        f"{max(shares):.1%}; {len(checked):,} of {articles:,} articles checked, longest gap "
        f"between two checks of one article **{max(gaps):g} days**",
    ]


def large_site(articles: int, work: Path, say: Callable[[str], None]) -> list[str]:
    """Scenario 5; returns the report lines."""
    with LargeSite(articles, per_page=20) as site:
        crawls = DailyCrawls(site, work, dict(QUIET))
        say(f"  large site, day 0: full crawl of {articles:,} articles")
        full = crawls.crawl(0)
        say("  large site, day 1: unchanged")
        daily = crawls.crawl(1)
    delay = 1.0
    return [
        f"### {articles:,} articles, sitemap lastmod right",
        "",
        f"- day 0 (full crawl): {full.requests:,} requests; under Crawl-delay: 1 that is "
        f"{full.requests * delay / 3600:.1f} h every day without the policy",
        f"- day 1, unchanged: {daily.requests:,} requests, **{_share(daily, full):.1%}** of "
        f"day 0; under Crawl-delay: 1, **{daily.requests * delay / 60:.0f} min**; by purpose: "
        + _purposes(daily),
    ]


def _purposes(run: Run) -> str:
    requests = run.manifest()["requests"]
    return ", ".join(f"{purpose} {n}" for purpose, n in requests.items() if n)


def measure(
    articles: int, large: int | None, say: Callable[[str], None] = lambda line: None
) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-revisit-") as tmp:
        work = Path(tmp)
        lines = lastmod_site(articles, work / "lastmod", say)
        lines += ["", *no_lastmod_site(articles, work / "no-lastmod", say)]
        if large:
            lines += ["", *large_site(large, work / "large", say)]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, default=3_000)
    parser.add_argument("--large", type=int, default=30_000)
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args(argv)
    lines = measure(
        args.articles,
        None if args.skip_large else args.large,
        lambda line: print(line, file=sys.stderr, flush=True),
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
