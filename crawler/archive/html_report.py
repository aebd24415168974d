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

import io
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from crawler.archive.atomic import atomic_replace
from crawler.archive.report import (
    CATEGORY_HEADER,
    COST_HEADER,
    RUN_HEADER,
    Run,
    category_rows,
    cost_rows,
    latest_crawl,
    load_runs,
    run_rows,
)
from crawler.coverage import COVERAGE_FIELDS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: How to get what the HTML report needs.
EXTRA = "pip install 'evergreen-crawler[report]'"
#: No script runs and nothing is fetched; inline styles (the page's and the SVGs') and data:
#: images only.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)
#: Labels longer than this are cut in the charts (the tables print them whole).
LABEL_MAX = 60
#: At most this many run labels under a chart's x axis; the others are left out.
RUN_TICKS_MAX = 16
#: SVG elements that run, link, embed or fetch something; no chart has any.
_UNSAFE_TAGS = frozenset(
    {"script", "a", "foreignObject", "image", "iframe", "object", "embed", "animate", "set"}
)
_COLOURS = {
    "listed": "#9aa5b1",
    "new": "#2f7ed8",
    "changed": "#f28f20",
    "removed": "#c0392b",
    "page failed": "#c0392b",
    "item dropped": "#f28f20",
    "duplicate": "#9aa5b1",
}
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


class ReportUnavailable(RuntimeError):
    """The HTML report cannot be drawn: matplotlib (the ``report`` extra) is missing."""


