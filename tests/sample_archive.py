"""A real archive of the bundled sample site: two ``scrapy crawl site`` runs on one state
folder, the second after some articles changed and some were removed.

Built once per test session (``two_run_archive``) and shared by the reader's end-to-end test
and the data card's test. The site is a copy of ``data/sample_site`` served on 127.0.0.1
under its public origin; between the runs, ``CHANGED`` articles get one more paragraph and
``REMOVED`` articles' pages are deleted (they answer 404). The first run writes plain shards
of 100 records, the second gzip shards, so the archive mixes both.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sample_site.expected import DEFAULT_ROOT, site_summary
from sample_site.server import SampleSite

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_ORIGIN = "https://articles.example"
POST_BODY = b'<div class="post-body">'
ADDED = b"<p>A paragraph added for the second run.</p>"


@dataclass(frozen=True)
class TwoRuns:
    archive: Path
    changed: tuple[str, ...]
    removed: tuple[str, ...]


def _ordinary_ids() -> list[str]:
    """Archived ids that are not republished pairs, flaky or legacy-charset pages, and whose
    page has one ``div.post-body``: safe to edit or delete."""
    summary = site_summary()
    special = {i for pair in summary["duplicates"] for i in pair}
    special |= set(summary["flaky_ids"]) | set(summary["windows_1252_ids"])
    pages = DEFAULT_ROOT / "site" / "article"
    return [
        article_id
        for article_id in sorted(summary["archived_ids"])
        if article_id not in special
        and (pages / f"{article_id}.html").read_bytes().count(POST_BODY) == 1
    ]


def _crawl(site: SampleSite, archive: Path, state: Path, log: Path, **settings: str) -> None:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    base = {
        "ARCHIVE_DIR": str(archive),
        "STATE_DIR": str(state),
        "AUTOTHROTTLE_ENABLED": "False",
        "LOG_FILE": str(log),
        **settings,
    }
    for name, value in base.items():
        command += ["-s", f"{name}={value}"]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]


def _build(folder: Path) -> TwoRuns:
    site_root = folder / "site-copy"
    shutil.copytree(DEFAULT_ROOT / "site", site_root / "site")
    archive, state = folder / "archive", folder / "state"
    ordinary = _ordinary_ids()
    changed, removed = tuple(ordinary[:5]), tuple(ordinary[-3:])
    with SampleSite(site_root, public_origin=PUBLIC_ORIGIN) as site:
        _crawl(site, archive, state, folder / "crawl-1.log", ARCHIVE_SHARD_ITEMS="100")
        port = site.port
    pages = site_root / "site" / "article"
    for article_id in changed:
        page = pages / f"{article_id}.html"
        page.write_bytes(page.read_bytes().replace(POST_BODY, POST_BODY + ADDED))
    for article_id in removed:
        (pages / f"{article_id}.html").unlink()
    # The same port: the second run is the same site to the crawl state, as with cron.
    with SampleSite(site_root, port=port, public_origin=PUBLIC_ORIGIN) as site:
        # The bundled site's sitemap has no lastmod: the second run checks every article
        # (a bound on staleness of 0), as a run a week later would check them all.
        _crawl(
            site,
            archive,
            state,
            folder / "crawl-2.log",
            ARCHIVE_GZIP="True",
            REVISIT_MAX_AGE_DAYS="0",
            REVISIT_MAX_AGE_DAYS_TRUSTED="0",
        )
    return TwoRuns(archive, changed, removed)


def two_run_archive(factory: pytest.TempPathFactory) -> TwoRuns:
    """The archive, built on the first call of the session and found on disk afterwards."""
    folder = factory.getbasetemp() / "two-run-archive"
    done = folder / "built.json"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        built = _build(folder)
        done.write_text(json.dumps({"changed": built.changed, "removed": built.removed}))
    ids = json.loads(done.read_text())
    return TwoRuns(folder / "archive", tuple(ids["changed"]), tuple(ids["removed"]))
