"""``scrapy export [ARCHIVE_DIR] --format parquet|csv|jsonl --out PATH [--related-edges PATH]``:
the latest version of every article, and optionally the related-link graph as an edge table.

Exit statuses: 0 written; 1 the export could not be made (pyarrow missing for Parquet, an
output path that cannot be written, an unreadable shard); 2 bad input: a missing argument, an
unknown format, a folder that is not an archive (nor one run folder of it), or an empty
archive (an export of nothing would replace a good file with an empty one). On a terminal, a
bar on stderr follows the articles written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from crawler.archive.export import FORMATS, ExportError, export
from crawler.commands.archive_folder import archive_path, fail, open_archive
from crawler.progress import bar


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[archive_dir] --format parquet|csv|jsonl --out PATH [--related-edges PATH]"

    def short_desc(self) -> str:
        return "Export the latest version of every article as Parquet, CSV or JSON Lines"

    def long_desc(self) -> str:
        return (
            "Writes each article's latest version (removed articles left out) from every run "
            "folder of the archive (ARCHIVE_DIR by default; reparse folders left out), or of "
            "one run folder. In Parquet, blocks and related are nested columns; in CSV they "
            "are JSON text. --related-edges also writes the related links as a table of "
            "(source_id, target_id, position, target_url). Files are replaced atomically."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--format", dest="format", choices=FORMATS, required=True)
        parser.add_argument("--out", dest="out", metavar="PATH", required=True)
        parser.add_argument("--related-edges", dest="related_edges", metavar="PATH")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        archive = archive_path(args, self.settings)
        if open_archive(self, "export", archive, needs_runs="nothing to export") is None:
            return
        try:
            with bar("export", "articles") as progress:
                outcome = export(
                    archive,
                    Path(opts.out),
                    opts.format,
                    edges=opts.related_edges,
                    progress=progress,
                )
        except (ExportError, OSError, ValueError) as exc:
            fail(self, "export", str(exc), 1)
            return
        print(f"export: {outcome.articles} articles -> {opts.out} ({opts.format})")
        if outcome.edges is not None:
            print(f"export: {outcome.edges} related links -> {opts.related_edges}")
