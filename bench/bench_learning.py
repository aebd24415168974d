"""What learning a template costs: the run after a redesign, against a run that re-downloads
every article with no drift.

On a 600-article site, after one first crawl (its state and archive copied for each run):

- no drift: the class-renaming redesign (every page new bytes, every record the same, nothing
  to learn), with ``TEMPLATE_LEARNING`` on and off: learning must cost a run with no drift
  nothing (a ratio of about 1);
- drift: a structural redesign (``sample_site.designs``, ``grid``): the run learns a template
  and reads every article page again with it. What it adds to the no-drift run is the cost of
  learning (the issue's bound: 10 s on 600 articles).

    python bench/bench_learning.py [--articles 600]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, Crawl, run_pinned

from sample_site.large import LargeSite

#: The issue's bound on what learning adds to a 600-article run.
BOUND_SECONDS = 10.0


def _crawl(site: LargeSite, folder: Path, *settings: str) -> tuple[Crawl, dict[str, object]]:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    given = [
        "AUTOTHROTTLE_ENABLED=False",
        "LOG_LEVEL=WARNING",
        f"ARCHIVE_DIR={folder / 'archive'}",
        f"STATE_DIR={folder / 'state'}",
        *settings,
    ]
    for setting in given:
        command += ["-s", setting]
    folder.mkdir(parents=True, exist_ok=True)
    before = _run_dirs(folder / "archive")
    crawl = run_pinned(command, ROOT, log=folder / f"crawl-{len(before)}.log")
    [run_dir] = sorted(_run_dirs(folder / "archive") - before)
    manifest: dict[str, object] = json.loads((run_dir / "manifest.json").read_bytes())
    return crawl, manifest


def _run_dirs(archive: Path) -> set[Path]:
    """Run folders only: the search index (index.sqlite) sits beside them."""
    return {path for path in archive.iterdir() if path.is_dir()} if archive.exists() else set()


def _copy(first: Path, to: Path) -> Path:
    shutil.copytree(first / "state", to / "state")
    shutil.copytree(first / "archive", to / "archive")
    return to


def measure(articles: int, say: Callable[[str], None] = lambda line: None) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-learning-") as tmp, LargeSite(articles) as site:
        work = Path(tmp)
        say(f"  first crawl of {articles} articles")
        first, _ = _crawl(site, work / "first")
        site.set_redesign(True)
        say("  no drift, learning on")
        on, _ = _crawl(site, _copy(work / "first", work / "on"))
        say("  no drift, learning off")
        off, _ = _crawl(site, _copy(work / "first", work / "off"), "TEMPLATE_LEARNING=False")
        site.set_redesign(False)
        site.set_structure("grid")
        say("  structural redesign: learning")
        learned, manifest = _crawl(site, _copy(work / "first", work / "learned"))
    counts = manifest["counts"]
    assert isinstance(counts, dict)
    added = learned.wall_seconds - on.wall_seconds
    verdict = "within" if added <= BOUND_SECONDS else "OVER"
    rows = [
        ("no drift (class renaming), learning on", on),
        ("no drift (class renaming), learning off", off),
        ("structural redesign, template learned", learned),
    ]
    return [
        f"{articles} articles; one crawl each (the first crawl: {first.wall_seconds:.1f} s)",
        "",
        "| run | wall s | CPU s | exit |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {name} | {run.wall_seconds:.1f} | {run.cpu_seconds:.1f} | {run.returncode} |"
            for name, run in rows
        ),
        "",
        f"- no drift pays for learning: {on.wall_seconds / off.wall_seconds:.2f}x the wall time "
        f"of the run with learning off (CPU {on.cpu_seconds / off.cpu_seconds:.2f}x)",
        f"- learning adds {added:.1f} s to the run ({verdict} the {BOUND_SECONDS:.0f} s bound); "
        f"the learned run: {counts['articles']}, dropped {counts['dropped']}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, default=600)
    args = parser.parse_args(argv)
    print("\n".join(measure(args.articles, lambda line: print(line, file=sys.stderr))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
