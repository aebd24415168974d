"""What a worker does with the part of a run a dead worker left: its folder and its requests.

A worker killed at any instant leaves, as a killed single crawl does, an ``.open`` shard and
WARC file whose complete records are all a resume needs (``crawler.archive.recover``). It
also leaves what the SQLite state would have rolled back and Redis has not: the claims it won
for articles it never wrote, and the requests it had taken. Taking its part over, in this
order:

1. publish the complete records of its open files and enter every record of its folder into
   the state (``crawler.state.reconcile``: article states, claims, pages done);
2. release the claims it won whose records are not in its folder, so the articles they name
   can be archived by whoever fetches them next;
3. queue its requests in flight again (its pages recovered in step 1 are skipped);
4. finish its folder: the run's categories if it was the worker meant to write them (else an
   empty file) and a manifest whose counts come from its shards and its last saved counters,
   so ``scrapy verify`` checks the folder like any other; and settle its part as lost.

Steps 1 and 2 need the folder: a worker whose folder the taker cannot see (another machine,
without a shared archive) only has its requests queued again, its claims kept (so nothing is
archived twice; an article it claimed and never wrote is archived by the next run), and its
folder noted as an orphan, recovered by the first worker that can see it.

This worker's own part, left by its previous process (same ``REDIS_WORKER_ID``), goes
through steps 1-3 and carries on in the same folder. No Scrapy needed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.archive.manifest import Counts, Manifest
from crawler.archive.runfolder import RunFolder
from crawler.coverage import Coverage
from crawler.digests import content_key, url_key
from crawler.extensions.holding import taken_from
from crawler.outcomes import recounted
from crawler.redis.claims import CONTENT_CLAIM, URL_CLAIM
from crawler.redis.held import take_held
from crawler.redis.state import RedisState
from crawler.redis.workers import FINISHED, LOST, Part
from crawler.state.categories import run_categories
from crawler.state.reconcile import reconcile
from crawler.templates.held import HeldPage

logger = logging.getLogger(__name__)

#: How long a taker holds a part (a takeover reads the dead worker's shards once).
LOCK_SECONDS = 300.0
#: Records entered between two heartbeats of the taker.
TICK_EVERY = 200

#: Finish reason in the manifest of a folder whose worker died (rather than stopped).
LOST_REASON = "worker_lost"

#: What a taker does with the pages a dead worker held for learning.
Adopt = Callable[[list[HeldPage]], object]


@dataclass(frozen=True, slots=True)
class FolderSettings:
    """What a taken-over folder's manifest says of the archive settings."""

    shard_items: int
    gzip: bool


def claim_keys(record: Mapping[str, Any]) -> list[bytes]:
    """The tagged claims an archived article record stands for (``RedisState.release_claims``).

    >>> [key[:1] for key in claim_keys({"type": "article", "url": "https://a/1", "title": "T"})]
    [b'u', b'c']
    >>> claim_keys({"type": "removed", "url": "https://a/1"})
    []
    """
    if record.get("type") != "article":
        return []
    url = str(record.get("url") or "")
    digest = content_key(str(record.get("title") or ""), str(record.get("body") or ""))
    return [URL_CLAIM + url_key(url), CONTENT_CLAIM + digest]


def _visible(run_dir: str | None) -> RunFolder | None:
    """The folder ``run_dir`` resumed (its open files recovered), if this machine sees it."""
    return RunFolder.resume(Path(run_dir)) if run_dir and Path(run_dir).is_dir() else None


def enter_folder(
    state: RedisState, folder: RunFolder, now: datetime, tick: Callable[[], object]
) -> tuple[Counter[str], set[bytes]]:
    """Step 1: enter every record of ``folder`` (resumed: its open files recovered) into
    ``state``; return the outcomes its records hold and the claims they stand for."""
    if folder.recovered:
        logger.info("Recovered the complete records of %s", ", ".join(map(str, folder.recovered)))
    keep: set[bytes] = set()

    def records() -> Iterator[dict[str, Any]]:
        for number, record in enumerate(folder.records(), start=1):
            keep.update(claim_keys(record))
            if number % TICK_EVERY == 0:
                tick()
            yield record

    counts = reconcile(state, records(), now, folder.path)
    state.commit()
    return counts, keep


def resume_own(
    state: RedisState, folder: RunFolder | None, now: datetime, tick: Callable[[], object]
) -> Counter[str]:
    """Steps 1-3 for this worker's own part, left by its previous process (``folder``, if it
    had one and it is still there); returns the outcomes its folder holds."""
    counts: Counter[str] = Counter()
    keep: set[bytes] = set()
    if folder is not None:
        counts, keep = enter_folder(state, folder, now, tick)
    released = state.release_claims(state.worker, keep)
    requeued = state.frontier.requeue_in_flight()
    logger.info(
        "Resumed this worker's part: %d requests queued again, %d claims released",
        requeued,
        released,
    )
    return counts


