"""A crawl state rebuilt from the archive, the source of truth (``scrapy state rebuild``).

Every run folder of the archive is read in run order (reparse folders left out: they repeat
a run with today's extraction and were never crawled), and its records are entered into a
new state as a resume enters a killed run's (``crawler.state.reconcile``): each article's
latest version, its content digests and the validators its page answered with (from the
run's WARC captures), first and last seen, the articles found removed, the content claims of
deduplication. A finished run's manifest gives its row in the runs (spider, arguments, times,
field coverage, for the drift alarms), the last one the trust in the site's lastmod; the
site binding comes from the records' origin and the captures' target URIs; the categories
from the latest run that wrote any. A run without a manifest (killed, and never resumed)
gives its published shards too: the archive holds them, so the state must know them, or the
next crawl would write them again.

What the archive does not hold the next run learns again, at the cost of a few requests:
what the sitemaps listed and their validators (every sitemap is read in full once), when
each listing page is next swept (every listing page is fetched once), the pages known only
as copies of another (fetched once, found duplicates again by their content claim), and the
checks that found an article unchanged (a 304 writes nothing: see ``_schedule``).

The new state is built in a folder of its own inside the state folder, under the folder's
lock (no crawl can use it meanwhile), then put in place by a rename, the old file kept
beside it: at every instant ``state.sqlite`` is the old state or the new one.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.archive.atomic import fsync_dir
from crawler.archive.manifest import MANIFEST_FILE
from crawler.archive.reader import ARTICLE, REMOVED, StoredRun, run_folders
from crawler.archive.recover import run_records
from crawler.archive.warc import read_record
from crawler.coverage import Coverage
from crawler.items import Category
from crawler.revisit import TRUST_META, RevisitSettings, Trust, first_due, from_iso, to_iso
from crawler.state import StateError
from crawler.state.lock import LOCK_FILE, StateBusy, StateLock
from crawler.state.reconcile import reconcile
from crawler.state.site import Site, write_site
from crawler.state.sqlite import SQLiteState
from crawler.state.sqlite_schema import DB_FILE, StateDamaged, check_state_file
from crawler.urls import origin_of, path_key

#: Folders a reparse writes (``crawler.reparse``): not crawls, left out.
REPARSE_PREFIX = "reparse-"
#: The folder a rebuild builds the new state in, inside the state folder.
BUILD_PREFIX = ".rebuild-"


class RebuildError(StateError):
    """The archive cannot give a state: it holds no run, or the runs of several sites."""


@dataclass(frozen=True, slots=True)
class ArchiveSite:
    """The runs of an archive, and the one site they crawled."""

    runs: tuple[StoredRun, ...]
    #: The origin the records name (``None``: no record names one).
    public_origin: str | None
    #: The origin the latest captured page was fetched from (a mirror's, for a mirror).
    fetch_origin: str | None

    @property
    def site(self) -> Site | None:
        """The state's site binding: with no capture to say where pages were fetched from, a
        crawl from a mirror is welcome once it has said it serves the public site."""
        if self.public_origin is None:
            return None
        return Site(self.fetch_origin, self.public_origin)


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild made: live articles, removed ones, runs read, and where the file it
    replaced was put (``None``: there was none)."""

    articles: int
    removed: int
    runs: int
    aside: Path | None


def crawled_runs(archive_dir: Path) -> tuple[StoredRun, ...]:
    """The run folders of ``archive_dir`` that crawls wrote, in run order."""
    return tuple(
        run for run in run_folders(archive_dir) if not run.path.name.startswith(REPARSE_PREFIX)
    )


def archive_site(archive_dir: Path) -> ArchiveSite:
    """The runs of ``archive_dir`` and their site; ``RebuildError`` for no run or several
    sites, ``OSError`` / ``ValueError`` for a folder that cannot be read."""
    runs = crawled_runs(archive_dir)
    if not runs:
        raise RebuildError(f"{archive_dir} holds no run to rebuild the state from")
    origins: set[str] = set()
    capture: tuple[Path, Mapping[str, Any]] | None = None
    latest: StoredRun | None = None
    for run in runs:
        for record in run_records(list(run.shards)):
            if record.get("type") not in (ARTICLE, REMOVED) or not record.get("url"):
                continue
            origins.add(origin_of(str(record["url"])))
            latest = run
            if isinstance(record.get("warc"), Mapping):
                capture = (run.path, record["warc"])
    if len(origins) > 1:
        raise RebuildError(
            f"{archive_dir} holds the records of {len(origins)} sites "
            f"({', '.join(sorted(origins))}); a state belongs to one site: rebuild it from "
            "an archive folder of that site's runs"
        )
    fetched = _fetched_from(capture) or _started_from(latest)
    return ArchiveSite(runs, next(iter(origins), None), fetched)


