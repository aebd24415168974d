"""The HTML report's changed articles: for each run, the articles it archived changed, each
with what changed since its version before (``crawler.archive.history``), removed words in
``<del>`` and added ones in ``<ins>``. Every string from the site goes through
:func:`html.escape`, as everywhere else on the page."""

from __future__ import annotations

from html import escape
from pathlib import Path

from crawler.archive.history import Change, FieldDiff, Segment, run_changes

#: Changed articles shown per run (the count says how many there were).
PER_RUN = 50
STYLE = """
.changes li { margin: 0.6em 0; } .diff { margin: 0.2em 0 0 1em; color: #3b444d; }
del { background: #fbe3e1; color: #8e2a20; } ins { background: #dff3e3; color: #1e6b34;
text-decoration: none; }
"""


def _segment(segment: Segment) -> str:
    op, text = segment
    tag = {"-": "del", "+": "ins"}.get(op)
    return f"<{tag}>{escape(text)}</{tag}>" if tag else escape(text)


def _field(diff: FieldDiff) -> str:
    name = f"<code>{escape(diff.field)}</code>"
    if diff.field == "related":
        links = [f"<del>{escape(str(link.get('url')))}</del>" for link in diff.removed]
        links += [f"<ins>{escape(str(link.get('url')))}</ins>" for link in diff.added]
        shown = ", ".join(links) or "the same links, in another order or with other cards"
        return f'<div class="diff">{name}: {shown}</div>'
    hunks = "<br>".join(" ".join(_segment(seg) for seg in hunk) for hunk in diff.hunks)
    return f'<div class="diff">{name}: {hunks}</div>'


def _change(change: Change) -> str:
    record = change.record
    head = (
        f"<b>{escape(str(record.get('title')))}</b> <code>{escape(str(record.get('id')))}</code>"
        f" version {escape(str(record.get('version')))}"
    )
    if change.before is None:
        return f"<li>{head}: the version before is not in the archive</li>"
    return f"<li>{head}\n{''.join(_field(diff) for diff in change.diffs())}</li>"


def changes_section(archive: Path, *, per_run: int = PER_RUN) -> str:
    """The section's HTML: a heading, then per run its changed articles."""
    parts = ["<h2>Changed articles per run</h2>"]
    try:
        runs = run_changes(archive, limit=per_run)
    except ValueError as exc:  # a manifest that cannot be read: the rest of the page stands
        return "\n".join([*parts, f'<p class="note">Not listed: {escape(str(exc))}</p>'])
    if not runs:
        parts.append("<p>No run archived a changed article.</p>")
    for run in runs:
        shown = _shown(run.total, len(run.changes))
        parts += [
            f"<h3><code>{escape(run.run)}</code>: {shown}</h3>",
            '<ul class="changes">',
            *(_change(change) for change in run.changes),
            "</ul>",
        ]
    return "\n".join(parts)


def _shown(total: int, shown: int) -> str:
    """
    >>> _shown(3, 3), _shown(80, 50)
    ('3 changed article(s)', '80 changed article(s), the first 50 shown')
    """
    return f"{total} changed article(s)" + (f", the first {shown} shown" if shown < total else "")
