"""``make demo``: serve the bundled sample site on loopback, crawl it, summarise the archive.

Runs the real command line (``scrapy crawl site``) in a subprocess, exactly as a user would,
from the current folder (the project folder under ``make``): the archive is its
``data/archive``, the state ``data/state``, so the commands it names at the end work there as
printed. The site is served as a mirror of ``https://articles.example`` with the default state
folder, so running the demo again is an incremental run: the site has not changed, and the
second archive holds no article record.

The sample site is built with traps (pages that answer 404, pages that are not articles,
republished copies): the crawl warns about each, and the demo says beforehand that those
warnings are expected, and afterwards whether the run's failures were those traps only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sample_site.expected import DEFAULT_ROOT, site_summary

SAMPLE_SITE = DEFAULT_ROOT
ARCHIVE_DIR = Path("data", "archive")
PUBLIC_ORIGIN = "https://articles.example"
#: One state folder per site, named as the crawl names the site's own folders: the sample
#: site is served on a new port each time, as a mirror of its public origin.
STATE_DIR = Path("data", "state", "articles.example")
#: Pages every page's footer links to that the site does not have (they answer 404).
FOOTER_404 = ("about.php", "privacy.php", "contact.php")
#: What to try next, each with what it shows; every one runs as printed, from this folder
#: (tests/sample_site/test_demo.py runs them).
NEXT_COMMANDS: tuple[tuple[str, str], ...] = (
    ("scrapy report", "the archive's runs and categories"),
    ("scrapy verify data/archive", "each file against its run's manifest"),
    ("scrapy export data/archive --format csv --out articles.csv", "latest versions, as CSV"),
    # `scrapy search` goes here once it exists (issue 14: the search index); not before,
    # since a command the demo names must work as printed.
)


def start_server() -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m sample_site`` on a free port; return it and its base URL."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sample_site",
            "--root",
            str(SAMPLE_SITE),
            "--port",
            "0",
            "--public-origin",
            PUBLIC_ORIGIN,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline().strip()
    if not line.startswith("serving "):
        server.kill()
        raise SystemExit(f"sample site server did not start: {line!r}")
    return server, line.removeprefix("serving ")


def crawl(start_url: str) -> int:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={start_url}"]
    command += ["-s", f"ARCHIVE_DIR={ARCHIVE_DIR}", "-s", f"STATE_DIR={STATE_DIR}"]
    # A local copy needs no pacing; against a real site AutoThrottle stays on, and BOT_CONTACT
    # names the archivist the site's operators can reach.
    command += ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"]
    command += ["-s", "BOT_CONTACT=mailto:archivist@localhost"]
    return subprocess.run(command, env=env, check=False).returncode


def traps(site: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """The failures the sample site is built to cause, as a run's manifest counts them: the
    most a crawl of it should report."""
    variants = site["variants"]
    return {
        "pages_failed": {"404": len(site["not_found_ids"]) + len(FOOTER_404)},
        "dropped": {
            "missing_title": len(variants["no-title"]),
            "missing_body": len(variants["no-body"]),
        },
        "duplicates": {"url": 0, "content": len(site["duplicates"])},
    }


def forewarning(site: Mapping[str, Any]) -> str:
    variants = site["variants"]
    return (
        "The sample site has broken pages on purpose, to show what the crawler does with "
        f"them: {len(site['not_found_ids'])} retired articles and {len(FOOTER_404)} footer "
        f"links ({', '.join(FOOTER_404)}) answer 404, {len(variants['no-title'])} pages have "
        f"no title and {len(variants['no-body'])} no body (not articles), "
        f"{len(site['duplicates'])} articles are republished under a second id. The crawl "
        "warns about each and counts it in its summary: those warnings are expected."
    )


def unexpected(counts: Mapping[str, Any], expected: Mapping[str, Mapping[str, int]]) -> list[str]:
    """The run's failures beyond the sample site's traps, one ``kind cause: n`` each."""
    return [
        f"{kind} {cause}: {n}"
        for kind, limits in expected.items()
        for cause, n in counts.get(kind, {}).items()
        if int(n) > limits.get(cause, 0)
    ]


def summary(run_dir: Path, seconds: float) -> list[str]:
    manifest: dict[str, Any] = json.loads((run_dir / "manifest.json").read_text("utf-8"))
    counts = manifest["counts"]
    lines = [
        f"archive: {run_dir}",
        f"  crawl took {seconds:.1f} s, finish reason: {manifest['finish_reason']}",
        f"  articles written:   {counts['articles_written']}",
        "  articles:           "
        + ", ".join(f"{n} {outcome}" for outcome, n in counts["articles"].items()),
        f"  categories written: {counts['categories_written']}",
        f"  duplicates dropped: {counts['duplicates']}",
        f"  items dropped:      {counts['dropped'] or 'none'}",
        f"  pages failed:       {counts['pages_failed'] or 'none'}",
        "  requests:           "
        + ", ".join(f"{n} {purpose}" for purpose, n in manifest["requests"].items() if n),
    ]
    lines += [
        f"  {s['name']}: {s['records']} records, sha256 {s['sha256']}" for s in manifest["shards"]
    ]
    beyond = unexpected(counts, traps(site_summary(SAMPLE_SITE)))
    if beyond:
        lines.append(f"warning: failures beyond the sample site's traps: {'; '.join(beyond)}")
    elif counts["pages_failed"] or counts["dropped"]:
        lines.append("  every page that failed and item dropped was one of the site's traps")
    return lines


def next_steps() -> list[str]:
    width = max(len(command) for command, _what in NEXT_COMMANDS)
    return [
        "next, from this folder, with the virtualenv active (. .venv/bin/activate):",
        *(f"  {command.ljust(width)}  # {what}" for command, what in NEXT_COMMANDS),
    ]


def main() -> int:
    before = set(ARCHIVE_DIR.iterdir()) if ARCHIVE_DIR.exists() else set()
    print(forewarning(site_summary(SAMPLE_SITE)), flush=True)
    server, base_url = start_server()
    print(f"sample site at {base_url}; crawling it...", flush=True)
    started = time.monotonic()
    try:
        status = crawl(base_url)
    finally:
        server.terminate()
        server.wait(timeout=10)
    elapsed = time.monotonic() - started
    new_runs = sorted(set(ARCHIVE_DIR.iterdir()) - before) if ARCHIVE_DIR.exists() else []
    if status != 0 or not new_runs or not (new_runs[-1] / "manifest.json").exists():
        print(f"crawl failed (exit {status})", file=sys.stderr)
        return status or 1
    print("\n".join(summary(new_runs[-1], elapsed)))
    print(f"state: {STATE_DIR} (run make demo again for an incremental run)")
    print("\n".join(next_steps()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