def _fetched_from(capture: tuple[Path, Mapping[str, Any]] | None) -> str | None:
    """The origin of the URL a captured page was fetched from."""
    if capture is None:
        return None
    try:
        target = read_record(*capture).rec_headers.get_header("WARC-Target-URI")
    except (OSError, ValueError, KeyError):
        return None
    return origin_of(str(target)) if target else None


def _started_from(run: StoredRun | None) -> str | None:
    """The origin of the URL a run was started at (a run without captures: ``WARC_ENABLED``
    off)."""
    manifest = _manifest(run) if run is not None else None
    arguments = (manifest or {}).get("arguments") or {}
    start = arguments.get("start_url") or arguments.get("url")
    return origin_of(str(start)) if start else None


def _manifest(run: StoredRun) -> dict[str, Any] | None:
    if not run.finished:
        return None
    manifest: dict[str, Any] = json.loads((run.path / MANIFEST_FILE).read_bytes())
    return manifest


def _categories(runs: tuple[StoredRun, ...]) -> list[Category]:
    """The category records of the latest run that wrote any."""
    for run in reversed(runs):
        if run.categories is not None and run.category_records:
            lines = run.categories.read_bytes().splitlines()
            records = [json.loads(line) for line in lines if line.strip()]
            return [
                Category(name=str(r["name"]), url=str(r["url"]), articles=list(r["articles"]))
                for r in records
            ]
    return []


@dataclass(slots=True)
class _Revisits:
    """What the finished runs' manifests say of the revisit policy, the last one winning."""

    #: The trust in the site's lastmod it left.
    trust: Trust = field(default_factory=Trust)
    #: The oldest last check of an archived article at its end: each was checked since.
    verified_since: str | None = None

    def read(self, manifest: Mapping[str, Any]) -> None:
        if manifest.get("lastmod"):
            self.trust = Trust.loads(json.dumps(manifest["lastmod"]))
        freshness = manifest.get("freshness") or {}
        if freshness.get("oldest_verified"):
            self.verified_since = str(freshness["oldest_verified"])


def _enter_runs(state: SQLiteState, runs: tuple[StoredRun, ...], now: datetime) -> _Revisits:
    """Enter every run's records, in order; return what the finished ones said of revisits."""
    revisits = _Revisits()
    for folder in runs:
        records: Iterator[dict[str, Any]] = run_records(list(folder.shards))
        manifest = _manifest(folder)
        if manifest is None:
            # Killed and never resumed: its records, but no run to resume (its frontier and
            # arguments are lost), as when a crawl gives up an unfinished run.
            reconcile(state, records, now, folder.path)
            continue
        run, _ = state.begin_run(
            str(manifest["spider"]),
            {str(k): str(v) for k, v in (manifest.get("arguments") or {}).items()},
            from_iso(str(manifest["started_at"])),
        )
        run.run_dir = str(folder.path)
        reconcile(state, records, now, folder.path)
        coverage = manifest.get("coverage") or {"pages": 0, "fields": {}}
        finished = manifest.get("finished_at") or manifest["started_at"]
        state.finish_run(run, Coverage.from_dict(coverage), from_iso(str(finished)))
        revisits.read(manifest)
    return revisits


