"""``make demo``: serve the bundled sample site on loopback, crawl it, summarise the archive.

Runs the real command line (``scrapy crawl site``) in a subprocess, exactly as a user would.
The site is served as a mirror of ``https://articles.example`` and crawled with the default
state folder (``data/state``), so running the demo again is an incremental run: the site has
not changed, and the second archive holds no article record.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SITE = ROOT / "data" / "sample_site"
ARCHIVE_DIR = ROOT / "data" / "archive"
PUBLIC_ORIGIN = "https://articles.example"
#: One state folder per site, named as the crawl names the site's own folders: the sample
#: site is served on a new port each time, as a mirror of its public origin.
STATE_DIR = ROOT / "data" / "state" / "articles.example"


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
        cwd=ROOT,
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
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def summary(run_dir: Path, seconds: float) -> str:
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
    return "\n".join(lines)


def main() -> int:
    before = set(ARCHIVE_DIR.iterdir()) if ARCHIVE_DIR.exists() else set()
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
    print(summary(new_runs[-1], elapsed))
    print(f"state: {STATE_DIR} (run make demo again for an incremental run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
