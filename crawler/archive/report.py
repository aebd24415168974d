"""What an archive's runs did, from their manifests: the run table, the latest run's
categories, and the one-paragraph summary a crawl ends with. No Scrapy needed.

Reparse folders (``crawler.archive.folders``) are not crawls: they found nothing new, changed
or removed, so they are left out of the run table, the requests table and the charts, and
listed in a table of their own (``reparse_rows``)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.archive.categories import CATEGORIES_FILE
from crawler.archive.folders import Archive, find_archive, run_name
from crawler.archive.manifest import MANIFEST_FILE
from crawler.archive.recover import completed_shards, run_records
from crawler.outcomes import OUTCOMES
from crawler.revisit import PURPOSES


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
        """When the run (or reparse) started, ISO-8601 UTC: from its manifest, else from its
        folder's name."""
        if self.manifest:
            return str(self.manifest["started_at"])
        name = run_name(self.path.name)
        stamp = (name.made or name.stamp) if name is not None else ""
        if len(stamp) != len("20261125T131500Z"):
            return "?"
        return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:11]}:{stamp[11:13]}:{stamp[13:]}"

    @property
    def failed(self) -> int:
        return sum(int(n) for n in self.counts.get("pages_failed", {}).values())


def _load(folders: Iterable[Path]) -> list[Run]:
    runs = []
    for folder in folders:
        manifest_path = folder / MANIFEST_FILE
        manifest = json.loads(manifest_path.read_bytes()) if manifest_path.exists() else None
        runs.append(Run(folder, manifest))
    return sorted(runs, key=_order)


def _order(run: Run) -> tuple[str, str]:
    """Oldest first, as the reader reads them: by the time in the folder's name (a reparse
    folder's own)."""
    name = run_name(run.path.name)
    return ((name.made or name.stamp) if name is not None else "", run.path.name)


def _archive(archive: Path | Archive) -> Archive:
    return archive if isinstance(archive, Archive) else find_archive(archive)


def load_runs(archive: Path | Archive) -> list[Run]:
    """Every crawl's run folder of ``archive``, oldest first (finished or not); reparse
    folders are not crawls (``load_reparses``). ``NotAnArchive`` for a folder that is not an
    archive."""
    return _load(_archive(archive).runs)


def load_reparses(archive: Path | Archive) -> list[Run]:
    """Every reparse folder of ``archive``, oldest first."""
    return _load(_archive(archive).reparses)


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


#: The reparse table's columns: which run each reparse folder was made from, when, and what it
#: holds: article records extracted again, removed records copied, and records the current
#: extraction no longer gives (left out of it).
REPARSE_HEADER: tuple[str, ...] = (
    "reparse folder",
    "source run",
    "made",
    "articles",
    "removed",
    "lost",
)


def reparse_rows(reparses: Sequence[Run]) -> list[tuple[object, ...]]:
    """One row per reparse folder."""
    rows: list[tuple[object, ...]] = []
    for run in reparses:
        name = run_name(run.path.name)
        source = name.source if name is not None else "?"
        if run.manifest is None:
            rows.append((run.path.name, source, run.started, "-", "-", "unfinished"))
            continue
        counts = run.counts
        rows.append(
            (
                run.path.name,
                run.manifest.get("arguments", {}).get("run", source),
                run.started,
                counts.get("articles_written", 0),
                counts.get("articles", {}).get("removed", 0),
                sum(int(n) for n in counts.get("dropped", {}).values()),
            )
        )
    return rows


def latest_crawl(runs: Sequence[Run]) -> Run | None:
    """The last finished run of ``runs`` (crawls: ``load_runs``), or ``None``."""
    finished = [run for run in runs if run.manifest]
    return finished[-1] if finished else None


def report(archive: Path) -> list[str]:
    """The run table of ``archive``, its reparse folders, and the categories of its latest
    finished crawl. ``NotAnArchive`` for a folder that is not an archive."""
    found = find_archive(archive)
    if found.empty:
        return [f"{archive} is an empty archive: 0 runs"]
    runs, reparses = load_runs(found), load_reparses(found)
    lines = [f"{found.describe()} in {archive}"]
    if runs:
        lines += ["", *run_table(runs)]
    if costs := cost_rows(runs):
        lines += ["", "requests by purpose, and freshness after each run:"]
        lines += _table(COST_HEADER, costs)
    if reparses:
        lines += ["", "reparse folders: runs' records extracted again from their captures:"]
        lines += _table(REPARSE_HEADER, reparse_rows(reparses))
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
