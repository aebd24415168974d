"""``CrawlState`` in Redis: one site's state shared by every worker of a distributed crawl.

The same data as the SQLite state (``crawler.state.sqlite``), under one key prefix
(``crawler.redis.keys``): articles, content claims, sitemaps, listing schedules, the last
category records and runs for good; per run the frontier, the URL claims and the listing
pages. What differs is that several processes use it at once, each one a *worker* with an id:

- **No lock, a heartbeat.** A worker holds ``<prefix>:worker:<id>``, a token with a time to
  live it refreshes while it runs. A key that expired is a dead worker.
- **A run has parts.** The first worker begins a run; later ones with the same spider and
  arguments join it. Each worker's share of it (its run folder, its counters, its process's
  resumes) is its *part*; ``Run.run_dir``, ``Run.counters`` and ``Run.resumes`` are this
  worker's part. A run is done when its queue is empty, no worker has a request in flight and
  none is still going through its start requests; finished when every part is settled
  (its worker wrote its manifest, or another worker took it over).
- **Claims remember who won them.** A claim a worker wins is also noted in its part, so that
  when it dies, the claims of articles it never wrote can be released (a SQLite transaction
  rolls them back; Redis has committed them).
- **Commits are pipelines.** Writes that only need to be durable against a kill as much as
  the SQLite state's commits are (article states, sitemaps and their entries, listing pages
  and schedules, category records, site values, requests done, the part's counters) are
  buffered and sent at ``commit``; claims and the queue, which other workers read at once, are
  not. A read of what the buffer may hold commits it first.
- **Indexes instead of queries.** What SQLite finds with a ``WHERE`` is kept in keys of its
  own, maintained by the script that saves an article (``_SAVE_ARTICLE``: it reads the stored
  version, so it drops the old entries whoever wrote it): the live articles by key, the live
  ones and the copies by last check, both by due time, the removed ones.

Nothing here depends on Scrapy. Lua scripts make the steps other workers must not see
half-done atomic; they name keys from ``crawler.redis.keys`` patterns, which is fine on one
Redis server and not meant for Redis Cluster.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from random import Random
from typing import TYPE_CHECKING, Any, Final

from crawler.coverage import Coverage
from crawler.items import Category, CategoryPage
from crawler.redis.frontier import RedisFrontier
from crawler.redis.keys import Keys, RunKeys
from crawler.state import ArticleState, Freshness, Run, SitemapState, StateError
from crawler.state.lock import StateBusy

if TYPE_CHECKING:
    from redis import Redis

#: Bumped when the keys change in a way an older state cannot be read with; an older state is
#: brought up to date when opened (``RedisState._migrate``).
SCHEMA_VERSION: Final = 2
ARTICLE_CACHE_SIZE: Final = 512
#: Articles indexed by one script call when a state of schema 1 is brought up to date.
REINDEX_BATCH: Final = 500

#: A run's status: workers work on it, its work is complete (workers are closing), every part
#: is settled, or a crawl with other arguments gave it up.
ACTIVE, DONE, FINISHED, GIVEN_UP = "active", "done", "finished", "given_up"
#: A part's status: its worker works on it (or stopped, or died, until someone takes it over),
#: it wrote its manifest, or another worker took it over.
LOST = "lost"
#: Tags of the claims a worker wins, in its part's claim log.
URL_CLAIM, CONTENT_CLAIM = b"u", b"c"

_CLAIM = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[3] .. ARGV[1], ARGV[2])
  return false
end
return redis.call('HGET', KEYS[1], ARGV[1])
"""

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

# A hash replaced whole: KEYS[1]; ARGV: field and value pairs.
_REPLACE_HASH = """
redis.call('DEL', KEYS[1])
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
"""

_RELEASE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
"""

_BEGIN = """
local prefix, worker = ARGV[1], ARGV[5]
local function join(id)
  local base = prefix .. ':run:' .. id
  local part = base .. ':part:' .. worker
  local resumed = 0
  if redis.call('HGET', part, 'status') == 'active' then
    resumed = 1
  else
    redis.call('DEL', part)
    redis.call('HSET', part, 'status', 'active', 'resumes', '[]', 'counters', '{}')
  end
  redis.call('SADD', base .. ':parts', worker)
  redis.call('SADD', base .. ':starting', worker)
  return resumed