def require_matplotlib() -> None:
    """Raise :class:`ReportUnavailable`, naming the extra, when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401 - the report extra
    except ImportError as exc:
        raise ReportUnavailable(
            f"the HTML report needs matplotlib, which the report extra installs: {EXTRA}"
        ) from exc


def chart_label(text: object, limit: int = LABEL_MAX) -> str:
    """``text`` as a matplotlib label: cut to ``limit`` characters, and every ``$`` escaped,
    so mathtext never reads a label (``$x$`` would be set as math, an unbalanced ``$`` would
    fail the report).

    >>> chart_label("Costs $1 & $2")
    'Costs \\\\$1 & \\\\$2'
    >>> chart_label("a" * 60, limit=10)
    'aaaaaaaaa…'
    """
    value = str(text)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("$", r"\$")


def _run_label(run: Run) -> str:
    # "2026-11-26T03:15:42Z" -> "2026-11-26 03:15:42"
    return run.started.replace("T", " ").removesuffix("Z")


@contextmanager
def _svg_settings(salt: str) -> Iterator[None]:
    import matplotlib as mpl  # the report extra: imported only here

    # Text stays text (selectable, and escaped by matplotlib's XML writer); ids are salted per
    # chart, so the clip paths of several SVGs in one page never share an id.
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        yield


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    # A Figure without pyplot: no GUI backend and no global state; savefig draws the SVG
    # with matplotlib's own SVG renderer.
    from matplotlib.figure import Figure  # the report extra: imported only here

    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    # No metadata: a date would make two reports of one archive differ.
    metadata = dict.fromkeys(("Date", "Creator", "Format", "Type"))
    figure.savefig(buffer, format="svg", metadata=metadata)
    text = buffer.getvalue()
    check_svg(text)
    # Drop the XML declaration and DOCTYPE: the <svg> element goes inline into HTML.
    return text[text.index("<svg") :].strip()


def check_svg(text: str) -> None:
    """Raise ``ValueError`` if the SVG ``text`` holds anything that could run or load: a
    script, a link, an embedded document or image, an event handler, a reference outside
    itself. matplotlib escapes the labels it writes, so this never fires; it is checked
    anyway, on every chart, because the labels are the crawled site's words.

    >>> check_svg('<svg xmlns="http://www.w3.org/2000/svg"><text>&lt;script&gt;</text></svg>')
    >>> check_svg('<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
    Traceback (most recent call last):
    ...
    ValueError: chart SVG holds <script>
    """
    root = ElementTree.fromstring(text.encode("utf-8"))
    for element in root.iter():
        tag = str(element.tag).rpartition("}")[2]
        if tag in _UNSAFE_TAGS:
            raise ValueError(f"chart SVG holds <{tag}>")
        for name, value in element.attrib.items():
            local = name.rpartition("}")[2]
            if local.lower().startswith("on") or (local == "href" and not value.startswith("#")):
                raise ValueError(f"chart SVG holds {local}={value!r} on <{tag}>")


def _nothing(axes: Axes, message: str) -> None:
    axes.set_axis_off()
    axes.text(0.5, 0.5, chart_label(message, 200), ha="center", va="center", color="#58636e")


def _label_bars(axes: Axes, bars: Any, values: Sequence[int]) -> None:
    axes.bar_label(bars, labels=[str(v) if v else "" for v in values], padding=2, fontsize=8)


def _run_ticks(axes: Axes, runs: Sequence[Run]) -> None:
    step = max(1, math.ceil(len(runs) / RUN_TICKS_MAX))
    positions = list(range(0, len(runs), step))
    axes.set_xticks(positions, [chart_label(_run_label(runs[i])) for i in positions])
    axes.tick_params(axis="x", labelrotation=30)
    for label in axes.get_xticklabels():
        label.set_horizontalalignment("right")


def categories_chart(rows: Sequence[tuple[str, int, int, int]]) -> Figure:
    """Horizontal bars per category: listed, new and changed (``category_rows``)."""
    figure, axes = _figure(10, max(2.2, 0.55 * len(rows) + 1.0))
    if not rows:
        _nothing(axes, "no categories in the latest crawl")
        return figure
    height = 0.27
    for offset, (series, column) in enumerate((("listed", 1), ("new", 2), ("changed", 3))):
        values = [int(row[column]) for row in rows]
        bars = axes.barh(
            [i + (offset - 1) * height for i in range(len(rows))],
            values,
            height,
            label=series,
            color=_COLOURS[series],
        )
        _label_bars(axes, bars, values)
    axes.set_yticks(range(len(rows)), [chart_label(row[0]) for row in rows])
    axes.invert_yaxis()
    axes.set_xlabel("articles")
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False)
    return figure


def outcomes_chart(runs: Sequence[Run]) -> Figure:
    """Grouped bars per finished run: new, changed and removed articles."""
    finished = [run for run in runs if run.manifest is not None]
    figure, axes = _figure(10, 3.8)
    if not finished:
        _nothing(axes, "no finished runs")
        return figure
    width = 0.27
    for offset, outcome in enumerate(("new", "changed", "removed")):
        values = [int(run.counts.get("articles", {}).get(outcome, 0)) for run in finished]
        bars = axes.bar(
            [i + (offset - 1) * width for i in range(len(finished))],
            values,
            width,
            label=outcome,
            color=_COLOURS[outcome],
        )
        _label_bars(axes, bars, values)
    _run_ticks(axes, finished)
    axes.set_ylabel("articles")
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False)
    return figure


def failure_causes(runs: Sequence[Run]) -> Counter[tuple[str, str]]:
    """``(kind, cause) -> count`` summed over the finished runs: pages failed, items dropped,
    duplicates skipped.

    >>> from pathlib import Path
    >>> counts = {"pages_failed": {"404": 2}, "dropped": {}, "duplicates": {"url": 1}}
    >>> failure_causes([Run(Path("r"), {"counts": counts})] * 2)
    Counter({('page failed', '404'): 4, ('duplicate', 'url'): 2})
    """
    causes: Counter[tuple[str, str]] = Counter()
    for run in runs:
        for kind, key in (
            ("page failed", "pages_failed"),
            ("item dropped", "dropped"),
            ("duplicate", "duplicates"),
        ):
            for cause, count in run.counts.get(key, {}).items():
                if int(count):
                    causes[kind, str(cause)] += int(count)
    return causes


def failures_chart(causes: Counter[tuple[str, str]]) -> Figure:
    """Horizontal bars per failure cause, coloured by kind, largest first."""
    ordered = sorted(causes.items(), key=lambda item: (-item[1], item[0]))
    figure, axes = _figure(10, max(2.2, 0.4 * len(ordered) + 1.0))
    if not ordered:
        _nothing(axes, "no failures in any finished run")
        return figure
    values = [count for _cause, count in ordered]
    bars = axes.barh(
        range(len(ordered)), values, 0.6, color=[_COLOURS[kind] for (kind, _), _n in ordered]
    )
    _label_bars(axes, bars, values)
    axes.set_yticks(
        range(len(ordered)), [chart_label(f"{kind}: {cause}") for (kind, cause), _n in ordered]
    )
    axes.invert_yaxis()
    axes.set_xlabel("pages or items, all finished runs")
    return figure


#: Article pages a run must have parsed for its own coverage to be plotted (the drift
#: alarms' ``ALARM_MIN_PAGES`` default): four invalid pages of an incremental run say nothing.
MIN_PAGES = 20


def run_coverage(run: Run) -> dict[str, float]:
    """Field -> share (0 to 1) of a finished run: of the archive's current articles after it
    where the manifest gives them, else of the run's article pages if it parsed enough of
    them; empty otherwise."""
    manifest = run.manifest or {}
    coverage = manifest.get("archive_coverage") or {}
    if not coverage.get("pages"):
        coverage = manifest.get("coverage") or {}
        if int(coverage.get("pages", 0)) < MIN_PAGES:
            return {}
    return {str(name): float(share) for name, share in coverage.get("fields", {}).items()}


def coverage_chart(runs: Sequence[Run]) -> Figure:
    """One line per record field: the share of article pages it was found on, per run."""
    measured = [(run, shares) for run in runs if (shares := run_coverage(run))]
    figure, axes = _figure(10, 3.8)
    if not measured:
        _nothing(axes, "no run recorded field coverage")
        return figure
    fields = sorted({name for _run, shares in measured for name in shares} | set(COVERAGE_FIELDS))
    for name in fields:
        axes.plot(
            range(len(measured)),
            [100 * shares.get(name, math.nan) for _run, shares in measured],
            marker="o",
            label=chart_label(name),
        )
    _run_ticks(axes, [run for run, _shares in measured])
    axes.set_ylim(-5, 105)
    axes.set_ylabel("% of articles")
    axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return figure


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
    with _svg_settings(salt):
        svg = _svg(figure)
    return f"<figure>\n{svg}\n<figcaption>{escape(caption)}</figcaption>\n</figure>"


def html_report(archive: Path) -> str:
    """The report of ``archive`` as one HTML document (raises :class:`ReportUnavailable`
    without matplotlib)."""
    require_matplotlib()
    runs = load_runs(archive)
    latest = latest_crawl(runs)
    title = f"Archive report: {archive.name or archive}"
    sections = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="note">{len(runs)} run(s) in <code>{escape(str(archive))}</code>, oldest '
        "first. Generated by <code>scrapy report --html</code>.</p>",
        "<h2>Runs</h2>",
        _runs_section(runs) if runs else "<p>No runs.</p>",
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
