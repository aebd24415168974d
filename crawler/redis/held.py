"""The pages a worker of a distributed crawl holds for learning, kept in Redis: a worker
killed while it holds pages loses none of them.

Each page held or released is written to the worker's two hashes (``RunKeys.held``,
``RunKeys.held_bodies``) through the state's pipeline, so it reaches Redis with the commit
that carries the worker's counters and requests done: what Redis holds agrees with both (a
page held after the last commit is fetched again, its request not being done). A worker that
takes a dead one's part over (``take_held``) takes its held pages too, with their counts: they
leave the dead worker's counters (its manifest does not count them as dropped) for the
taker's stats, and the taker reads them with its template, or counts them as dropped if it
learns none. A worker restarted with the same id holds its own committed pages again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from crawler.templates.held import HeldPage, HeldPages, Kind

if TYPE_CHECKING:
    from crawler.redis.state import RedisState


class RedisHeldPages(HeldPages):
    """``HeldPages`` of ``state``'s worker, its bodies in a temporary folder for reading and
    in Redis for whoever outlives it."""

    def __init__(self, max_pages: int, state: RedisState) -> None:
        super().__init__(max_pages)
        keys = state.frontier.keys
        self._client = state.client
        self._pipeline = state.pipeline
        self._meta, self._bodies = keys.held(state.worker), keys.held_bodies(state.worker)
        for stored in self._client.hvals(self._meta):
            page = HeldPage.from_dict(json.loads(stored))
            self._pages[page.key] = page

    def hold(
        self,
        url: str,
        kind: Kind,
        status: int,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
        reason: str,
        fields: Sequence[str] = (),
    ) -> HeldPage:
        page = super().hold(url, kind, status, headers, body, reason, fields)
        self._pipeline.hset(self._meta, page.key, json.dumps(page.to_dict()))
        if page.stored:
            self._pipeline.hset(self._bodies, page.key, body)
        return page

    def body(self, page: HeldPage) -> bytes | None:
        kept = super().body(page)
        if kept is not None or not page.stored:
            return kept
        # Held by an earlier process (this worker's, or a dead one's): only Redis has it.
        stored = self._client.hget(self._bodies, page.key)
        return stored if isinstance(stored, bytes) else None

    def release(self, key: str) -> HeldPage | None:
        page = super().release(key)
        if page is not None:
            self._pipeline.hdel(self._meta, key)
            self._pipeline.hdel(self._bodies, key)
        return page

    def close(self, *, keep: bool = False) -> None:
        super().close(keep=keep)
        if not keep:
            self._pipeline.delete(self._meta, self._bodies)


def take_held(state: RedisState, worker: str) -> list[HeldPage]:
    """Move the pages dead ``worker`` held (as of its last commit) to ``state``'s worker, and
    return them."""
    keys = state.frontier.keys
    meta, bodies = keys.held(worker), keys.held_bodies(worker)
    pages = [HeldPage.from_dict(json.loads(v)) for v in state.client.hvals(meta)]
    mine = state.client.pipeline(transaction=True)
    for page in pages:
        mine.hset(keys.held(state.worker), page.key, json.dumps(page.to_dict()))
        body = state.client.hget(bodies, page.key)
        if body is not None:
            mine.hset(keys.held_bodies(state.worker), page.key, body)
    mine.delete(meta, bodies)
    mine.execute()
    return pages