end
local given_up = ''
local current = redis.call('GET', KEYS[1])
if current then
  local info = prefix .. ':run:' .. current
  if redis.call('HGET', info, 'status') == 'active' then
    if redis.call('HGET', info, 'spider') == ARGV[2]
        and redis.call('HGET', info, 'arguments') == ARGV[3] then
      return {'joined', current, join(current), ''}
    end
    for _, w in ipairs(redis.call('SMEMBERS', info .. ':parts')) do
      if w ~= worker and redis.call('EXISTS', prefix .. ':worker:' .. w) == 1 then
        return {'busy', current, 0, w}
      end
    end
    redis.call('HSET', info, 'status', 'given_up', 'finished_at', ARGV[4])
    given_up = current
  end
end
local id = tostring(redis.call('INCR', KEYS[3]))
redis.call('HSET', prefix .. ':run:' .. id, 'spider', ARGV[2], 'arguments', ARGV[3],
  'started_at', ARGV[4], 'status', 'active')
redis.call('SET', KEYS[1], id)
redis.call('RPUSH', KEYS[2], id)
return {'new', id, join(id), given_up}
"""

_CHECK_DONE = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'active' then return {status or 'gone', ''} end
if redis.call('ZCARD', KEYS[4]) > 0 then return {'busy', ''} end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HGET', ARGV[1] .. ':part:' .. w, 'status') == 'active' then
    if w ~= ARGV[3] and redis.call('EXISTS', ARGV[2] .. ':worker:' .. w) == 0 then
      return {'dead', w}
    end
    if redis.call('HLEN', ARGV[1] .. ':inflight:' .. w) > 0 then return {'busy', w} end
    if redis.call('SISMEMBER', KEYS[3], w) == 1 then return {'busy', w} end
  end
end
redis.call('HSET', KEYS[1], 'status', 'done')
return {'done', ''}
"""

# ARGV[2] empty: no part to settle, only whether the run is complete.
_SETTLE = """
if ARGV[2] ~= '' then
  local part = ARGV[1] .. ':part:' .. ARGV[2]
  if redis.call('HGET', part, 'status') ~= 'active' then return -1 end
  redis.call('HSET', part, 'status', ARGV[3], 'coverage', ARGV[4], 'reason', ARGV[5])
end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'done' and status ~= 'given_up' then return 0 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HGET', ARGV[1] .. ':part:' .. w, 'status') == 'active' then return 0 end
end
if status == 'done' then
  redis.call('HSET', KEYS[1], 'status', 'finished', 'finished_at', ARGV[6])
end
return 1
"""

# A part another worker has settled (taken this one for dead) is not written to any more.
_UPDATE_PART = """
if redis.call('HGET', KEYS[1], 'status') == 'active' then
  redis.call('HSET', KEYS[1], unpack(ARGV))
end
"""

_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

_RELEASE_WORKER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""

_FORGET_CURRENT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else value


_ARTICLE_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(ArticleState))
_SITEMAP_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(SitemapState))


def _known(data: dict[str, Any], names: frozenset[str]) -> dict[str, Any]:
    """``data`` less the names a newer version may have added."""
    return {name: value for name, value in data.items() if name in names}


def _article(text: bytes | str) -> ArticleState:
    """An article as stored; fields added since it was written take their defaults."""
    return ArticleState(**_known(json.loads(text), _ARTICLE_FIELDS))


def _listing(url: str, page: int) -> str:
    """The field of a listing page in ``Keys.listings``."""
    return json.dumps([url, page])


def _member(found: bytes | str) -> bytes:
    return found.encode("utf-8") if isinstance(found, str) else found


def _last_part(member: bytes) -> str:
    """The URL at the end of an index member (``Keys.checked``, ``Keys.due``)."""
    return member.rpartition(b"\0")[2].decode("utf-8")


