"""The archive's captures as a pywb collection, for ``scrapy replay`` to serve on 127.0.0.1.

pywb runs from its own virtualenv (``make pywb`` builds ``.venv-pywb``): it pins a redis-py
the crawler's Redis backend cannot share. The collection lives in ``<archive>/.replay/``, a
dot-folder the archive's rules leave alone (``crawler.archive.folders``), and is derived: each
start links the runs' WARC files into it again (never copied, never written to) and has
``wb-manager`` index them. No Scrapy needed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crawler.archive.folders import Archive, run_name_of
from crawler.archive.manifest import MANIFEST_FILE
from crawler.archive.warc import completed_warcs

#: The one collection, and the folder beside the run folders that holds it.
COLLECTION = "archive"
REPLAY_FOLDER = ".replay"
#: Where ``make pywb`` puts pywb's programs, in the checkout this package is imported from.
CHECKOUT_PYWB = Path(__file__).resolve().parents[2] / ".venv-pywb" / "bin"
#: Seconds ``wb-manager`` may take to index the collection.
INDEX_TIMEOUT = 600
#: pywb's ``config.yaml``, in its working folder. Frameless replay: the page itself at its
#: address, pywb's banner inside it (a framed replay puts the page in an iframe of pywb's own
#: page). No live web and no recording, as pywb's defaults.
CONFIG = "# scrapy replay (crawler/archive/replay.py)\nframed_replay: false\n"


class ReplayError(RuntimeError):
    """The collection cannot be made or served; the message says why in one line."""


def pywb_programs(setting: str) -> Path:
    """The folder of pywb's ``wb-manager`` and ``wayback``: ``REPLAY_PYWB_BIN`` when set, else
    the checkout's ``.venv-pywb/bin``, else where ``wayback`` is on the PATH."""
    candidates = [Path(setting)] if setting else [CHECKOUT_PYWB]
    if not setting and (found := shutil.which("wayback")) is not None:
        candidates.append(Path(found).parent)
    for folder in candidates:
        if (folder / "wayback").exists() and (folder / "wb-manager").exists():
            return folder
    where = f"REPLAY_PYWB_BIN={setting}" if setting else f"{CHECKOUT_PYWB} or the PATH"
    raise ReplayError(
        f"pywb's wayback and wb-manager are not in {where}: run `make pywb`, "
        "or set REPLAY_PYWB_BIN to the folder that holds them"
    )


@dataclass(frozen=True, slots=True)
class Collection:
    """A pywb collection of an archive's runs, ready to serve."""

    #: pywb's working folder (``wayback -d``).
    root: Path
    runs: int
    warcs: int
    #: The latest run's start page and start second (``YYYYMMDDhhmmss``), to open first.
    start_url: str | None
    timestamp: str | None

    def url(self, port: int) -> str:
        """The address to open: the latest run's start page as it was then, else the
        collection."""
        base = f"http://127.0.0.1:{port}/{COLLECTION}/"
        if self.start_url is None or self.timestamp is None:
            return base
        return f"{base}{self.timestamp}/{self.start_url}"


def replay_root(archive: Archive) -> Path:
    """Where an archive's collection lives: beside its run folders (beside the one run folder
    given instead of an archive), so that no run folder is ever written to."""
    return (archive.path.parent if archive.single else archive.path) / REPLAY_FOLDER


def build_collection(archive: Archive, programs: Path) -> Collection:
    """Link the completed WARC files of the archive's crawl runs into its collection and index
    them (reparse folders hold their source's files, so they are left out)."""
    runs = list(archive.runs)
    root = replay_root(archive)
    collection = root / "collections" / COLLECTION
    if not collection.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        _manage(programs, root, "init", COLLECTION)
    (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
    warcs = collection / "archive"
    for stale in warcs.iterdir():
        stale.unlink()
    linked = 0
    for run in runs:
        for warc in completed_warcs(run):
            (warcs / f"{run.name}-{warc.name}").symlink_to(warc.resolve())
            linked += 1
    if not linked:
        raise ReplayError(f"no WARC files in {archive.path}: nothing to replay")
    _manage(programs, root, "reindex", COLLECTION)
    start_url, timestamp = _start(runs)
    return Collection(root, len(runs), linked, start_url, timestamp)


def _manage(programs: Path, root: Path, *arguments: str) -> None:
    done = subprocess.run(
        [str(programs / "wb-manager"), *arguments],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=INDEX_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise ReplayError(f"wb-manager {arguments[0]} failed ({done.returncode}): {said}")


def _start(runs: Sequence[Path]) -> tuple[str | None, str | None]:
    """The latest finished run's start URL, and the second it started."""
    for run in reversed(runs):
        try:
            manifest = json.loads((run / MANIFEST_FILE).read_bytes())
        except (OSError, ValueError):
            continue
        start_url = (manifest.get("arguments") or {}).get("start_url")
        name = run_name_of(run)
        if start_url and name is not None:
            return str(start_url), name.stamp.replace("T", "").removesuffix("Z")
    return None, None


def wayback_command(collection: Collection, programs: Path, port: int) -> list[str]:
    """pywb's server of the collection, on 127.0.0.1 only: no live web, no recording."""
    return [
        str(programs / "wayback"),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(collection.root),
    ]
