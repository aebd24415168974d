"""Check archive runs against their manifests: every completed file's sha256 and record count,
and that every line is one JSON object. No Scrapy needed; ``scrapy verify`` wraps it.

Every run folder of the archive is checked, reparse folders included (their files are
checked like any run's); which folders those are is ``crawler.archive.folders``' decision."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.archive.folders import Archive, find_archive
from crawler.archive.manifest import MANIFEST_FILE
from crawler.archive.warc import complete_length

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem with one file. ``damaged`` findings fail verification; the others (a run
    with no manifest yet, a leftover ``.open`` shard) are reported but are not damage."""

    path: Path
    message: str
    damaged: bool = True

    def __str__(self) -> str:
        return f"{'DAMAGED' if self.damaged else 'note'}: {self.path}: {self.message}"


def verify(
    path: Path | Archive, progress: Callable[[int, int | None], None] | None = None
) -> list[Finding]:
    """Every finding for the folders of the archive at ``path`` (or the one run or reparse
    folder ``path`` is); ``NotAnArchive`` if ``path`` is neither.

    ``progress(done, total)`` is told the bytes hashed so far, of the bytes of every file the
    manifests list."""
    archive = path if isinstance(path, Archive) else find_archive(path)
    runs = [*archive.runs, *archive.reparses]
    read = None
    if progress is not None:
        read = _Hashed(progress, sum(_listed_bytes(run) for run in runs))
    findings: list[Finding] = []
    for run in runs:
        findings.extend(verify_run(run, read))
    return findings


class _Hashed:
    """Bytes hashed so far, told to a ``progress(done, total)`` callback."""

    def __init__(self, progress: Callable[[int, int | None], None], total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0
        progress(0, total)

    def __call__(self, count: int) -> None:
        self.done += count
        self.progress(self.done, self.total)


def _listed_bytes(run: Path) -> int:
    """The size of the files a run's manifest lists (0 where it cannot be read)."""
    try:
        manifest = json.loads((run / MANIFEST_FILE).read_bytes())
        names = [entry["name"] for entry in [*manifest["shards"], manifest["categories"]]]
        names += [entry["name"] for entry in manifest.get("warcs", [])]
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    return sum((run / name).stat().st_size for name in names if (run / name).is_file())


def verify_run(run: Path, read: Callable[[int], None] | None = None) -> Iterator[Finding]:
    """Every finding for one run folder; ``read(count)`` after each chunk of a file hashed."""
    manifest_path = run / MANIFEST_FILE
    if not manifest_path.exists():
        yield Finding(run, "no manifest.json: run incomplete or still running", damaged=False)
        return
    try:
        manifest = json.loads(manifest_path.read_bytes())
        entries: list[dict[str, Any]] = [*manifest["shards"], manifest["categories"]]
    except (ValueError, KeyError, TypeError) as exc:
        yield Finding(manifest_path, f"unreadable manifest: {exc}")
        return
    listed = set()
    for entry in entries:
        listed.add(entry["name"])
        yield from verify_file(run / entry["name"], entry["records"], entry["sha256"], read)
    for entry in manifest.get("warcs", []):
        listed.add(entry["name"])
        yield from verify_warc(run / entry["name"], entry["records"], entry["sha256"], read)
    template = manifest.get("template") or {}
    if template.get("file"):
        # A template learned in the run (crawler.templates), beside its records.
        learned = run / str(template["file"])
        if not learned.exists():
            yield Finding(learned, "missing")
        else:
            yield from _digest_finding(learned, str(template.get("sha256")), read)
    for extra in sorted(run.iterdir()):
        if extra.name.endswith(".open"):
            yield Finding(extra, "unfinished file left by an interrupted write", damaged=False)
        elif extra.name.startswith(("articles-", "capture-")) and extra.name not in listed:
            yield Finding(extra, "file not listed in manifest.json")


def _digest_finding(
    path: Path, sha256: str, read: Callable[[int], None] | None
) -> Iterator[Finding]:
    digest = hashlib.sha256()
    with path.open("rb") as stored:
        while chunk := stored.read(_CHUNK):
            digest.update(chunk)
            if read is not None:
                read(len(chunk))
    if digest.hexdigest() != sha256:
        yield Finding(path, f"sha256 {digest.hexdigest()} does not match manifest {sha256}")


def verify_warc(
    path: Path, records: int, sha256: str, read: Callable[[int], None] | None = None
) -> Iterator[Finding]:
    """A WARC file: its digest, and that it reads to its end, record by record."""
    if not path.exists():
        yield Finding(path, "missing")
        return
    yield from _digest_finding(path, sha256, read)
    end, count = complete_length(path)
    if end != path.stat().st_size:
        yield Finding(path, f"WARC records stop at byte {end} of {path.stat().st_size}")
    if count != records:
        yield Finding(path, f"{count} WARC records, manifest says {records}")


def verify_file(
    path: Path, records: int, sha256: str, read: Callable[[int], None] | None = None
) -> Iterator[Finding]:
    if not path.exists():
        yield Finding(path, "missing")
        return
    yield from _digest_finding(path, sha256, read)
    try:
        count = yield from _count_records(path)
    except (OSError, EOFError, zlib.error) as exc:
        yield Finding(path, f"cannot be read: {exc}")
        return
    if count != records:
        yield Finding(path, f"{count} records, manifest says {records}")


def _count_records(path: Path) -> Generator[Finding, None, int]:
    opener = gzip.open if path.name.endswith(".gz") else open
    count = 0
    with opener(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.endswith(b"\n"):
                yield Finding(path, f"line {number} is truncated (no newline)")
            try:
                record = json.loads(line)
            except ValueError:
                yield Finding(path, f"line {number} is not valid JSON")
            else:
                if not isinstance(record, dict):
                    yield Finding(path, f"line {number} is not a JSON object")
            count += 1
    return count
