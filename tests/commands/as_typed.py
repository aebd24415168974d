"""Commands run as a user types them: ``scrapy ...`` from a project folder of their own, which
holds the project's ``scrapy.cfg`` as a checkout does, so that ``ARCHIVE_DIR``'s default
(``data/archive``) and every relative path are below it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The virtualenv's ``scrapy`` script, as the user's shell finds it once it is active.
SCRAPY = Path(sys.executable).parent / "scrapy"


def project_folder(folder: Path) -> Path:
    """``folder`` made a project folder: the checkout's ``scrapy.cfg`` copied into it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "scrapy.cfg", folder / "scrapy.cfg")
    return folder


def environment() -> dict[str, str]:
    """The user's environment with the virtualenv active, and this checkout's code first (the
    virtualenv's editable install may be another checkout's)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SCRAPY")}
    env["PATH"] = f"{SCRAPY.parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def scrapy(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``scrapy *args`` typed in ``cwd``: its exit status, stdout and stderr."""
    return subprocess.run(
        [str(SCRAPY), *args],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
