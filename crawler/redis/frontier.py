"""``Frontier`` in Redis, shared by every worker of a run, with each worker's requests in flight
kept apart so that a dead worker's can be queued again.

A request is queued under a *ticket*, a number from the run's counter: the queue is a sorted
set of tickets, the serialised requests a hash by ticket. Taking a request moves its ticket,
in one Lua script, from the queue to the hash of the worker's requests in flight; ``done``
deletes it from there once the engine has finished with it. Nothing a worker takes is ever
only in its memory: if it dies, its tickets are still in its hash, and ``requeue`` puts them
back in the queue with the score they had.

Every step that must not be split by a kill is one Lua script: adding a fingerprint to the
seen set and queueing its request (scrapy-redis does the two in separate round trips, so a
worker killed between them leaves a request seen and never queued); taking a ticket into
flight; queueing a dead worker's tickets again. A take sent again after its reply was lost
(``crawler.redis.outage``) returns the ticket the first one took (``stored.nonce``), which
would otherwise sit in the worker's requests in flight with no request in its process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from crawler.cache import BoundedCache
from crawler.redis.keys import RunKeys
from crawler.redis.stored import nonce, text
from crawler.state import Queued

if TYPE_CHECKING:
    from redis import Redis
    from redis.client import Pipeline

#: Score = -(priority * 2**40) - ticket: highest priority first, then the last queued first
#: (Scrapy's own order, and the SQLite frontier's). Exact in a double while priorities stay
#: within +-4095 and tickets below 2**40.
PRIORITY_SHIFT: Final = 1 << 40
MAX_PRIORITY: Final = 4095
#: Fingerprints remembered in memory as known, so the links every page repeats cost no round
#: trip. Bounded; the set in Redis stays the authority.
KNOWN_CACHE_SIZE: Final = 16_384
#: Listed articles checked per round trip by ``unaccounted``.
UNACCOUNTED_BATCH: Final = 1000

_ADD = """
if ARGV[2] == '0' then
  if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return false end
else
  redis.call('SADD', KEYS[1], ARGV[1])
end
local ticket = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], ticket, ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[4], ticket, ARGV[5]) end
local score = -tonumber(ARGV[3]) * 1099511627776 - ticket
redis.call('ZADD', KEYS[5], string.format('%.0f', score), ticket)
return ticket
"""

# KEYS[6] and ARGV[1]: the nonce of this take, kept with the ticket it took.
_TAKE = """
local last = redis.call('HMGET', KEYS[6], 'nonce', 'ticket')
if last[1] == ARGV[1] then return {last[2], redis.call('HGET', KEYS[2], last[2])} end
while true do
  local popped = redis.call('ZPOPMIN', KEYS[1])
  if #popped == 0 then return false end
  local ticket, score = popped[1], popped[2]
  local key = redis.call('HGET', KEYS[3], ticket)
  local bound = key and redis.call('HGET', KEYS[4], key)
  if bound and tonumber(ticket) <= tonumber(bound) then
    redis.call('HDEL', KEYS[2], ticket)
    redis.call('HDEL', KEYS[3], ticket)
  else
    redis.call('HSET', KEYS[5], ticket, score)
    redis.call('HSET', KEYS[6], 'nonce', ARGV[1], 'ticket', ticket)
    return {ticket, redis.call('HGET', KEYS[2], ticket)}
  end
end
"""

# Only a ticket still in this worker's hash is deleted: if the worker was taken for dead and
# its tickets queued again, the entry now belongs to the queue.
_DONE = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  local key = redis.call('HGET', KEYS[3], ARGV[1])
  if key then
    redis.call('SADD', KEYS[4], key)
    redis.call('HDEL', KEYS[3], ARGV[1])
  end
end
"""

_DONE_KEY = """
redis.call('HSET', KEYS[1], ARGV[1], redis.call('GET', KEYS[2]) or 0)
redis.call('SADD', KEYS[3], ARGV[1])
"""

_REQUEUE = """
local taken = redis.call('HGETALL', KEYS[1])
for i = 1, #taken, 2 do redis.call('ZADD', KEYS[2], taken[i + 1], taken[i]) end
redis.call('DEL', KEYS[1])
return #taken / 2
"""


def pack(fingerprint: bytes, data: bytes) -> bytes:
    """An entry: the fingerprint's length, the fingerprint, the request.

    >>> unpack(pack(b"fp", b"request"))
    (b'fp', b'request')
    """
    return bytes([len(fingerprint)]) + fingerprint + data


def unpack(entry: bytes) -> tuple[bytes, bytes]:
    size = entry[0]
    return entry[1 : 1 + size], entry[1 + size :]


