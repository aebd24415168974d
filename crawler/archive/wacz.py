"""Runs packaged as one WACZ 1.1.1 file, for replay tools (ReplayWeb.page, pywb) to open.

py-wacz (``wacz create``) writes the package: the runs' WARC files under ``archive/``, a CDXJ
index of every record under ``indexes/``, and ``datapackage.json`` with each file's sha256.
``pages/pages.jsonl`` is ours: one entry per article record, its page's captured URL and
time, its title and its body as ``text``, which ReplayWeb.page's full-text search reads. No
Scrapy needed.

Every run's WARC files are named ``capture-00001.warc.gz``..., so they go into the package
as ``<run folder>-capture-00001.warc.gz``. A revisit record names the capture it repeats by
URL and date: package the runs that hold those too (``--all``), or a replay of a revisit
finds nothing to show.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.recover import completed_shards, run_records
from crawler.archive.warc import completed_warcs

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Articles", "hasText": True}


class WaczError(RuntimeError):
    """py-wacz could not write the package; the message is its last words."""


@dataclass(frozen=True, slots=True)
class Packaged:
    """What went into a WACZ file."""

    path: Path
    runs: int
    warcs: int
    pages: int


def _captures(warc: Path) -> Iterator[tuple[str, tuple[str, str]]]:
    """Each response record of ``warc``: its record id, target URI and date."""
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                headers = record.rec_headers
                yield (
                    str(headers.get_header("WARC-Record-ID")),
                    (
                        str(headers.get_header("WARC-Target-URI")),
                        str(headers.get_header("WARC-Date")),
                    ),
                )


def run_pages(run: Path) -> Iterator[dict[str, Any]]:
    """The pages.jsonl entries of a run folder: each article record whose page it captured,
    named by the URL and time of that capture (what a replay looks up), not the record's
    public URL."""
    captured = dict(item for warc in completed_warcs(run) for item in _captures(warc))
    for record in run_records(completed_shards(run)):
        pointer = record.get("warc")
        if record.get("type") != "article" or not isinstance(pointer, dict):
            continue
        found = captured.get(str(pointer.get("record_id")))
        if found is None:
            continue
        url, date = found
        yield {
            "id": str(pointer["record_id"]).removeprefix("<urn:uuid:").removesuffix(">"),
            "url": url,
            "ts": date,
            "title": record.get("title"),
            "text": record.get("body"),
        }


def _create(arguments: list[str]) -> None:
    """``wacz create ARGUMENTS`` in this process, its chatter kept from stdout."""
    with warnings.catch_warnings():
        # cdxj-indexer's pyamf imports pkg_resources, which warns that it is deprecated.
        warnings.simplefilter("ignore")
        from wacz.main import main as wacz_main
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        status = wacz_main(["create", *arguments])
    if status:
        lines = said.getvalue().strip().splitlines() or [f"exit status {status}"]
        raise WaczError(f"wacz create failed: {lines[-1]}")


def write_wacz(runs: Sequence[Path], target: Path, *, title: str = "") -> Packaged:
    """Package the completed WARC files of ``runs`` (run folders, oldest first) as the WACZ
    file ``target``, replaced only once complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".wacz-", dir=target.parent) as work:
        stage = Path(work)
        inputs = []
        pages = 0
        with (stage / "pages.jsonl").open("w", encoding="utf-8") as listed:
            listed.write(json.dumps(PAGES_HEADER) + "\n")
            for run in runs:
                for warc in completed_warcs(run):
                    # A link under the name it takes in the package (py-wacz uses the base name).
                    named = stage / f"{run.name}-{warc.name}"
                    named.symlink_to(warc.resolve())
                    inputs.append(str(named))
                for page in run_pages(run):
                    listed.write(json.dumps(page, ensure_ascii=False) + "\n")
                    pages += 1
        if not inputs:
            raise WaczError("no WARC files in the runs given: nothing to package")
        built = stage / "archive.wacz"
        arguments = ["-o", str(built), "-p", str(stage / "pages.jsonl"), "--copy-pages"]
        _create([*arguments, *(["--title", title] if title else []), *inputs])
        built.replace(target)
    return Packaged(target, len(runs), len(inputs), pages)
