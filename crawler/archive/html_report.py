"""``scrapy report --html``: an archive's runs as one self-contained HTML page.

The page loads nothing from anywhere: no script, stylesheet, font or image file. It holds the
run table and the latest crawl's categories (what ``scrapy report`` prints) and four charts,
drawn with matplotlib (the ``report`` extra) as SVG and inlined:

- articles per category in the latest crawl: listed on its category pages, new and changed
  records it wrote;
- new, changed and removed articles per run, oldest first;
- failures by cause, summed over every finished run: pages failed (HTTP status or error
  name), items dropped (contract violation), duplicates skipped;
- each field's coverage per run.

Everything the page shows that came from the site or a manifest (category names, failure
causes, alarms, spider arguments) is escaped with :func:`html.escape`; matplotlib escapes the
text it writes into the SVG (``svg.fonttype`` ``none`` keeps labels as ``<text>``), and ``$``
is escaped in labels so mathtext never interprets them. A Content-Security-Policy forbidding
scripts and every network load is the defence in depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.archive.atomic import atomic_replace
from crawler.archive.charts import (
    MIN_PAGES,
    categories_chart,
    coverage_chart,
    failure_causes,
    failures_chart,
    outcomes_chart,
    require_matplotlib,
    svg_of,
)
from crawler.archive.folders import find_archive
from crawler.archive.report import (
    CATEGORY_HEADER,
    COST_HEADER,
    REPARSE_HEADER,
    RUN_HEADER,
    Run,
    category_rows,
    cost_rows,
    latest_crawl,
    load_reparses,
    load_runs,
    reparse_rows,
    run_rows,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: No script runs and nothing is fetched; inline styles (the page's and the SVGs') and data:
#: images only.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)
_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
       padding: 0 1em; color: #1d2329; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #dde1e5; text-align: left;
         vertical-align: top; }
td { white-space: nowrap; } td:last-child { white-space: normal; word-break: break-all; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.unfinished td { color: #7b8793; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
figcaption, .note { color: #58636e; font-size: 0.9em; }
code { font-size: 0.92em; }
"""


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    numeric: range,
    row_classes: Sequence[str] = (),
) -> str:
    """An HTML table; the ``numeric`` columns are right-aligned (names left, numbers right, as
    in the text tables)."""

    def cell(tag: str, column: int, value: object) -> str:
        align = ' class="n"' if column in numeric else ""
        return f"<{tag}{align}>{escape(str(value))}</{tag}>"

    head = "".join(cell("th", column, name) for column, name in enumerate(header))
    classes = list(row_classes) or [""] * len(rows)
    body = "\n".join(
        (f'<tr class="{escape(css)}">' if css else "<tr>")
        + "".join(cell("td", column, value) for column, value in enumerate(row))
        + "</tr>"
        for row, css in zip(rows, classes, strict=True)
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _arguments(run: Run) -> str:
    if run.manifest is None:
        return ""
    return " ".join(f"{key}={value}" for key, value in run.manifest.get("arguments", {}).items())


def _runs_section(runs: Sequence[Run]) -> str:
    rows = [(*row, _arguments(run)) for row, run in zip(run_rows(runs), runs, strict=True)]
    classes = ["finished" if run.manifest else "unfinished" for run in runs]
    numeric = range(RUN_HEADER.index("spider") + 1, len(RUN_HEADER))
    parts = [_table((*RUN_HEADER, "arguments"), rows, numeric=numeric, row_classes=classes)]
    alarms = [
        (run, str(alarm))
        for run in runs
        if run.manifest
        for alarm in run.manifest.get("alarms", [])
    ]
    if alarms:
        items = "\n".join(
            f"<li><code>{escape(run.path.name)}</code>: {escape(alarm)}</li>"
            for run, alarm in alarms
        )
        parts.append(f"<h3>Alarms</h3>\n<ul>\n{items}\n</ul>")
    return "\n".join(parts)


def _figure_html(figure: Figure, salt: str, caption: str) -> str:
    svg = svg_of(figure, salt)
    return f"<figure>\n{svg}\n<figcaption>{escape(caption)}</figcaption>\n</figure>"


def html_report(archive: Path) -> str:
    """The report of ``archive`` as one HTML document (raises :class:`ReportUnavailable`
    without matplotlib)."""
    require_matplotlib()
    found = find_archive(archive)
    runs, reparses = load_runs(found), load_reparses(found)
    latest = latest_crawl(runs)
    title = f"Archive report: {archive.name or archive}"
    sections = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="note">{found.describe()} in <code>{escape(str(archive))}</code>, oldest '
        "first. Generated by <code>scrapy report --html</code>.</p>",
        "<h2>Runs</h2>",
        _runs_section(runs) if runs else "<p>No runs.</p>",
    ]
    if reparses:
        sections += [
            "<h2>Reparse folders</h2>",
            '<p class="note">Runs\' records extracted again from their captures by <code>scrapy '
            "reparse</code>: not crawls, so in no other table or chart.</p>",
            _table(REPARSE_HEADER, reparse_rows(reparses), numeric=range(3, len(REPARSE_HEADER))),
        ]
    if costs := cost_rows(runs):
        sections += [
            "<h2>Requests and freshness</h2>",
            '<p class="note">What each run cost the site, by purpose, and how stale the '
            "archive was after it.</p>",
            _table(COST_HEADER, costs, numeric=range(1, len(COST_HEADER) - 1)),
        ]
    categories = category_rows(latest) if latest else []
    if latest:
        sections += [
            f"<h2>Categories of the latest crawl, <code>{escape(latest.path.name)}</code></h2>",
            _table(CATEGORY_HEADER, categories, numeric=range(1, len(CATEGORY_HEADER))),
        ]
    where = f"the latest crawl, {latest.path.name}" if latest else "no finished crawl"
    charts = [
        (
            "Articles per category",
            categories_chart(categories),
            f"Articles per category in {where}: listed on its category pages, and the new and "
            "changed records it wrote.",
        ),
        (
            "New, changed and removed articles per run",
            outcomes_chart(runs),
            "Every finished run, oldest first (unchanged articles are left out).",
        ),
        (
            "Failures by cause",
            failures_chart(failure_causes(runs)),
            "Summed over every finished run: pages that failed (HTTP status or error), items "
            "dropped for breaking the record contract, and duplicates skipped.",
        ),
        (
            "Field coverage per run",
            coverage_chart(runs),
            "Share of the archive's current articles that have each record field, after each "
            "run (older runs: of the run's own article pages, where it parsed at least "
            f"{MIN_PAGES}; runs with neither are left out).",
        ),
    ]
    for number, (heading, figure, caption) in enumerate(charts, 1):
        sections += [f"<h2>{escape(heading)}</h2>", _figure_html(figure, f"chart{number}", caption)]
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def write_html_report(archive: Path, target: Path) -> Path:
    """Write the report of ``archive`` to ``target`` atomically (replacing an older one)."""
    document = html_report(archive)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_replace(target, document.encode("utf-8"))
    return target
