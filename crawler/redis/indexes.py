"""The article indexes of the Redis state: what SQLite finds with a ``WHERE``, kept in keys of
its own (``crawler.redis.keys``).

The live articles by key, the live ones and the copies by last check, both by due time, the
removed ones. They are maintained by the script that saves an article (``_SAVE_ARTICLE``): it
reads the stored version, so it drops the old entries whoever wrote it, and no reader sees an
article without its entries. The members are strings whose byte order is the order a read
wants (``_INDEX``); the script that writes them and the reads that parse them are here
together, since that format is theirs alone.

Reads here send what they ask at once: the state (``crawler.redis.state.RedisState``)
commits what it buffered before it reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from random import Random
from typing import TYPE_CHECKING, Any, Final

from crawler.redis.keys import Keys
from crawler.redis.stored import text
from crawler.state import Freshness

if TYPE_CHECKING:
    from redis import Redis
    from redis.client import Pipeline

#: Articles indexed by one script call when a state of schema 1 is brought up to date.
REINDEX_BATCH: Final = 500

# The article indexes (``crawler.redis.keys``) of one stored article, added or removed.
# KEYS: live, checked, copies_checked, due, removed. Members are NUL-separated, so that their
# byte order is the order of their first part, then the next.
_INDEX = """
local SEP = string.char(0)
local function get(a, name)
  local value = a[name]
  if value == cjson.null then return nil end
  return value
end
local function index(key, a, add)
  local function z(k, member)
    if add then redis.call('ZADD', k, 0, member) else redis.call('ZREM', k, member) end
  end
  local removed = get(a, 'removed') == true
  local live = (tonumber(get(a, 'version')) or 0) > 0 and not removed
  local copy = not live and not removed and get(a, 'duplicate_of') ~= nil
  local url = tostring(get(a, 'url') or '')
  local checked = tostring(get(a, 'last_seen') or '') .. SEP .. key .. SEP .. url
  if live then
    z(KEYS[1], key)
    z(KEYS[2], checked)
  elseif copy then
    z(KEYS[3], checked)
  end
  if live or copy then z(KEYS[4], tostring(get(a, 'due_at') or '') .. SEP .. checked) end
  if removed then
    if add then redis.call('HSET', KEYS[5], key, url) else redis.call('HDEL', KEYS[5], key) end
  end
end
"""

# KEYS: the index keys (``_INDEX``), then articles; ARGV: the article's key, its JSON.
_SAVE_ARTICLE = (
    _INDEX
    + """
local key, text = ARGV[1], ARGV[2]
local old = redis.call('HGET', KEYS[6], key)
if old then index(key, cjson.decode(old), false) end
index(key, cjson.decode(text), true)
redis.call('HSET', KEYS[6], key, text)
"""
)

# Index stored articles (a state of schema 1 had none but ``live``): KEYS as ``_SAVE_ARTICLE``;
# ARGV: article keys.
_REINDEX = (
    _INDEX
    + """
for i = 1, #ARGV do
  local text = redis.call('HGET', KEYS[6], ARGV[i])
  if text then index(ARGV[i], cjson.decode(text), true) end
