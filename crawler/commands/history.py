"""``scrapy history ID_OR_URL [--diff] [--json] [--archive DIR]``: every version of one
article across the archive's runs, oldest first, and with ``--diff`` what changed in each
(``crawler.archive.history``): words removed and added, red and green on a terminal,
``[-old-]{+new+}`` otherwise, and the related links added and removed.

Exit statuses: 0 shown; 1 no such article in the archive, or the archive cannot be read; 2 a
folder that is not an archive.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.archive.folders import NotAnArchive
from crawler.archive.history import (
    FieldDiff,
    Style,
    Version,
    article_versions,
    render_diffs,
    version_diffs,
)
from crawler.commands.archive_folder import NOT_AN_ARCHIVE, fail
from crawler.commands.archive_option import add_archive_option, archive_dir, colour_terminal

#: Characters of a content hash shown in the table (the JSON has all 64).
SHORT_HASH = 12
HEADER = ("run", "fetched_at", "version", "content_hash", "changed_fields")


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "ID_OR_URL [--diff] [--json] [--archive DIR]"

    def short_desc(self) -> str:
        return "Show every version of one article, and what changed between them"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--diff", action="store_true", help="what changed in each version")
        parser.add_argument("--json", action="store_true", help="one JSON object a version")
        add_archive_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one article id or URL", print_help=False)
        archive = archive_dir(opts, self.settings)
        try:
            versions = article_versions(archive, args[0])
        except NotAnArchive as exc:
            fail(self, "history", str(exc), NOT_AN_ARCHIVE)
            return
        except (OSError, ValueError) as exc:
            fail(self, "history", str(exc), 1)
            return
        if not versions:
            fail(self, "history", f"no article {args[0]!r} in {archive}", 1)
            return
        diffs = version_diffs(versions) if opts.diff else [None] * len(versions)
        if opts.json:
            for version, diff in zip(versions, diffs, strict=True):
                print(json.dumps(_as_json(version, diff, opts.diff), ensure_ascii=False))
            return
        print("\n".join(_table(versions, diffs, "ansi" if colour_terminal() else "plain")))


def _as_json(version: Version, diff: list[FieldDiff] | None, with_diff: bool) -> dict[str, Any]:
    record = version.record
    shown: dict[str, Any] = {
        "run": version.run,
        "id": record.get("id"),
        "url": record.get("url"),
        "removed": version.removed,
    }
    if version.removed:
        shown.update(status=record.get("status"), last_seen=record.get("last_seen"))
    else:
        shown.update(
            fetched_at=record.get("fetched_at"),
            version=record.get("version"),
            content_hash=record.get("content_hash"),
            changed_fields=record.get("changed_fields") or [],
        )
    if with_diff and diff is not None:
        shown["diff"] = [field.to_dict() for field in diff]
    return shown


def _table(
    versions: Sequence[Version], diffs: Sequence[list[FieldDiff] | None], style: Style
) -> list[str]:
    first = versions[0].record
    removals = sum(version.removed for version in versions)
    kept = len(versions) - removals
    lines = [
        f"article {first.get('id')} {first.get('url')}: {kept} version(s)"
        + (f", removed {removals} time(s)" if removals else "")
    ]
    rows = [HEADER, *(_row(version) for version in versions)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(width) if column == 2 else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    lines.append(line(HEADER))
    for row, diff in zip(rows[1:], diffs, strict=True):
        lines.append(line(row))
        if diff:
            lines += [f"    {text}" for text in render_diffs(diff, style)]
    return lines


def _row(version: Version) -> tuple[str, ...]:
    record = version.record
    if version.removed:
        return (
            version.run,
            str(record.get("last_seen") or ""),
            "-",
            "-",
            f"removed ({record.get('status')})",
        )
    return (
        version.run,
        str(record.get("fetched_at") or ""),
        str(record.get("version") or ""),
        str(record.get("content_hash") or "")[:SHORT_HASH],
        ", ".join(record.get("changed_fields") or []),
    )