def merge_coverage(parts: list[Coverage]) -> Coverage:
    """One run's coverage from its parts': pages add up, shares are weighted by pages.

    >>> merge_coverage([Coverage(3, {"title": 1.0}), Coverage(1, {"title": 0.0})])
    Coverage(pages=4, fields={'title': 0.75})
    """
    pages = sum(part.pages for part in parts)
    names = sorted({name for part in parts for name in part.fields})
    return Coverage(
        pages,
        {
            name: round(sum(p.fields.get(name, 0.0) * p.pages for p in parts) / pages, 4)
            if pages
            else 0.0
            for name in names
        },
    )


@dataclass(slots=True, kw_only=True)
class Part:
    """One worker's share of a run."""

    run_id: int
    worker: str
    status: str = ACTIVE
    run_dir: str | None = None
    resumes: list[datetime] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    coverage: Coverage | None = None
    #: Why its process last stopped (Scrapy's finish reason), if it stopped rather than died.
    reason: str | None = None


class RedisClaims:
    """``Claims`` in a hash; a claim this worker wins is noted in its claim log under ``tag``."""

    def __init__(self, client: Redis, table: str, log: str, tag: bytes) -> None:
        self._table = table
        self._log = log
        self._tag = tag
        self._claim = client.register_script(_CLAIM)

    def claim(self, key: bytes, url: str) -> str | None:
        first = self._claim(keys=[self._table, self._log], args=[key, url, self._tag])
        return _text(first) if first else None


