"""The HTML report's charts: matplotlib figures drawn as SVG that run and fetch nothing.

Every label that came from the site or a manifest goes through :func:`chart_label` (``$`` is
escaped so mathtext never reads it); :func:`check_svg` refuses an SVG with anything that
would run, link or load.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from crawler.archive.report import Run
from crawler.coverage import COVERAGE_FIELDS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: How to get what the HTML report needs.
EXTRA = "pip install 'evergreen-crawler[report]'"
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


def svg_of(figure: Figure, salt: str) -> str:
    """``figure`` as checked SVG text, its element ids salted so that several charts can
    share one page."""
    with _svg_settings(salt):
        return _svg(figure)