class RedisFrontier:
    """``crawler.state.Frontier`` on a run's keys in Redis, as seen by ``worker``.

    ``done`` is buffered in ``pipeline`` (sent with the state's next commit): a kill loses
    only the marks, and the requests they close are fetched again, as with the SQLite state.
    ``add`` serialises a request unless its fingerprint is known here: one that another worker
    queued first costs its serialising (``known`` asks Redis first, for callers that would
    rather spend a round trip).
    """

    def __init__(self, client: Redis, keys: RunKeys, worker: str, pipeline: Pipeline) -> None:
        self._client = client
        self.keys = keys
        self.worker = worker
        self._pipeline = pipeline
        self._add = client.register_script(_ADD)
        self._take = client.register_script(_TAKE)
        self._done = client.register_script(_DONE)
        self._done_key = client.register_script(_DONE_KEY)
        self._requeue = client.register_script(_REQUEUE)
        self._known: BoundedCache[bytes, None] = BoundedCache(KNOWN_CACHE_SIZE)

    def _remember(self, fingerprint: bytes) -> None:
        self._known.put(fingerprint, None)

    def known(self, fingerprint: bytes) -> bool:
        """Whether the run has seen ``fingerprint`` (read only)."""
        if fingerprint in self._known:
            return True
        # redis-py takes bytes here too; its hint names only str.
        if self._client.sismember(self.keys.seen, fingerprint):  # type: ignore[arg-type]
            self._remember(fingerprint)
            return True
        return False

    def add(
        self,
        fingerprint: bytes,
        priority: int,
        entry: Callable[[], tuple[str | None, bytes]],
        *,
        force: bool,
    ) -> int | None:
        if not force and fingerprint in self._known:
            return None
        key, data = entry()
        priority = max(-MAX_PRIORITY, min(MAX_PRIORITY, priority))
        keys = self.keys
        ticket = self._add(
            keys=[keys.seen, keys.seq, keys.entries, keys.page_keys, keys.queue],
            args=[fingerprint, int(force), priority, pack(fingerprint, data), key or ""],
        )
        self._remember(fingerprint)
        return None if ticket is None else int(ticket)

    def pop(self) -> Queued | None:
        keys = self.keys
        taken = self._take(
            keys=[
                keys.queue,
                keys.entries,
                keys.page_keys,
                keys.done_keys,
                keys.in_flight(self.worker),
                keys.last_taken(self.worker),
            ],
            args=[nonce()],
        )
        if not taken:
            return None
        ticket, entry = taken
        fingerprint, data = unpack(entry)
        return Queued(fingerprint, int(ticket), data)

    def done(self, fingerprint: bytes, ticket: int) -> None:
        keys = self.keys
        self._done(
            keys=[keys.in_flight(self.worker), keys.entries, keys.page_keys, keys.finished],
            args=[ticket],
            client=self._pipeline,
        )

    def done_key(self, key: str) -> None:
        # Tickets are given in order: those queued so far for the page are skipped when taken
        # (or queued again from a dead worker); a later request for it is not.
        self._done_key(keys=[self.keys.done_keys, self.keys.seq, self.keys.finished], args=[key])

    def requeue_in_flight(self) -> int:
        """This worker's own requests left in flight by its previous process."""
        return self.requeue(self.worker)

    def requeue(self, worker: str) -> int:
        """Queue again the requests ``worker`` had in flight; return how many."""
        moved = self._requeue(keys=[self.keys.in_flight(worker), self.keys.queue])
        return int(moved)

    def pending(self) -> int:
        return int(self._client.zcard(self.keys.queue))

    def unaccounted(self, articles: str) -> list[str]:
        """``CrawlState.unaccounted``: the run's listed page keys neither finished here nor
        in the state's hash ``articles``, in key order."""
        listed = sorted(text(key) or "" for key in self._client.smembers(self.keys.listed))
        found: list[str] = []
        for start in range(0, len(listed), UNACCOUNTED_BATCH):
            batch = listed[start : start + UNACCOUNTED_BATCH]
            finished = self._client.smismember(self.keys.finished, batch)
            reads = self._client.pipeline(transaction=False)
            for key in batch:
                reads.hexists(articles, key)
            archived = reads.execute()
            found += [
                key
                for key, done, known in zip(batch, finished, archived, strict=True)
                if not done and not known
            ]
        return found

    def in_flight(self, worker: str | None = None) -> int:
        """Requests ``worker`` (this one by default) has taken and not finished."""
        return int(self._client.hlen(self.keys.in_flight(worker or self.worker)))
