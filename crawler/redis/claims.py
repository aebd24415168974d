"""``Claims`` in Redis, shared by every worker of a run, that remember who won them.

A claim a worker wins is also noted in its claim log (``RunKeys.claims``), in the same script,
so that when it dies the claims of articles it never wrote can be released: a SQLite
transaction rolls them back; Redis has committed them. Whoever takes its part over
(``crawler.redis.takeover``) keeps the claims its folder holds records for and releases the
rest, so each article is still archived once, by whoever fetches it next.

A claim carries a nonce, kept with the last claim the worker won: a claim sent again because
its reply was lost (Redis went away between running it and answering) is still won, where it
would otherwise find itself claimed already, by its own URL, and drop its article.
"""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

from crawler.redis.keys import RunKeys
from crawler.redis.stored import nonce, text

if TYPE_CHECKING:
    from redis import Redis
    from redis.client import Pipeline

#: Tags of the claims a worker wins, in its part's claim log.
URL_CLAIM, CONTENT_CLAIM = b"u", b"c"

_CLAIM = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[3] .. ARGV[1], ARGV[2])
  redis.call('SET', KEYS[3], ARGV[4])
  return false
end
if redis.call('GET', KEYS[3]) == ARGV[4] then return false end
return redis.call('HGET', KEYS[1], ARGV[1])
"""

_RELEASE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
"""


class RedisClaims:
    """``Claims`` in a hash; a claim this worker wins is noted in its claim log under ``tag``."""

    def __init__(self, client: Redis, table: str, log: str, tag: bytes, last: str) -> None:
        self._table = table
        self._log = log
        self._tag = tag
        self._last = last
        self._claim = client.register_script(_CLAIM)

    def claim(self, key: bytes, url: str) -> str | None:
        first = self._claim(
            keys=[self._table, self._log, self._last], args=[key, url, self._tag, nonce()]
        )
        return text(first) if first else None


class RunClaims:
    """The claims the workers of a run make, and their logs: the URL claims are the run's
    (``run.urls``), the content claims every run's (``contents``)."""

    def __init__(self, client: Redis, run: RunKeys, contents: str) -> None:
        self.client = client
        self.run = run
        self.contents = contents
        self._release = client.register_script(_RELEASE)

    def tables(self, worker: str) -> tuple[RedisClaims, RedisClaims]:
        """The URL and content claims, as ``worker`` makes them."""
        log, last = self.run.claims(worker), self.run.last_claim(worker)
        return (
            RedisClaims(self.client, self.run.urls, log, URL_CLAIM, last),
            RedisClaims(self.client, self.contents, log, CONTENT_CLAIM, last),
        )

    def release(self, worker: str, keep: Container[bytes], pipeline: Pipeline) -> int:
        """Release the claims ``worker`` won whose records are not in ``keep`` (tagged
        digests: ``URL_CLAIM + url_key``, ``CONTENT_CLAIM + content_key``), and its log;
        buffered in ``pipeline``. Returns how many are released."""
        log = self.run.claims(worker)
        released = 0
        for tagged, url in self.client.hgetall(log).items():
            if tagged in keep:
                continue
            table = self.run.urls if tagged[:1] == URL_CLAIM else self.contents
            self._release(keys=[table], args=[tagged[1:], url], client=pipeline)
            released += 1
        pipeline.delete(log)
        return released
