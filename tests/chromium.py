"""Headless Chromium (Debian's ``chromium`` package; ``make chromium`` installs it, and
``.ci/run`` calls that) for the tests that look at a page as a browser renders it.

Every run gets a throwaway profile and every network feature Chromium has off, so a page it
opens can fetch nothing but the file it was given.
"""

from __future__ import annotations

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


def _run(page: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
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
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )


def dump_dom(page: Path) -> str:
    """The page's DOM once it has loaded (scripts, had any run, included), serialised."""
    return _run(page, "--dump-dom").stdout


def screenshot(page: Path, target: Path, *, width: int = 1280, height: int = 4000) -> Path:
    """A PNG of the page in a ``width`` x ``height`` window, written to ``target``."""
    _run(page, f"--screenshot={target.resolve()}", f"--window-size={width},{height}")
    if not target.exists():
        raise AssertionError(f"chromium wrote no screenshot to {target}")
    return target
