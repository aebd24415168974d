"""One process per worker id at a time: the Redis state's counterpart of the SQLite state's
lock (``crawler.state.lock``).

No lock, a heartbeat: workers on several machines share no file to ``flock``, so a worker
holds ``<prefix>:worker:<id>``, a random token with a time to live that it refreshes while it
runs. A key nobody refreshes expires, however its process died: an expired key is a dead
worker (``crawler.redis.workers``), and its id is free again for the next process. The token
tells this process's key from a later holder's, so a worker taken for dead neither refreshes
nor deletes the key of the process that has its id now.

A key can also expire under a live worker: Redis away longer than the timeout (a Redis
restarted from its AOF drops the keys whose time passed meanwhile), or a process stalled. Its
heartbeat then takes the key again, unless another process holds the id or a worker is taking
its part of the run over, or took it (``watch``): a worker is dead once another begins taking
it over (``crawler.redis.workers.Workers.lock_part``, which only begins while the key is
absent), not merely when its key expires.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from crawler.redis.keys import Keys
from crawler.redis.stored import text
from crawler.state.lock import StateBusy

if TYPE_CHECKING:
    from redis import Redis

# KEYS[2], KEYS[3] (once the worker is bound to a run): its part, and the lock a worker
# taking the part over holds.
_REFRESH = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if held then return 0 end
if KEYS[2] and (redis.call('HGET', KEYS[2], 'status') ~= 'active'
    or redis.call('EXISTS', KEYS[3]) == 1) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS[1] the lock, KEYS[2] the worker's heartbeat, KEYS[3] the outage mark; ARGV[1] the taker
# and a nonce (this very call sent again holds it), ARGV[2] milliseconds, ARGV[3] '1' for the
# taker's own part. Taken only while the worker's heartbeat is absent, atomically with the
# heartbeat's own check: a worker renewing an expired heartbeat and one beginning to take it
# over cannot both succeed.
TAKEOVER_LOCK = """
local held = redis.call('GET', KEYS[1])
if held then
  if held == ARGV[1] then return 1 end
  return 0
end
if ARGV[3] ~= '1' and redis.call('EXISTS', KEYS[2], KEYS[3]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""


class Heartbeat:
    """Worker ``worker``'s hold of its id among the workers of the state under ``keys``.

    ``acquire`` takes it (refused while another live process holds it); the caller refreshes
    it with ``beat`` more often than ``timeout``; ``release`` gives it up.
    """

    def __init__(self, client: Redis, keys: Keys, worker: str) -> None:
        self.client = client
        self.keys = keys
        self.worker = worker
        self._token = secrets.token_hex(12)
        self._held = False
        self._part: list[str] = []
        self._refresh = client.register_script(_REFRESH)
        self._release = client.register_script(_RELEASE)

    def acquire(self, timeout: float, *, wait: float | None = None) -> None:
        """Hold this worker's id for ``timeout`` seconds (then ``beat``). A key left by a
        killed process of the same id expires within ``timeout``: it is waited for (``wait``
        seconds, by default ``timeout`` and a second); a key still refreshed then belongs to a
        live worker, and the id is refused."""
        key = self.keys.worker(self.worker)
        deadline = time.monotonic() + (timeout + 1.0 if wait is None else wait)
        while not self.client.set(key, self._token, nx=True, px=int(timeout * 1000)):
            if text(self.client.get(key)) == self._token:
                break  # this very SET, sent again after its reply was lost
            if time.monotonic() >= deadline:
                raise StateBusy(
                    f"worker id {self.worker!r} is in use by a live worker of "
                    f"{self.keys.prefix}; give this one another REDIS_WORKER_ID"
                )
            time.sleep(0.1)
        self._held = True

    @property
    def held(self) -> bool:
        return self._held

    def watch(self, part: str, takeover: str) -> None:
        """The worker's part of the run it joined, and the lock of whoever takes it over: a
        key that expired is taken again only while the part is its worker's."""
        self._part = [part, takeover]

    def beat(self, timeout: float) -> bool:
        """Keep the worker id for ``timeout`` more seconds (taking it again if it expired and
        no one took the worker's part over); ``False`` if it was lost (the worker was taken
        for dead: it must stop)."""
        if not self._held:
            return False
        kept = bool(
            self._refresh(
                keys=[self.keys.worker(self.worker), *self._part],
                args=[self._token, int(timeout * 1000)],
            )
        )
        self._held = kept
        return kept

    def release(self) -> None:
        if self._held:
            self._release(keys=[self.keys.worker(self.worker)], args=[self._token])
            self._held = False
