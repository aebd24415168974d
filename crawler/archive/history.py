"""One article's versions across an archive's runs, and what changed between two versions.

``article_versions(archive, "0301000")`` reads every crawl run (reparse folders left out: they
repeat a run's versions with a later extraction) and returns the article's records, oldest
first: each version the crawl archived and each ``removed`` record. ``field_diffs(before,
after)`` says what changed between two versions, field by field: a word-level diff of the text
fields (``difflib``, paragraph by paragraph first, so a long body costs what changed in it),
and the ``related`` links added and removed. ``run_changes`` finds, for each run, the articles
it archived changed, with the version before each: the HTML report lists them. No Scrapy
needed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from crawler.archive.index import crawl_runs
from crawler.archive.reader import ARTICLE, REMOVED, StoredRun, article_key, url_article_id
from crawler.archive.recover import shard_lines
from crawler.digests import CONTENT_FIELDS

#: Words of unchanged text kept on each side of a change.
CONTEXT_WORDS = 6
#: Word diffs of more than this many word pairs are shown as a whole replacement: difflib is
#: quadratic in the worst case.
MAX_WORD_PAIRS = 4_000_000
ELLIPSIS = "…"

#: A piece of a diff: ``"="`` unchanged text, ``"-"`` removed, ``"+"`` added.
Op = Literal["=", "-", "+"]
Segment = tuple[Op, str]
Style = Literal["plain", "ansi"]
#: How each style marks removed and added text.
_MARKS: dict[Style, dict[str, tuple[str, str]]] = {
    "plain": {"-": ("[-", "-]"), "+": ("{+", "+}")},
    "ansi": {"-": ("\x1b[31m", "\x1b[0m"), "+": ("\x1b[32m", "\x1b[0m")},
}


@dataclass(frozen=True, slots=True)
class Version:
    """One record of an article: a version it was archived at, or its removal."""

    run: str
    record: Mapping[str, Any]

    @property
    def removed(self) -> bool:
        return self.record.get("type") == REMOVED


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """What changed in one field. Text fields have ``hunks``: each a run of segments, the
    changes with a few words of context (an ellipsis where context was cut). ``related`` has
    the links ``added`` and ``removed`` (by URL; both empty if only their order or cards
    changed)."""

    field: str
    hunks: tuple[tuple[Segment, ...], ...] = ()
    added: tuple[Mapping[str, Any], ...] = ()
    removed: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        if self.field == "related":
            return {
                "field": self.field,
                "added": [link.get("url") for link in self.added],
                "removed": [link.get("url") for link in self.removed],
            }
        return {"field": self.field, "hunks": [[list(seg) for seg in hunk] for hunk in self.hunks]}


def _needle(key: str) -> bytes:
    # As the key appears in a JSON line: a line without it cannot be one of the article's.
    return json.dumps(key, ensure_ascii=False)[1:-1].encode("utf-8")


def lookup_key(id_or_url: str) -> str:
    """The key an article is known by (``crawler.archive.reader.article_key``) from its id or
    any URL of its page.

    >>> lookup_key("http://127.0.0.1:8765/page.php?p=0301000"), lookup_key("0301000")
    ('0301000', '0301000')
    """
    return url_article_id(id_or_url) or id_or_url


def article_versions(archive_dir: str | os.PathLike[str], id_or_url: str) -> list[Version]:
    """Every record of the article ``id_or_url`` names in the archive's crawl runs, oldest
    first: its versions and its removals. Empty if the archive has none."""
    key = lookup_key(id_or_url)
    needle = _needle(key)
    found = []
    for run in crawl_runs(archive_dir, unfinished=True):
        for record in _lines_with(run, needle):
            if record.get("type") in (ARTICLE, REMOVED) and article_key(record) == key:
                found.append(Version(run.path.name, record))
    return found


def _lines_with(run: StoredRun, needle: bytes) -> Iterator[dict[str, Any]]:
    for shard in run.shards:
        for line in shard_lines(shard):
            if needle in line:
                yield json.loads(line)


def version_diffs(versions: Sequence[Version]) -> list[list[FieldDiff] | None]:
    """For each version, what changed since the article version before it (skipping removals
    between them); ``None`` for the first version and for removals."""
    diffs: list[list[FieldDiff] | None] = []
    before: Mapping[str, Any] | None = None
    for version in versions:
        if version.removed or before is None:
            diffs.append(None)
        else:
            diffs.append(field_diffs(before, version.record))
        if not version.removed:
            before = version.record
    return diffs


def field_diffs(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldDiff]:
    """What changed from ``before`` to ``after``, content field by content field. ``blocks``
    is left out when ``body`` changed (the body is the blocks' texts): it shows only a change
    of a block's kind."""
    changed = [name for name in CONTENT_FIELDS if before.get(name) != after.get(name)]
    diffs = []
    for name in changed:
        if name == "related":
            diffs.append(_related_diff(before.get(name) or [], after.get(name) or []))
        elif name == "blocks":
            if "body" not in changed:
                old, new = (_block_lines(record.get(name) or []) for record in (before, after))
                diffs.append(FieldDiff(name, _hunks(_segments(old, new))))
        else:
            old, new = (_paragraphs(record.get(name)) for record in (before, after))
            diffs.append(FieldDiff(name, _hunks(_segments(old, new))))
    return diffs


def _paragraphs(value: Any) -> list[str]:
    if value is None:
        return []
    return [part for part in str(value).split("\n\n") if part.strip()]


def _block_lines(blocks: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"({block.get('kind')}) {block.get('text')}" for block in blocks]


def _related_diff(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> FieldDiff:
    old = {link.get("url") for link in before}
    new = {link.get("url") for link in after}
    return FieldDiff(
        "related",
        added=tuple(link for link in after if link.get("url") not in old),
        removed=tuple(link for link in before if link.get("url") not in new),
    )


def _segments(old: Sequence[str], new: Sequence[str]) -> list[tuple[Op, list[str]]]:
    """The words of ``old`` and ``new`` paragraphs as unchanged, removed and added runs."""
    segments: list[tuple[Op, list[str]]] = []

    def add(op: Op, words: list[str]) -> None:
        if not words:
            return
        if segments and segments[-1][0] == op:
            segments[-1][1].extend(words)
        else:
            segments.append((op, list(words)))

    def words(paragraphs: Sequence[str]) -> list[str]:
        return [word for paragraph in paragraphs for word in paragraph.split()]

    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = words(old[i1:i2]), words(new[j1:j2])
        if tag == "equal":
            add("=", a)
        elif tag != "replace" or len(a) * len(b) > MAX_WORD_PAIRS:
            add("-", a)
            add("+", b)
        else:
            inner = SequenceMatcher(None, a, b, autojunk=False)
            for op, k1, k2, m1, m2 in inner.get_opcodes():
                if op == "equal":
                    add("=", a[k1:k2])
                else:
                    add("-", a[k1:k2])
                    add("+", b[m1:m2])
    return segments


def _hunks(segments: list[tuple[Op, list[str]]]) -> tuple[tuple[Segment, ...], ...]:
    """The changes with ``CONTEXT_WORDS`` of unchanged words around each; changes closer than
    twice that share a hunk."""
    hunks: list[list[Segment]] = []
    current: list[Segment] = []
    last = len(segments) - 1
    for index, (op, words) in enumerate(segments):
        if op != "=":
            current.append((op, " ".join(words)))
            continue
        first, final = index == 0, index == last
        if not first and not final and len(words) <= 2 * CONTEXT_WORDS:
            current.append(("=", " ".join(words)))
            continue
        if not first:  # the end of the hunk before
            tail = words[:CONTEXT_WORDS]
            cut = ELLIPSIS if len(words) > CONTEXT_WORDS else ""
            current.append(("=", " ".join(tail) + (" " + cut if cut else "")))
            hunks.append(current)
            current = []
        if not final:  # the start of the next hunk
            head = words[-CONTEXT_WORDS:]
            cut = ELLIPSIS if len(words) > CONTEXT_WORDS else ""
            current = [("=", (cut + " " if cut else "") + " ".join(head))]
    if any(op != "=" for op, _ in current):
        hunks.append(current)
    return tuple(tuple(hunk) for hunk in hunks)


def render_hunk(hunk: Sequence[Segment], style: Style) -> str:
    """One hunk on one line: ``[-removed-]{+added+}`` plain, red and green with ``ansi``.

    >>> render_hunk([("=", "a"), ("-", "old"), ("+", "new"), ("=", "b")], "plain")
    'a [-old-]{+new+} b'
    """
    marks = _MARKS[style]
    shown = ""
    previous: Op | None = None
    for op, text in hunk:
        if not text:
            continue
        if op != "=":
            opening, closing = marks[op]
            text = f"{opening}{text}{closing}"
        # A replacement reads as one, [-old-]{+new+}; colours alone need the space.
        glued = style == "plain" and previous == "-" and op == "+"
        joint = "" if not shown or glued else " "
        shown += joint + text
        previous = op
    return shown


def render_diffs(diffs: Sequence[FieldDiff], style: Style) -> list[str]:
    """Lines showing ``diffs``: each field's name, then one line per hunk or link."""
    marks = _MARKS[style]
    lines = []
    for diff in diffs:
        if diff.field == "related":
            lines.append("related:")
            for op, links in (("-", diff.removed), ("+", diff.added)):
                opening, closing = marks[op]
                verb = "removed" if op == "-" else "added"
                lines += [f"  {verb} {opening}{link.get('url')}{closing}" for link in links]
            if not diff.added and not diff.removed:
                lines.append("  the same links, in another order or with other cards")
        else:
            lines.append(f"{diff.field}:")
            lines += [f"  {render_hunk(hunk, style)}" for hunk in diff.hunks]
    return lines


@dataclass(frozen=True, slots=True)
class Change:
    """An article a run archived changed, with the version before it (``None`` if that
    version is not in the archive's crawl runs)."""

    record: Mapping[str, Any]
    before: Mapping[str, Any] | None

    def diffs(self) -> list[FieldDiff]:
        return field_diffs(self.before, self.record) if self.before is not None else []


@dataclass(frozen=True, slots=True)
class RunChanges:
    run: str
    #: The first ``limit`` changed articles of the run, in the order it wrote them.
    changes: tuple[Change, ...]
    #: How many changed articles the run wrote in all.
    total: int


_CHANGED = b'"previous_hash"'
#: A record's content hash, however the line was spaced (the crawl writes compact JSON).
_HASH = re.compile(rb'"content_hash"\s*:\s*"([0-9a-f]{64})"')


def run_changes(archive_dir: str | os.PathLike[str], *, limit: int) -> list[RunChanges]:
    """Each crawl run that archived changed articles, oldest first, with up to ``limit`` of
    them and the version before each. Two passes over the shards: the changed records, then
    the versions whose ``content_hash`` they name as ``previous_hash``."""
    runs = crawl_runs(archive_dir, unfinished=True)
    changed: list[tuple[str, list[dict[str, Any]], int]] = []
    wanted: dict[str, set[str]] = {}
    for run in runs:
        kept: list[dict[str, Any]] = []
        total = 0
        for record in _lines_with(run, _CHANGED):
            if record.get("type") != ARTICLE or not record.get("previous_hash"):
                continue
            total += 1
            if len(kept) < limit:
                kept.append(record)
                wanted.setdefault(str(record["previous_hash"]), set()).add(article_key(record))
        if total:
            changed.append((run.path.name, kept, total))
    before = _versions_by_hash(runs, wanted)
    return [
        RunChanges(
            name,
            tuple(
                Change(record, before.get((str(record["previous_hash"]), article_key(record))))
                for record in kept
            ),
            total,
        )
        for name, kept, total in changed
    ]


def _versions_by_hash(
    runs: Sequence[StoredRun], wanted: Mapping[str, set[str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The article records whose (content_hash, key) ``wanted`` names (one per pair: equal
    hashes are equal contents)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    if not wanted:
        return found
    for run in runs:
        for shard in run.shards:
            for line in shard_lines(shard):
                digest_at = _HASH.search(line)
                if digest_at is None or digest_at[1].decode() not in wanted:
                    continue
                record = json.loads(line)
                digest = str(record.get("content_hash"))
                pair = (digest, article_key(record))
                if pair[1] in wanted.get(digest, ()) and record.get("type") == ARTICLE:
                    found.setdefault(pair, record)
    return found