def _schedule(state: SQLiteState, revisits: _Revisits, settings: RevisitSettings) -> None:
    """Give every archived article the schedule a check at the last time the archive proves
    it was checked gives.

    The archive proves two checks of an article: the fetch that wrote its latest version
    (its ``fetched_at``), and, for the articles archived when the last finished run ended,
    a check since the oldest last check that run's manifest reports (``freshness``). Checks
    after those that found it unchanged wrote nothing and are lost with the state. Counting
    them as made anyway (the article checked on schedule every bound since) would let an
    article go unchecked past the bound the revisit policy promises; so its last check is the
    later of the two, and it is due, as after a first crawl, at a point within the bound its
    key puts it. A state rebuilt soon after a run, or after a run that checked every article,
    asks for (nearly) nothing, its checks spread over the bound as before. Where the last run
    left articles unchecked for most of the bound, those come due together, a bound after the
    oldest check: one conditional request each, a 304 on an unchanged site
    (``REVISIT_BUDGET`` spreads them over runs where a site cannot take them in one).

    The sitemap lastmod each article was checked with is not archived. Left unknown, every
    article a sitemap lists with a lastmod would look newer and be asked for on the next run.
    A day before its ``fetched_at`` stands in for it: the page fetched then was at least as
    new as any lastmod the site gave before it, so a lastmod after that is news and one
    before is not; the day's margin keeps a date-only lastmod, or a site clock a little
    behind, on the side of asking. Only on a site known to give lastmods: on one without,
    an article found changed would read as a lastmod that lied.
    """
    trust = revisits.trust
    bound = settings.bound(trust.trusted)
    since = from_iso(revisits.verified_since) if revisits.verified_since else None
    for url in list(state.live_article_urls()):
        article = state.article(path_key(url))
        assert article is not None
        fetched = from_iso(article.last_seen)
        checked = max(fetched, since) if since is not None else fetched
        article.last_seen = to_iso(checked)
        article.due_at, article.interval = first_due(article.key, checked, bound)
        if trust.state != "unknown":
            article.lastmod = to_iso(fetched - timedelta(days=1))
        state.save_article(article)


def _fill(state: SQLiteState, site: ArchiveSite, settings: RevisitSettings, now: datetime) -> None:
    revisits = _enter_runs(state, site.runs, now)
    _schedule(state, revisits, settings)
    if revisits.trust.state != "unknown":
        state.set_meta(TRUST_META, revisits.trust.dumps())
    if site.site is not None:
        write_site(state, site.site)
    state.save_categories(_categories(site.runs))
    state.commit()


def _aside_name(folder: Path, damaged: bool, now: datetime) -> Path:
    base = f"{DB_FILE}.{'damaged' if damaged else 'replaced'}-{now:%Y%m%dT%H%M%SZ}"
    candidate, attempt = folder / base, 1
    while candidate.exists():
        attempt += 1
        candidate = folder / f"{base}-{attempt}"
    return candidate


def _replace(folder: Path, built: Path, now: datetime) -> Path | None:
    """Put ``built`` in place of the folder's state file; return where the old one went."""
    current = folder / DB_FILE
    aside = None
    if current.exists():
        try:
            check_state_file(folder)
            damaged = False
        except StateDamaged:
            damaged = True
        aside = _aside_name(folder, damaged, now)
        # Its write-ahead log and index go with it, under the names SQLite looks for beside
        # the file kept: a log left here would be read into the new state.
        for suffix in ("-wal", "-shm"):
            companion = folder / f"{DB_FILE}{suffix}"
            if companion.exists():
                companion.rename(folder / f"{aside.name}{suffix}")
        try:
            # A second name for the old file, then the new one over the first: no instant
            # without a state.sqlite (a kill between two renames would leave none, and the
            # next crawl would start over).
            os.link(current, aside)
        except OSError:
            current.rename(aside)
    built.replace(current)
    fsync_dir(folder)
    return aside


def _finish_file(path: Path) -> None:
    """Fold the write-ahead log into ``path`` and flush it: the file alone is the state."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = DELETE")
    finally:
        db.close()
    with path.open("rb") as stored:
        os.fsync(stored.fileno())


def rebuild(site: ArchiveSite, folder: Path, settings: RevisitSettings, now: datetime) -> Rebuilt:
    """Rebuild the state in ``folder`` from ``site``'s runs; ``StateBusy`` if a crawl holds
    the folder."""
    lock = StateLock(folder)
    try:
        lock.acquire()
    except StateBusy:
        holder = (folder / LOCK_FILE).read_text(encoding="utf-8", errors="replace").strip()
        raise StateBusy(
            f"STATE_DIR {str(folder)!r} is in use by a crawl ({holder or 'another process'}); "
            "rebuild it once the crawl has finished"
        ) from None
    try:
        return _rebuild(site, folder, settings, now)
    finally:
        lock.release()


def _rebuild(site: ArchiveSite, folder: Path, settings: RevisitSettings, now: datetime) -> Rebuilt:
    for stale in folder.glob(f"{BUILD_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)  # a rebuild killed before its rename
    build = Path(tempfile.mkdtemp(prefix=BUILD_PREFIX, dir=folder))
    try:
        state = SQLiteState(build)
        try:
            _fill(state, site, settings, now)
            articles, removed = state.live_article_count(), len(state.removed_urls())
        finally:
            state.close()
        _finish_file(build / DB_FILE)
        (build / LOCK_FILE).unlink()
        aside = _replace(folder, build / DB_FILE, now)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return Rebuilt(articles, removed, len(site.runs), aside)
