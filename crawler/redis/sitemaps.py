"""The sitemaps of the Redis state: each file's validators, and which articles each one lists.

What each sitemap listed when last read is kept both ways: by article (the sitemap that lists
it, and the lastmod it gives), to judge one article, and by sitemap, to replace a sitemap's
entries when it is read whole again and to see which articles it no longer lists. One script
replaces a sitemap's entries on both sides (``_SAVE_SITEMAP_ENTRIES``), so no reader sees the
two disagree, and an article a sitemap lists now leaves the one that listed it before.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from crawler.redis.keys import Keys
from crawler.redis.stored import known, text
from crawler.state import SitemapState

if TYPE_CHECKING:
    from redis import Redis
    from redis.client import Pipeline

# What a sitemap read whole lists replaces what it listed, an article moving from the sitemap
# that listed it before. KEYS[1]: sitemap_entries; ARGV: the sitemaps' key prefix, the sitemap,
# then article key and lastmod (as JSON) pairs.
_SAVE_SITEMAP_ENTRIES = """
local entries, prefix, sitemap = KEYS[1], ARGV[1], ARGV[2]
local listed = prefix .. sitemap
for _, key in ipairs(redis.call('HKEYS', listed)) do redis.call('HDEL', entries, key) end
redis.call('DEL', listed)
local name = cjson.encode(sitemap)
for i = 3, #ARGV, 2 do
  local key, lastmod = ARGV[i], ARGV[i + 1]
  local before = redis.call('HGET', entries, key)
  if before then redis.call('HDEL', prefix .. cjson.decode(before)[1], key) end
  redis.call('HSET', entries, key, '[' .. name .. ',' .. lastmod .. ']')
  redis.call('HSET', listed, key, lastmod)
end
"""

_SITEMAP_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(SitemapState))


class Sitemaps:
    """The sitemaps under ``keys``. Writes are buffered in the ``pipeline`` given; reads are
    sent at once (the state commits what it buffered before it reads)."""

    def __init__(self, client: Redis, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self._save_entries = client.register_script(_SAVE_SITEMAP_ENTRIES)

    def entry(self, key: str) -> tuple[str, str | None] | None:
        found = self.client.hget(self.keys.sitemap_entries, key)
        if found is None:
            return None
        sitemap, lastmod = json.loads(found)
        return str(sitemap), lastmod

    def entries(self, sitemap: str) -> dict[str, str | None]:
        """In key order."""
        found = self.client.hgetall(self.keys.sitemap_listed(sitemap))
        return {text(key) or "": json.loads(found[key]) for key in sorted(found)}

    def save_entries(
        self, sitemap: str, entries: Mapping[str, str | None], pipeline: Pipeline
    ) -> None:
        """One script call, so no reader sees the sitemap half replaced."""
        pairs: list[str] = []
        for key, lastmod in entries.items():
            pairs += [key, json.dumps(lastmod)]
        self._save_entries(
            keys=[self.keys.sitemap_entries],
            args=[self.keys.sitemap_listed_prefix, sitemap, *pairs],
            client=pipeline,
        )

    def get(self, url: str) -> SitemapState | None:
        found = self.client.hget(self.keys.sitemaps, url)
        if found is None:
            return None
        return SitemapState(**known(json.loads(found), _SITEMAP_FIELDS))

    def save(self, sitemap: SitemapState, pipeline: Pipeline) -> None:
        pipeline.hset(self.keys.sitemaps, sitemap.url, json.dumps(dataclasses.asdict(sitemap)))
