"""What an archive's runs did, from their manifests: the run table, the latest run's
categories, and the one-paragraph summary a crawl ends with. No Scrapy needed."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.archive.categories import CATEGORIES_FILE
from crawler.archive.manifest import MANIFEST_FILE
from crawler.archive.recover import completed_shards, run_records
from crawler.outcomes import OUTCOMES
from crawler.revisit import PURPOSES

#: The spider name of reparse runs (``crawler.reparse``), which crawled nothing.
REPARSE = "reparse"


@dataclass(frozen=True, slots=True)
class Run:
    """A run folder and its manifest (``None`` while it is unfinished)."""

    path: Path
    manifest: Mapping[str, Any] | None

    @property
    def counts(self) -> Mapping[str, Any]:
        return self.manifest["counts"] if self.manifest else {}

    @property
    def started(self) -> str:
        if self.manifest:
            return str(self.manifest["started_at"])
        return self.path.name.rsplit("-", 1)[-1]

    @property
    def failed(self) -> int:
        return sum(int(n) for n in self.counts.get("pages_failed", {}).values())


def load_runs(archive: Path) -> list[Run]:
    """Every run folder of ``archive``, oldest first (finished or not)."""
    runs = []
    for folder in sorted(p for p in archive.iterdir() if p.is_dir()):
        manifest_path = folder / MANIFEST_FILE
        manifest = json.loads(manifest_path.read_bytes()) if manifest_path.exists() else None
        runs.append(Run(folder, manifest))
    return sorted(runs, key=lambda run: (run.started, run.path.name))


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    cells = [list(map(str, header)), *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        first, *rest = row
        # Names left, numbers right.
        return "  ".join(
            [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
        )

    return [line(cells[0]), line(["-" * w for w in widths]), *(line(row) for row in cells[1:])]


#: The run table's columns: the text table's header and the HTML report's.
RUN_HEADER: tuple[str, ...] = ("run", "started", "spider", *OUTCOMES, "failed", "alarms")


def run_rows(runs: Sequence[Run]) -> list[tuple[object, ...]]:
    """One row per run: when, which spider, how it ended, and what became of its articles."""
    rows: list[tuple[object, ...]] = []
    for run in runs:
        if run.manifest is None:
            rows.append(
                (run.path.name, run.started, "?", *("-" for _ in OUTCOMES), "-", "unfinished")
            )
            continue
        articles = run.counts.get("articles", {})
        rows.append(
            (
                run.path.name,
                run.started,
                run.manifest.get("spider", "?"),
                *(articles.get(outcome, 0) for outcome in OUTCOMES),
                run.failed,
                len(run.manifest.get("alarms", [])),
            )
        )
    return rows


def run_table(runs: Sequence[Run]) -> list[str]:
    """The run table as text, one line per run."""
    return _table(RUN_HEADER, run_rows(runs))


#: The requests table's columns: what each run cost the site, by purpose, and how fresh the
#: archive was after it (days since the oldest check of an archived article, articles
#: overdue, the bound and whether the site's lastmod was trusted).
COST_HEADER: tuple[str, ...] = (
    "run",
    "requests",
    *PURPOSES,
    "oldest check (d)",
    "overdue",
    "bound (d)",
    "lastmod",
)


def cost_rows(runs: Sequence[Run]) -> list[tuple[object, ...]]:
    """One row per finished run whose manifest counts its requests (format 3 on)."""
    rows: list[tuple[object, ...]] = []
    for run in runs:
        requests = run.manifest.get("requests") if run.manifest else None
        if not requests:
            continue
        assert run.manifest is not None
        freshness = run.manifest.get("freshness") or {}
        trust = run.manifest.get("lastmod") or {}
        age = freshness.get("oldest_age_days")
        rows.append(
            (
                run.path.name,
                sum(int(n) for n in requests.values()),
                *(int(requests.get(purpose, 0)) for purpose in PURPOSES),
                "-" if age is None else f"{age:.1f}",
                freshness.get("overdue", "-"),
                f"{freshness['bound_days']:g}" if "bound_days" in freshness else "-",
                trust.get("state", "-"),
            )
        )
    return rows


def cost_table(runs: Sequence[Run]) -> list[str]:
    """The requests table as text."""
    return _table(COST_HEADER, cost_rows(runs))


#: The category table's columns.
CATEGORY_HEADER: tuple[str, ...] = ("category", "listed", "new", "changed")


def category_rows(run: Run) -> list[tuple[str, int, int, int]]:
    """Per category of ``run``: articles its listings link to, and its new and changed
    records."""
    written: Counter[tuple[str, str]] = Counter()
    for record in run_records(completed_shards(run.path)):
        if record.get("type") == "article":
            outcome = "new" if record.get("version", 1) == 1 else "changed"
            written[str(record.get("category")), outcome] += 1
    listed: dict[str, int] = {}
    categories = run.path / CATEGORIES_FILE
    if categories.exists():
        for line in categories.read_bytes().splitlines():
            category = json.loads(line)
            listed[str(category["name"])] = len(category.get("articles", []))
    names = sorted(set(listed) | {name for name, _ in written})
    return [
        (name, listed.get(name, 0), written[name, "new"], written[name, "changed"])
        for name in names
    ]


def category_table(run: Run) -> list[str]:
    """The category table of ``run`` as text."""
    return _table(CATEGORY_HEADER, category_rows(run))


def latest_crawl(runs: Sequence[Run]) -> Run | None:
    """The last finished run of ``runs`` that crawled (not a reparse), or ``None``."""
    crawls = [run for run in runs if run.manifest and run.manifest.get("spider") != REPARSE]
    return crawls[-1] if crawls else None


def report(archive: Path) -> list[str]:
    """The run table of ``archive`` and the categories of its latest finished crawl."""
    runs = load_runs(archive)
    if not runs:
        return [f"no runs in {archive}"]
    lines = [f"{len(runs)} run(s) in {archive}", "", *run_table(runs)]
    if costs := cost_rows(runs):
        lines += ["", "requests by purpose, and freshness after each run:"]
        lines += _table(COST_HEADER, costs)
    if latest := latest_crawl(runs):
        lines += [
            "",
            f"categories of the latest crawl, {latest.path.name}:",
            *category_table(latest),
        ]
    return lines


def _named(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name}: {n}" for name, n in sorted(counts.items())) or "none"


def summary(run_dir: Path, reason: str) -> list[str]:
    """The few lines a crawl ends with, for the person (or the cron mail) reading them."""
    manifest_path = run_dir / MANIFEST_FILE
    if not manifest_path.exists():
        written = sum(1 for _ in run_records(completed_shards(run_dir)))
        return [
            f"run {run_dir.name} stopped ({reason}) before finishing: {written} records so far "
            f"in {run_dir}; the same command resumes it"
        ]
    manifest = json.loads(manifest_path.read_bytes())
    counts = manifest["counts"]
    articles = counts["articles"]
    duplicates = counts["duplicates"]
    lines = [
        f"run {run_dir.name} {manifest['finish_reason']}: "
        + ", ".join(f"{articles[outcome]} {outcome}" for outcome in OUTCOMES)
        + f" articles; {counts['categories_written']} categories",
        f"  pages failed: {_named(counts['pages_failed'])}; items dropped: "
        f"{_named(counts['dropped'])}; duplicates: {duplicates['url'] + duplicates['content']}",
        f"  archive: {run_dir}",
    ]
    if requests := manifest.get("requests"):
        spent = ", ".join(f"{purpose} {n}" for purpose, n in requests.items() if n)
        lines.append(f"  requests: {sum(requests.values())} ({spent or 'none'})")
    if freshness := manifest.get("freshness"):
        age = freshness.get("oldest_age_days")
        lines.append(
            f"  freshness: oldest check {'-' if age is None else f'{age:.1f}'} days ago, "
            f"{freshness['overdue']} overdue (bound {freshness['bound_days']:g} days)"
        )
    lines += [f"  alarm: {alarm}" for alarm in manifest.get("alarms", [])]
    return lines
