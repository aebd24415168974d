"""Headless Chromium (Debian's ``chromium`` package; ``make chromium`` installs it, and
``.ci/run`` calls that) for the tests that look at a page as a browser renders it.

Every run gets a throwaway profile and every network feature Chromium has off, so a page it
opens can fetch nothing but the file (or loopback address) it was given. ``net_log`` writes
Chromium's own log of the requests it made (``--log-net-log``), which ``requested_urls`` reads.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Seconds one Chromium run may take (it takes one or two).
TIMEOUT = 60


def missing() -> tuple[str, bool] | None:
    """Why Chromium cannot run here and whether that may skip a test (only where it cannot
    be installed either), or ``None`` when it is installed."""
    if Path(CHROMIUM).exists():
        return None
    if shutil.which("apt-get") is None:
        return "chromium is not installed and there is no apt-get to install it with", True
    return "chromium is not installed: run `make chromium` (.ci/run does)", False


def _run(page: Path | str, *arguments: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                *arguments,
                page.resolve().as_uri() if isinstance(page, Path) else page,
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )


def _logging(net_log: Path | None) -> tuple[str, ...]:
    return () if net_log is None else (f"--log-net-log={net_log.resolve()}",)


def dump_dom(page: Path | str, *, net_log: Path | None = None) -> str:
    """The page (a file, or a URL) 's DOM once it has loaded (scripts, had any run, included),
    serialised."""
    return _run(page, "--dump-dom", *_logging(net_log)).stdout


def screenshot(
    page: Path | str,
    target: Path,
    *,
    width: int = 1280,
    height: int = 4000,
    net_log: Path | None = None,
) -> Path:
    """A PNG of the page in a ``width`` x ``height`` window, written to ``target``."""
    _run(
        page,
        f"--screenshot={target.resolve()}",
        f"--window-size={width},{height}",
        *_logging(net_log),
    )
    if not target.exists():
        raise AssertionError(f"chromium wrote no screenshot to {target}")
    return target


def page_requests(net_log: Path, site: str) -> set[str]:
    """Every URL a Chromium run requested for a page of ``site`` (``http://127.0.0.1``), from
    its ``--log-net-log`` file: the page itself and all it loaded, wherever from. Chromium's
    own services (updates, its clock, accounts), which the switches above do not all stop,
    are keyed to no page (their network isolation key's top-frame site is another)."""
    log = json.loads(net_log.read_text("utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    found = set()
    for event in log["events"]:
        params = event.get("params", {})
        if event["type"] != start or "url" not in params:
            continue
        top_frame_site = str(params.get("network_isolation_key", "")).split(" ")[0]
        if top_frame_site == site:
            found.add(str(params["url"]))
    return found