end
"""
)


def _member(found: bytes | str) -> bytes:
    return found.encode("utf-8") if isinstance(found, str) else found


def _last_part(member: bytes) -> str:
    """The URL at the end of an index member (``Keys.checked``, ``Keys.due``)."""
    return member.rpartition(b"\0")[2].decode("utf-8")


class ArticleIndexes:
    """The articles under ``keys`` and their indexes."""

    def __init__(self, client: Redis, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self._save = client.register_script(_SAVE_ARTICLE)
        self._reindex = client.register_script(_REINDEX)

    def _written(self) -> list[str]:
        """The keys ``_SAVE_ARTICLE`` and ``_REINDEX`` write."""
        keys = self.keys
        return [keys.live, keys.checked, keys.copies_checked, keys.due, keys.removed, keys.articles]

    def save(self, key: str, article: str, pipeline: Pipeline) -> None:
        """Store ``article`` (its JSON) under ``key`` and replace its index entries with its
        new ones, from the version stored when the script runs; buffered in ``pipeline``."""
        self._save(keys=self._written(), args=[key, article], client=pipeline)

    def reindex(self) -> None:
        """Index every stored article (a state of schema 1 had no index but ``live``).
        Workers opening it together each do it whole (adding an entry twice changes nothing),
        and one saving an article meanwhile replaces that article's entries as always."""
        batch: list[str] = []
        for key in self.client.hscan_iter(self.keys.articles, count=REINDEX_BATCH):
            batch.append(text(key[0]) or "")
            if len(batch) >= REINDEX_BATCH:
                self._reindex(keys=self._written(), args=batch)
                batch = []
        if batch:
            self._reindex(keys=self._written(), args=batch)

    def live(self, batch: int) -> Iterator[dict[str, Any]]:
        """The live articles as stored (their JSON, parsed), in key order, ``batch`` a read."""
        after = "-"
        while True:
            keys = self.client.zrangebylex(self.keys.live, after, "+", start=0, num=batch)
            if not keys:
                return
            for found in self.client.hmget(self.keys.articles, keys):
                if found is not None:
                    yield json.loads(found)
            after = "(" + (text(keys[-1]) or "")

    def due(self, due_before: str, verified_before: str, limit: int) -> list[str]:
        """Four range reads in one round trip, three of them of members already in the order
        wanted (by last check, then key), so only their first ``limit`` are read: the live
        articles and the copies checked before ``verified_before``, and the unscheduled ones;
        then the scheduled ones due by ``due_before``, all of them. Merged in that order.

        A reply costs about a microsecond a member to parse (redis-py without hiredis): with
        a limit, what is read is about what is returned."""
        keys = self.keys
        page = {"start": 0, "num": limit} if limit > 0 else {}
        below = "(" + verified_before
        reads = self.client.pipeline(transaction=False)
        reads.zrangebylex(keys.checked, "-", below, **page)
        reads.zrangebylex(keys.copies_checked, "-", below, **page)
        # ``Keys.due`` members are ``<due_at>\0<last_seen>\0<key>\0<url>``: the unscheduled
        # ones (``due_at`` empty) sort before ``\x01``, and ``due_at <= due_before`` is below
        # ``due_before\x01``.
        reads.zrangebylex(keys.due, "-", "(\x01", **page)
        reads.zrangebylex(keys.due, "[\x01", f"({due_before}\x01")
        live, copies, unscheduled, scheduled = reads.execute()
        found = {*map(_member, live), *map(_member, copies)}
        found.update(_member(member).partition(b"\0")[2] for member in (*unscheduled, *scheduled))
        ordered = sorted(found)
        if limit > 0:
            del ordered[limit:]
        return [_last_part(member) for member in ordered]

    def sample(self, count: int, seed: int) -> list[str]:
        """Ranks drawn among the live keys in key order, so the same seed draws the same ones
        from the same state; in key order. A small sample reads only its own keys."""
        total = int(self.client.zcard(self.keys.live))
        ranks = sorted(Random(seed).sample(range(total), max(0, min(count, total))))
        if not ranks:
            return []
        if len(ranks) * 4 >= total:
            every = self.client.zrangebylex(self.keys.live, "-", "+")
            chosen = [every[rank] for rank in ranks if rank < len(every)]
        else:
            reads = self.client.pipeline(transaction=False)
            for rank in ranks:
                reads.zrange(self.keys.live, rank, rank)
            chosen = [found[0] for found in reads.execute() if found]
        texts = self.client.hmget(self.keys.articles, chosen)
        return [str(json.loads(found)["url"]) for found in texts if found is not None]

    def live_count(self) -> int:
        return int(self.client.zcard(self.keys.live))

    def freshness(self, verified_before: str) -> Freshness:
        reads = self.client.pipeline(transaction=False)
        reads.zrange(self.keys.checked, 0, 0)
        reads.zlexcount(self.keys.checked, "-", "(" + verified_before)
        first, overdue = reads.execute()
        oldest = first[0].partition(b"\0")[0].decode("utf-8") if first else None
        return Freshness(oldest, int(overdue))

    def removed_urls(self) -> set[str]:
        return {text(url) or "" for url in self.client.hvals(self.keys.removed)}
