"""Check archive runs against their manifests: every completed file's sha256 and record count,
and that every line is one JSON object. No Scrapy needed; ``scrapy verify`` wraps it."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def runs_in(path: Path) -> list[Path]:
    """``path`` itself if it is a run folder, else the run folders directly inside it."""
    if (path / MANIFEST_FILE).exists():
        return [path]
    return sorted(child for child in path.iterdir() if child.is_dir())


def verify(path: Path) -> list[Finding]:
    """Every finding for the run folder or archive folder ``path``."""
    if not path.is_dir():
        return [Finding(path, "not a directory")]
    findings: list[Finding] = []
    for run in runs_in(path):
        findings.extend(verify_run(run))
    return findings


def verify_run(run: Path) -> Iterator[Finding]:
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
        yield from verify_file(run / entry["name"], entry["records"], entry["sha256"])
    for entry in manifest.get("warcs", []):
        listed.add(entry["name"])
        yield from verify_warc(run / entry["name"], entry["records"], entry["sha256"])
    template = manifest.get("template") or {}
    if template.get("file"):
        # A template learned in the run (crawler.templates), beside its records.
        learned = run / str(template["file"])
        if not learned.exists():
            yield Finding(learned, "missing")
        else:
            yield from _digest_finding(learned, str(template.get("sha256")))
    for extra in sorted(run.iterdir()):
        if extra.name.endswith(".open"):
            yield Finding(extra, "unfinished file left by an interrupted write", damaged=False)
        elif extra.name.startswith(("articles-", "capture-")) and extra.name not in listed:
            yield Finding(extra, "file not listed in manifest.json")


def _digest_finding(path: Path, sha256: str) -> Iterator[Finding]:
    digest = hashlib.sha256()
    with path.open("rb") as stored:
        while chunk := stored.read(_CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        yield Finding(path, f"sha256 {digest.hexdigest()} does not match manifest {sha256}")


def verify_warc(path: Path, records: int, sha256: str) -> Iterator[Finding]:
    """A WARC file: its digest, and that it reads to its end, record by record."""
    if not path.exists():
        yield Finding(path, "missing")
        return
    yield from _digest_finding(path, sha256)
    end, count = complete_length(path)
    if end != path.stat().st_size:
        yield Finding(path, f"WARC records stop at byte {end} of {path.stat().st_size}")
    if count != records:
        yield Finding(path, f"{count} WARC records, manifest says {records}")


def verify_file(path: Path, records: int, sha256: str) -> Iterator[Finding]:
    if not path.exists():
        yield Finding(path, "missing")
        return
    yield from _digest_finding(path, sha256)
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