class RedisState:
    """``CrawlState`` under ``prefix`` in Redis, as worker ``worker`` uses it.

    ``acquire`` takes the worker id (refused while another live process holds it); the
    caller refreshes it with ``heartbeat`` more often than ``timeout``. ``begin_run`` joins the
    current run or begins one; until then the run's parts (``frontier``, ``run_urls``) are not
    there.
    """

    def __init__(self, client: Redis, prefix: str, worker: str) -> None:
        self.client = client
        self.keys = Keys(prefix)
        self.worker = worker
        self._token = secrets.token_hex(12)
        self._held = False
        self._pipeline = client.pipeline(transaction=False)
        self._articles: dict[str, ArticleState | None] = {}
        self.run_keys: RunKeys | None = None
        self.run_id: int | None = None
        self._frontier: RedisFrontier | None = None
        self._run_urls: RedisClaims | None = None
        self._contents: RedisClaims | None = None
        self._begin = client.register_script(_BEGIN)
        self._check_done = client.register_script(_CHECK_DONE)
        self._settle = client.register_script(_SETTLE)
        self._update_part = client.register_script(_UPDATE_PART)
        self._refresh = client.register_script(_REFRESH)
        self._release_worker = client.register_script(_RELEASE_WORKER)
        self._release = client.register_script(_RELEASE)
        self._forget_current = client.register_script(_FORGET_CURRENT)
        self._save_article = client.register_script(_SAVE_ARTICLE)
        self._reindex = client.register_script(_REINDEX)
        self._save_sitemap_entries = client.register_script(_SAVE_SITEMAP_ENTRIES)
        self._replace_hash = client.register_script(_REPLACE_HASH)
        self._check_schema()

    def _check_schema(self) -> None:
        found = self.client.get(self.keys.schema)
        if found is None:
            self.client.set(self.keys.schema, SCHEMA_VERSION, nx=True)
        elif int(found) > SCHEMA_VERSION:
            raise StateError(
                f"the Redis keys {self.keys.prefix}:* were written by another, newer version of "
                f"the crawler (schema {int(found)}, this one reads {SCHEMA_VERSION}); use "
                "another REDIS_KEY_PREFIX"
            )
        elif int(found) < SCHEMA_VERSION:
            self._migrate()

    def _migrate(self) -> None:
        """Bring a state of schema 1 up to date: index its articles (``_INDEX``). Workers
        opening it together each do it whole (adding an entry twice changes nothing), and one
        saving an article meanwhile replaces that article's entries as always."""
        batch: list[str] = []
        for key in self.client.hscan_iter(self.keys.articles, count=REINDEX_BATCH):
            batch.append(_text(key[0]) or "")
            if len(batch) >= REINDEX_BATCH:
                self._reindex(keys=self._article_keys(), args=batch)
                batch = []
        if batch:
            self._reindex(keys=self._article_keys(), args=batch)
        self.client.set(self.keys.schema, SCHEMA_VERSION)

    def _article_keys(self) -> list[str]:
        """The keys ``_SAVE_ARTICLE`` and ``_REINDEX`` write."""
        keys = self.keys
        return [keys.live, keys.checked, keys.copies_checked, keys.due, keys.removed, keys.articles]

    def view(self, run_id: int) -> RedisState:
        """The same state, bound to another run (a run given up, a lost worker's run), for
        taking over what its dead workers left. Shares the client; holds no worker id."""
        other = RedisState(self.client, self.keys.prefix, self.worker)
        other.bind(run_id)
        return other

    def bind(self, run_id: int) -> None:
        """Use ``run_id``'s frontier, URL claims and listing pages from now on."""
        self.run_id = run_id
        self.run_keys = keys = self.keys.run(run_id)
        self._frontier = RedisFrontier(self.client, keys, self.worker, self._pipeline)
        self._run_urls = RedisClaims(self.client, keys.urls, keys.claims(self.worker), URL_CLAIM)
        self._contents = RedisClaims(
            self.client, self.keys.contents, keys.claims(self.worker), CONTENT_CLAIM
        )

    # -- the worker's id ----------------------------------------------------------------------

    def acquire(self, timeout: float, *, wait: float | None = None) -> None:
        """Hold this worker's id for ``timeout`` seconds (then ``heartbeat``). A key left by a
        killed process of the same id expires within ``timeout``: it is waited for (``wait``
        seconds, by default ``timeout`` and a second); a key still refreshed then belongs to a
        live worker, and the id is refused."""
        key = self.keys.worker(self.worker)
        deadline = time.monotonic() + (timeout + 1.0 if wait is None else wait)
        while not self.client.set(key, self._token, nx=True, px=int(timeout * 1000)):
            if time.monotonic() >= deadline:
                raise StateBusy(
                    f"worker id {self.worker!r} is in use by a live worker of "
                    f"{self.keys.prefix}; give this one another REDIS_WORKER_ID"
                )
            time.sleep(0.1)
        self._held = True

    def heartbeat(self, timeout: float) -> bool:
        """Keep the worker id for ``timeout`` more seconds; ``False`` if it was lost (the
        worker was taken for dead: it must stop)."""
        if not self._held:
            return False
        kept = bool(
            self._refresh(
                keys=[self.keys.worker(self.worker)], args=[self._token, int(timeout * 1000)]
            )
        )
        self._held = kept
        return kept

    def alive(self, worker: str) -> bool:
        return bool(self.client.exists(self.keys.worker(worker)))

    def release(self) -> None:
        if self._held:
            self._release_worker(keys=[self.keys.worker(self.worker)], args=[self._token])
            self._held = False

    # -- the CrawlState parts of the current run -------------------------------------------------

    def _bound(self) -> RunKeys:
        if self.run_keys is None:
            raise StateError("no run begun or joined yet")
        return self.run_keys

    @property
    def frontier(self) -> RedisFrontier:
        self._bound()
        assert self._frontier is not None
        return self._frontier

    @property
    def run_urls(self) -> RedisClaims:
        self._bound()
        assert self._run_urls is not None
        return self._run_urls

    @property
    def contents(self) -> RedisClaims:
        self._bound()
        assert self._contents is not None
        return self._contents

    # -- runs ---------------------------------------------------------------------------------

    def begin_run(
        self, spider: str, arguments: Mapping[str, str], now: datetime
    ) -> tuple[Run, Run | None]:
        """Join the current run if it has the same spider and arguments (resuming this
        worker's own part if it had one that no one took over), else begin a new run. A
        current run of other arguments is given up if none of its workers is alive, and
        refused (``StateBusy``) while one is: the returned given-up run has no folder, its
        parts' folders are the caller's to take over (``parts``).

        Unlike the SQLite state this does not queue again what the worker's previous process
        had in flight: the claims of records it never wrote must be released first, which
        needs its folder (``crawler.redis.takeover``)."""
        self.commit()
        outcome, run_id, resumed, other = self._begin(
            keys=[self.keys.current, self.keys.runs, self.keys.run_seq],
            args=[
                self.keys.prefix,
                spider,
                json.dumps(dict(arguments), sort_keys=True),
                _iso(now),
                self.worker,
            ],
        )
        outcome, other_text = _text(outcome), _text(other) or ""
        if outcome == "busy":
            raise StateBusy(
                f"the crawl state {self.keys.prefix} is in use by a run of other arguments "
                f"(run {int(run_id)}, worker {other_text} is alive); wait for it to finish, or "
                "give this crawl another REDIS_KEY_PREFIX"
            )
        self.bind(int(run_id))
        info = self.run_info(int(run_id))
        assert info is not None
        part = self.part(int(run_id), self.worker)
        assert part is not None
        run = Run(
            id=int(run_id),
            spider=info.spider,
            arguments=info.arguments,
            started_at=info.started_at,
            run_dir=part.run_dir,
            resumes=part.resumes + ([now] if int(resumed) else []),
            counters=part.counters,
        )
        given_up = self.run_info(int(other_text)) if outcome == "new" and other_text else None
        if run.resumed:
            self.save_run(run)
            self.commit()
        return run, given_up

    def run_info(self, run_id: int) -> Run | None:
        """A run as a whole: spider, arguments, start (no folder, no counters)."""
        found = self.client.hmget(self.keys.run(run_id).info, ["spider", "arguments", "started_at"])
        spider, arguments, started_at = (_text(value) for value in found)
        if spider is None or arguments is None or started_at is None:
            return None
        return Run(
            id=run_id,
            spider=spider,
            arguments=json.loads(arguments),
            started_at=datetime.fromisoformat(started_at),
        )

    def run_status(self, run_id: int) -> str | None:
        return _text(self.client.hget(self.keys.run(run_id).info, "status"))

    def current_run(self) -> int | None:
        found = self.client.get(self.keys.current)
        return int(found) if found is not None else None

    def save_run(self, run: Run) -> None:
        """Store this worker's part of ``run`` (its folder, resumes, counters); buffered."""
        self._update_part(
            keys=[self.keys.run(run.id).part(self.worker)],
            args=[
                "run_dir",
                run.run_dir or "",
                "resumes",
                json.dumps([_iso(moment) for moment in run.resumes]),
                "counters",
                json.dumps(run.counters, sort_keys=True),
            ],
            client=self._pipeline,
        )

    def note_reason(self, run_id: int, reason: str) -> None:
        """Why this worker's process stopped (Scrapy's finish reason): the manifest of its
        folder says so if another worker takes it over."""
        self._update_part(keys=[self.keys.run(run_id).part(self.worker)], args=["reason", reason])

    def finish_run(self, run: Run, coverage: Coverage, now: datetime) -> None:
        """This worker's part is complete (its manifest is written); the run finishes with
        the last part settled."""
        self.save_run(run)
        self.commit()
        self.settle(run.id, self.worker, FINISHED, coverage, "finished", now)

    def settle(
        self,
        run_id: int,
        worker: str,
        status: str,
        coverage: Coverage | None,
        reason: str | None,
        now: datetime,
    ) -> bool:
        """Settle ``worker``'s part (``""``: none, only check) and finish the run if that was
        the last; return whether the run is complete now."""
        keys = self.keys.run(run_id)
        complete = self._settle(
            keys=[keys.info, keys.parts],
            args=[
                keys.base,
                worker,
                status,
                json.dumps(coverage.to_dict()) if coverage is not None else "",
                reason or "",
                _iso(now),
            ],
        )
        if int(complete) != 1:
            return False
        self._complete(run_id)
        return True

    def _complete(self, run_id: int) -> None:
        """The run has no part left to settle: keep its merged coverage (a finished run) and
        delete its scratch keys; the next ``begin_run`` starts a new run."""
        keys = self.keys.run(run_id)
        if self.run_status(run_id) == FINISHED:
            covered = [p.coverage for p in self.parts(run_id) if p.coverage is not None]
            self.client.hset(keys.info, "coverage", json.dumps(merge_coverage(covered).to_dict()))
        self._forget_current(keys=[self.keys.current], args=[run_id])
        scratch = keys.scratch()
        for pattern in (f"{keys.in_flight_prefix}*", f"{keys.base}:claims:*"):
            scratch += [_text(key) or "" for key in self.client.scan_iter(match=pattern)]
        self.client.unlink(*scratch)

    def previous_coverage(self, spider: str, min_pages: int) -> Coverage | None:
        for raw in reversed(self.client.lrange(self.keys.runs, 0, -1)):
            found_spider, text = self.client.hmget(
                self.keys.run(int(raw)).info, ["spider", "coverage"]
            )
            if _text(found_spider) != spider or not text:
                continue
            coverage = Coverage.from_dict(json.loads(text))
            if coverage.pages >= min_pages:
                return coverage
        return None

    # -- parts and the end of a run --------------------------------------------------------------

    def part(self, run_id: int, worker: str) -> Part | None:
        found = self.client.hgetall(self.keys.run(run_id).part(worker))
        if not found:
            return None
        values = {_text(key) or "": _text(value) or "" for key, value in found.items()}
        coverage = values.get("coverage")
        return Part(
            run_id=run_id,
            worker=worker,
            status=values.get("status", ACTIVE),
            run_dir=values.get("run_dir") or None,
            resumes=[
                datetime.fromisoformat(moment)
                for moment in json.loads(values.get("resumes") or "[]")
            ],
            counters={
                str(k): int(v) for k, v in json.loads(values.get("counters") or "{}").items()
            },
            coverage=Coverage.from_dict(json.loads(coverage)) if coverage else None,
            reason=values.get("reason") or None,
        )

    def parts(self, run_id: int) -> list[Part]:
        workers = sorted(_text(w) or "" for w in self.client.smembers(self.keys.run(run_id).parts))
        return [part for w in workers if (part := self.part(run_id, w)) is not None]

    def dead_parts(self, run_id: int, *, mine: bool = False) -> list[Part]:
        """Unsettled parts of ``run_id`` whose workers are not alive (this worker's own only
        with ``mine``): theirs to take over."""
        return [
            part
            for part in self.parts(run_id)
            if part.status == ACTIVE
            and (part.worker != self.worker or mine)
            and (part.worker == self.worker or not self.alive(part.worker))
        ]

    def started(self) -> None:
        """This worker's spider has gone through its start requests."""
        self.client.srem(self._bound().starting, self.worker)

    def check_done(self) -> tuple[str, str | None]:
        """Whether the run's work is complete: ``("done", None)`` (now or before: the run is
        no longer active), ``("busy", worker or None)``, or ``("dead", worker)``: a worker
        that died with a part unsettled, to be taken over first."""
        keys = self._bound()
        status, worker = self._check_done(
            keys=[keys.info, keys.parts, keys.starting, keys.queue],
            args=[keys.base, self.keys.prefix, self.worker],
        )
        outcome = _text(status) or ""
        named = _text(worker) or None
        if outcome in ("busy", "dead"):
            return outcome, named
        return "done", None

    def claim_categories(self) -> bool:
        """Whether this worker writes the run's categories (the first to ask does)."""
        keys = self._bound()
        self.client.set(keys.categories_writer, self.worker, nx=True)
        return _text(self.client.get(keys.categories_writer)) == self.worker

    def categories_writer(self) -> str | None:
        return _text(self.client.get(self._bound().categories_writer))

    def release_claims(self, worker: str, keep: Container[bytes]) -> int:
        """Release the claims ``worker`` won in this run whose records are not in ``keep``
        (tagged digests: ``URL_CLAIM + url_key``, ``CONTENT_CLAIM + content_key``): the
        articles it claimed and died before writing. Returns how many were released."""
        keys = self._bound()
        log = keys.claims(worker)
        released = 0
        for tagged, url in self.client.hgetall(log).items():
            if tagged in keep:
                continue
            table = keys.urls if tagged[:1] == URL_CLAIM else self.keys.contents
            self._release(keys=[table], args=[tagged[1:], url], client=self._pipeline)
            released += 1
        self._pipeline.delete(log)
        self.commit()
        return released

    # -- takeover bookkeeping -----------------------------------------------------------------

    def lock_part(self, worker: str, seconds: float) -> bool:
        """Take the right to take over ``worker``'s part for ``seconds`` (one taker at a
        time)."""
        key = f"{self._bound().base}:takeover:{worker}"
        return bool(self.client.set(key, self.worker, nx=True, px=int(seconds * 1000)))

    def unlock_part(self, worker: str) -> None:
        self.client.delete(f"{self._bound().base}:takeover:{worker}")

    def add_orphan(self, run_dir: str, worker: str) -> None:
        """A lost worker's folder no live worker could see: recovered when one can."""
        self.client.hset(
            self.keys.orphans, run_dir, json.dumps({"run": self.run_id, "worker": worker})
        )

    def orphans(self) -> dict[str, tuple[int, str]]:
        found = self.client.hgetall(self.keys.orphans)
        result = {}
        for run_dir, value in found.items():
            data = json.loads(value)
            result[_text(run_dir) or ""] = (int(data["run"]), str(data["worker"]))
        return result

    def drop_orphan(self, run_dir: str) -> None:
        self.client.hdel(self.keys.orphans, run_dir)

    def clear_run(self) -> None:
        """Delete a run's scratch keys once nothing needs them (an orphan recovered late)."""
        if self.run_id is not None and self.run_status(self.run_id) in (FINISHED, GIVEN_UP):
            self._complete(self.run_id)

    # -- articles -----------------------------------------------------------------------------

    def _cache(self, key: str, article: ArticleState | None) -> None:
        self._articles[key] = article
        if len(self._articles) > ARTICLE_CACHE_SIZE:
            del self._articles[next(iter(self._articles))]

    def forget_articles(self) -> None:
        """Drop the articles read so far (another view of the state changed some)."""
        self._articles.clear()

    def article(self, key: str) -> ArticleState | None:
        if key in self._articles:
            cached = self._articles[key]
            return dataclasses.replace(cached) if cached is not None else None
        found = self.client.hget(self.keys.articles, key)
        article = _article(found) if found is not None else None
        self._cache(key, article)
        return dataclasses.replace(article) if article is not None else None

    def save_article(self, article: ArticleState) -> None:
        """Buffered; the script replaces the article's index entries (``_INDEX``) with its
        new ones, from the version stored when it runs."""
        self._cache(article.key, dataclasses.replace(article))
        self._save_article(
            keys=self._article_keys(),
            args=[article.key, json.dumps(dataclasses.asdict(article))],
            client=self._pipeline,
        )

    def live_article_urls(self, batch: int = 500) -> Iterator[str]:
        self.commit()
        after = "-"
        while True:
            keys = self.client.zrangebylex(self.keys.live, after, "+", start=0, num=batch)
            if not keys:
                return
            for found in self.client.hmget(self.keys.articles, keys):
                if found is not None:
                    yield str(json.loads(found)["url"])
            after = "(" + (_text(keys[-1]) or "")

    def due_articles(self, due_before: str, verified_before: str, limit: int) -> list[str]:
        """Four range reads in one round trip, three of them of members already in the order
        wanted (by last check, then key), so only their first ``limit`` are read: the live
        articles and the copies checked before ``verified_before``, and the unscheduled ones;
        then the scheduled ones due by ``due_before``, all of them. Merged in that order.

        A reply costs about a microsecond a member to parse (redis-py without hiredis): with
        a limit, what is read is about what is returned."""
        self.commit()
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

    def sample_articles(self, count: int, seed: int) -> list[str]:
        """Ranks drawn among the live keys in key order, so the same seed draws the same ones
        from the same state; in key order. A small sample reads only its own keys."""
        self.commit()
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
        return [str(json.loads(text)["url"]) for text in texts if text is not None]

    def live_article_count(self) -> int:
        self.commit()
        return int(self.client.zcard(self.keys.live))

    def freshness(self, verified_before: str) -> Freshness:
        self.commit()
        reads = self.client.pipeline(transaction=False)
        reads.zrange(self.keys.checked, 0, 0)
        reads.zlexcount(self.keys.checked, "-", "(" + verified_before)
        first, overdue = reads.execute()
        oldest = first[0].partition(b"\0")[0].decode("utf-8") if first else None
        return Freshness(oldest, int(overdue))

    def live_field_hashes(self, batch: int = 1000) -> Iterator[dict[str, str]]:
        self.commit()
        after = "-"
        while True:
            keys = self.client.zrangebylex(self.keys.live, after, "+", start=0, num=batch)
            if not keys:
                return
            for found in self.client.hmget(self.keys.articles, keys):
                if found is not None:
                    yield dict(json.loads(found).get("field_hashes") or {})
            after = "(" + (_text(keys[-1]) or "")

    def sitemap_entry(self, key: str) -> tuple[str, str | None] | None:
        self.commit()
        found = self.client.hget(self.keys.sitemap_entries, key)
        if found is None:
            return None
        sitemap, lastmod = json.loads(found)
        return str(sitemap), lastmod

    def sitemap_entries(self, sitemap: str) -> dict[str, str | None]:
        """In key order."""
        self.commit()
        found = self.client.hgetall(self.keys.sitemap_listed(sitemap))
        return {_text(key) or "": json.loads(found[key]) for key in sorted(found)}

    def save_sitemap_entries(self, sitemap: str, entries: Mapping[str, str | None]) -> None:
        """Buffered; one script call, so no reader sees the sitemap half replaced."""
        pairs: list[str] = []
        for key, lastmod in entries.items():
            pairs += [key, json.dumps(lastmod)]
        self._save_sitemap_entries(
            keys=[self.keys.sitemap_entries],
            args=[self.keys.sitemap_listed_prefix, sitemap, *pairs],
            client=self._pipeline,
        )

    def sitemap(self, url: str) -> SitemapState | None:
        self.commit()
        found = self.client.hget(self.keys.sitemaps, url)
        if found is None:
            return None
        return SitemapState(**_known(json.loads(found), _SITEMAP_FIELDS))

    def save_sitemap(self, sitemap: SitemapState) -> None:
        self._pipeline.hset(
            self.keys.sitemaps, sitemap.url, json.dumps(dataclasses.asdict(sitemap))
        )

    # -- listings -----------------------------------------------------------------------------

    def listing_due(self, url: str, page: int) -> str | None:
        self.commit()
        return _text(self.client.hget(self.keys.listings, _listing(url, page)))

    def schedule_listing(self, url: str, page: int, due_at: str) -> None:
        self._pipeline.hset(self.keys.listings, _listing(url, page), due_at)

    def due_listings(self, due_before: str) -> list[tuple[str, int]]:
        """Ordered by category URL, then page."""
        self.commit()
        due: list[tuple[str, int]] = []
        for name, when in self.client.hgetall(self.keys.listings).items():
            url, page = json.loads(name)
            if int(page) > 1 and (_text(when) or "") <= due_before:
                due.append((str(url), int(page)))
        return sorted(due)

    def meta(self, name: str) -> str | None:
        self.commit()
        return _text(self.client.hget(self.keys.meta, name))

    def set_meta(self, name: str, value: str) -> None:
        self._pipeline.hset(self.keys.meta, name, value)

    # -- category pages -----------------------------------------------------------------------

    def add_category_page(self, page: CategoryPage) -> None:
        self._pipeline.rpush(self._bound().categories, json.dumps(dataclasses.asdict(page)))

    def category_pages(self, batch: int = 200) -> Iterator[CategoryPage]:
        self.commit()
        key = self._bound().categories
        start = 0
        while True:
            rows = self.client.lrange(key, start, start + batch - 1)
            if not rows:
                return
            for row in rows:
                yield CategoryPage(**json.loads(row))
            start += len(rows)

    def previous_categories(self) -> dict[str, Category]:
        """By category URL, in URL order."""
        self.commit()
        found = {
            _text(url) or "": json.loads(text)
            for url, text in self.client.hgetall(self.keys.categories).items()
        }
        return {
            url: Category(name=found[url]["name"], url=url, articles=list(found[url]["articles"]))
            for url in sorted(found)
        }

    def save_categories(self, categories: Iterable[Category]) -> None:
        """Buffered; replaces the records whole, in one script call."""
        pairs: list[str] = []
        for category in categories:
            record = {"name": category.name, "url": category.url, "articles": category.articles}
            pairs += [category.url, json.dumps(record)]
        self._replace_hash(keys=[self.keys.categories], args=pairs, client=self._pipeline)

    def removed_urls(self) -> set[str]:
        self.commit()
        return {_text(url) or "" for url in self.client.hvals(self.keys.removed)}

    # -- transactions -------------------------------------------------------------------------

    def commit(self) -> None:
        if len(self._pipeline):
            self._pipeline.execute()

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.release()