def take_over(
    state: RedisState,
    part: Part,
    now: datetime,
    settings: FolderSettings,
    tick: Callable[[], object] = lambda: None,
    adopt: Adopt | None = None,
) -> bool:
    """Take over ``part``, a dead worker's part of ``state``'s run (all four steps, or what
    its folder's visibility allows). Returns ``False`` if another worker is taking it over.
    ``adopt``: the taker holds pages for learning, and takes those the dead worker held
    (``crawler.redis.held``) if its folder is visible here."""
    if not state.workers.lock_part(part.run_id, part.worker, LOCK_SECONDS):
        return False
    try:
        _take_over(state, part, now, settings, tick, adopt)
    finally:
        state.workers.unlock_part(part.run_id, part.worker)
    return True


def _take_over(
    state: RedisState,
    part: Part,
    now: datetime,
    settings: FolderSettings,
    tick: Callable[[], object],
    adopt: Adopt | None,
) -> None:
    folder = _visible(part.run_dir)
    assert state.run_id == part.run_id
    if folder is not None and folder.finished:
        # Killed after writing its manifest, before settling: its part is complete.
        enter_folder(state, folder, now, tick)
        state.frontier.requeue(part.worker)
        state.workers.settle(part.run_id, part.worker, FINISHED, folder.coverage(), "finished", now)
        return
    if folder is None:
        requeued = state.frontier.requeue(part.worker)
        if part.run_dir:
            state.workers.add_orphan(part.run_id, part.worker, part.run_dir)
        logger.warning(
            "Worker %s died; its folder %s is not visible here: %d of its requests queued "
            "again, its claims kept (an article it was writing may wait for the next run)",
            part.worker,
            part.run_dir,
            requeued,
        )
        state.workers.settle(part.run_id, part.worker, LOST, None, LOST_REASON, now)
        return
    counts, keep = enter_folder(state, folder, now, tick)
    released = state.release_claims(part.worker, keep)
    requeued = state.frontier.requeue(part.worker)
    held = take_held(state, part.worker) if adopt is not None else []
    for page in held:
        # Counted by the taker from now on, and read by it if it can.
        taken_from(part.counters, page)
    if adopt is not None:
        adopt(held)
    coverage = finish_folder(state, part, folder, counts, now, settings)
    logger.warning(
        "Took over worker %s (died): %d records in %s, %d requests queued again, %d claims "
        "released, %d held pages taken",
        part.worker,
        sum(counts.values()),
        folder,
        requeued,
        released,
        len(held),
    )
    state.workers.settle(part.run_id, part.worker, LOST, coverage, part.reason or LOST_REASON, now)


def finish_folder(
    state: RedisState,
    part: Part,
    folder: RunFolder,
    counts: Counter[str],
    now: datetime,
    settings: FolderSettings,
) -> Coverage:
    """Step 4: the categories file and the manifest of a taken-over folder; returns the
    coverage of its pages (from its last saved counters)."""
    info = state.run_info(part.run_id)
    assert info is not None
    # The folder is exact; the counters may lag behind what it wrote after its last commit.
    stats = recounted(part.counters, counts)
    if state.workers.categories_writer(part.run_id) == part.worker:
        merged = run_categories(state)
        categories = folder.write_categories(merged)
        state.save_categories(merged)
    else:
        categories = folder.write_categories(())
    coverage = Coverage.from_stats(stats)
    folder.finish(
        Manifest(
            spider=info.spider,
            arguments=info.arguments,
            started_at=info.started_at,
            finished_at=now,
            finish_reason=part.reason or LOST_REASON,
            counts=Counts.from_stats(stats, categories.records),
            settings={"ARCHIVE_SHARD_ITEMS": settings.shard_items, "ARCHIVE_GZIP": settings.gzip},
            coverage=coverage,
            resumed_at=part.resumes,
        )
    )
    return coverage


def recover_orphans(
    state: RedisState, now: datetime, settings: FolderSettings, tick: Callable[[], object]
) -> int:
    """Take over the folders of lost workers that no worker could see before and this one
    can; return how many."""
    recovered = 0
    for run_dir, (run_id, worker) in state.workers.orphans().items():
        folder = _visible(run_dir)
        if folder is None:
            continue
        view = state.view(run_id)
        part = state.workers.part(run_id, worker)
        if part is not None and not folder.finished:
            counts, _keep = enter_folder(view, folder, now, tick)
            finish_folder(view, part, folder, counts, now, settings)
            logger.warning("Recovered the folder %s of lost worker %s", folder.path, worker)
        state.workers.clear_run(run_id)
        state.workers.drop_orphan(run_dir)
        recovered += 1
    if recovered:
        state.forget_articles()
    return recovered
