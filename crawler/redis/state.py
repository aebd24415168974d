"""``CrawlState`` in Redis: one site's state shared by every worker of a distributed crawl.

The same data as the SQLite state (``crawler.state.sqlite``), under one key prefix
(``crawler.redis.keys``): articles, content claims, sitemaps, listing schedules, the last
category records and runs for good; per run the frontier, the URL claims and the listing
pages. What differs is that several processes use it at once, each one a *worker* with an id.
What only they need the state holds, each in a module of its own: the worker's hold of its id
(``heartbeat``, ``crawler.redis.heartbeat``), and the runs' parts, their end and the takeover
of a dead worker's (``workers``, ``crawler.redis.workers``). Its tables are in modules of
their own too: claims that remember who won them (``crawler.redis.claims``), the articles'
indexes (``crawler.redis.indexes``), the sitemaps' entries (``crawler.redis.sitemaps``).

**Commits are pipelines.** Writes that only need to be durable against a kill as much as the
SQLite state's commits are (article states, sitemaps and their entries, listing pages and
schedules, category records, site values, requests done, the part's counters) are buffered
and sent at ``commit``; claims and the queue, which other workers read at once, are not. A
read of what the buffer may hold commits it first.

Nothing here depends on Scrapy. Lua scripts make the steps other workers must not see
half-done atomic; they name keys from ``crawler.redis.keys`` patterns, which is fine on one
Redis server and not meant for Redis Cluster.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Container, Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Final

from crawler.cache import BoundedCache
from crawler.coverage import Coverage
from crawler.items import Category, ListingPage
from crawler.redis.claims import RedisClaims, RunClaims
from crawler.redis.frontier import RedisFrontier
from crawler.redis.heartbeat import Heartbeat
from crawler.redis.indexes import ArticleIndexes
from crawler.redis.keys import Keys, RunKeys
from crawler.redis.sitemaps import Sitemaps
from crawler.redis.stored import known, text
from crawler.redis.templates import RedisTemplates
from crawler.redis.workers import FINISHED, Workers
from crawler.state import ArticleState, Freshness, Run, SitemapState, StateError

if TYPE_CHECKING:
    from redis import Redis

#: Bumped when the keys change in a way an older state cannot be read with; an older state is
#: brought up to date when opened (its articles indexed: ``ArticleIndexes.reindex``).
SCHEMA_VERSION: Final = 2
ARTICLE_CACHE_SIZE: Final = 512

# A hash replaced whole: KEYS[1]; ARGV: field and value pairs.
_REPLACE_HASH = """
redis.call('DEL', KEYS[1])
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
"""

_ARTICLE_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(ArticleState))


def _article(stored: bytes | str) -> ArticleState:
    """An article as stored; fields added since it was written take their defaults."""
    return ArticleState(**known(json.loads(stored), _ARTICLE_FIELDS))


def _listing(url: str, page: int) -> str:
    """The field of a listing page in ``Keys.listings``."""
    return json.dumps([url, page])


class RedisState(RedisTemplates):
    """``CrawlState`` under ``prefix`` in Redis, as worker ``worker`` uses it.

    ``heartbeat.acquire`` takes the worker id (refused while another live process holds it);
    the caller refreshes it with ``heartbeat.beat`` more often than its timeout. ``begin_run``
    joins the current run or begins one; until then the run's parts (``frontier``,
    ``run_urls``) are not there.
    """

    def __init__(self, client: Redis, prefix: str, worker: str) -> None:
        self.client = client
        self.keys = Keys(prefix)
        self.worker = worker
        self.pipeline = client.pipeline(transaction=False)
        self.heartbeat = Heartbeat(client, self.keys, worker)
        self.workers = Workers(client, self.keys, worker, self.pipeline)
        self._indexes = ArticleIndexes(client, self.keys)
        self._sitemaps = Sitemaps(client, self.keys)
        self._articles: BoundedCache[str, ArticleState | None] = BoundedCache(ARTICLE_CACHE_SIZE)
        self.run_keys: RunKeys | None = None
        self.run_id: int | None = None
        self._frontier: RedisFrontier | None = None
        self._run_urls: RedisClaims | None = None
        self._contents: RedisClaims | None = None
        self._claims: RunClaims | None = None
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
            self._indexes.reindex()
            self.client.set(self.keys.schema, SCHEMA_VERSION)

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
        self.heartbeat.watch(keys.part(self.worker), keys.takeover(self.worker))
        self._frontier = RedisFrontier(self.client, keys, self.worker, self.pipeline)
        self._claims = RunClaims(self.client, keys, self.keys.contents)
        self._run_urls, self._contents = self._claims.tables(self.worker)

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
        parts' folders are the caller's to take over (``workers.parts``).

        Unlike the SQLite state this does not queue again what the worker's previous process
        had in flight: the claims of records it never wrote must be released first, which
        needs its folder (``crawler.redis.takeover``)."""
        self.commit()
        run_id, resumed, given_up_id = self.workers.join(spider, arguments, now)
        self.bind(run_id)
        info = self.run_info(run_id)
        assert info is not None
        part = self.workers.part(run_id, self.worker)
        assert part is not None
        run = Run(
            id=run_id,
            spider=info.spider,
            arguments=info.arguments,
            started_at=info.started_at,
            run_dir=part.run_dir,
            resumes=part.resumes + ([now] if resumed else []),
            counters=part.counters,
        )
        given_up = self.run_info(given_up_id) if given_up_id is not None else None
        if run.resumed:
            self.save_run(run)
            self.commit()
        return run, given_up

    def run_info(self, run_id: int) -> Run | None:
        """A run as a whole: spider, arguments, start (no folder, no counters)."""
        found = self.client.hmget(self.keys.run(run_id).info, ["spider", "arguments", "started_at"])
        spider, arguments, started_at = (text(value) for value in found)
        if spider is None or arguments is None or started_at is None:
            return None
        return Run(
            id=run_id,
            spider=spider,
            arguments=json.loads(arguments),
            started_at=datetime.fromisoformat(started_at),
        )

    def save_run(self, run: Run) -> None:
        """Store this worker's part of ``run`` (its folder, resumes, counters); buffered."""
        self.workers.save_part(run)

    def finish_run(self, run: Run, coverage: Coverage, now: datetime) -> None:
        """This worker's part is complete (its manifest is written); the run finishes with
        the last part settled."""
        self.save_run(run)
        self.commit()
        self.workers.settle(run.id, self.worker, FINISHED, coverage, "finished", now)

    def previous_coverage(self, spider: str, min_pages: int) -> Coverage | None:
        for raw in reversed(self.client.lrange(self.keys.runs, 0, -1)):
            found_spider, found = self.client.hmget(
                self.keys.run(int(raw)).info, ["spider", "coverage"]
            )
            if text(found_spider) != spider or not found:
                continue
            coverage = Coverage.from_dict(json.loads(found))
            if coverage.pages >= min_pages:
                return coverage
        return None

    def release_claims(self, worker: str, keep: Container[bytes]) -> int:
        """Release the claims ``worker`` won in this run whose records are not in ``keep``
        (``crawler.redis.claims``): the articles it claimed and died before writing. Returns
        how many were released."""
        self._bound()
        assert self._claims is not None
        released = self._claims.release(worker, keep, self.pipeline)
        self.commit()
        return released

    # -- articles -----------------------------------------------------------------------------

    def _cache(self, key: str, article: ArticleState | None) -> None:
        self._articles.put(key, article)

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
        """Buffered, with its index entries (``crawler.redis.indexes``)."""
        self._cache(article.key, dataclasses.replace(article))
        self._indexes.save(article.key, json.dumps(dataclasses.asdict(article)), self.pipeline)

    def live_article_urls(self, batch: int = 500) -> Iterator[str]:
        self.commit()
        for found in self._indexes.live(batch):
            yield str(found["url"])

    def due_articles(self, due_before: str, verified_before: str, limit: int) -> list[str]:
        self.commit()
        return self._indexes.due(due_before, verified_before, limit)

    def sample_articles(self, count: int, seed: int) -> list[str]:
        self.commit()
        return self._indexes.sample(count, seed)

    def live_article_count(self) -> int:
        self.commit()
        return self._indexes.live_count()

    def freshness(self, verified_before: str) -> Freshness:
        self.commit()
        return self._indexes.freshness(verified_before)

    def live_field_hashes(self, batch: int = 1000) -> Iterator[dict[str, str]]:
        self.commit()
        for found in self._indexes.live(batch):
            yield dict(found.get("field_hashes") or {})

    # -- sitemaps -----------------------------------------------------------------------------

    def sitemap_entry(self, key: str) -> tuple[str, str | None] | None:
        self.commit()
        return self._sitemaps.entry(key)

    def unaccounted(self) -> list[str]:
        self.commit()
        return self.frontier.unaccounted(self.keys.articles)

    def sitemap_entries(self, sitemap: str) -> dict[str, str | None]:
        self.commit()
        return self._sitemaps.entries(sitemap)

    def save_sitemap_entries(self, sitemap: str, entries: Mapping[str, str | None]) -> None:
        self._sitemaps.save_entries(sitemap, entries, self.pipeline)
        if entries:
            self.pipeline.sadd(self.frontier.keys.listed, *entries)

    def sitemap(self, url: str) -> SitemapState | None:
        self.commit()
        return self._sitemaps.get(url)

    def save_sitemap(self, sitemap: SitemapState) -> None:
        self._sitemaps.save(sitemap, self.pipeline)

    # -- listings -----------------------------------------------------------------------------

    def listing_due(self, url: str, page: int) -> str | None:
        self.commit()
        return text(self.client.hget(self.keys.listings, _listing(url, page)))

    def schedule_listing(self, url: str, page: int, due_at: str) -> None:
        self.pipeline.hset(self.keys.listings, _listing(url, page), due_at)

    def due_listings(self, due_before: str) -> list[tuple[str, int]]:
        """Ordered by category URL, then page."""
        self.commit()
        due: list[tuple[str, int]] = []
        for name, when in self.client.hgetall(self.keys.listings).items():
            url, page = json.loads(name)
            if int(page) > 1 and (text(when) or "") <= due_before:
                due.append((str(url), int(page)))
        return sorted(due)

    def meta(self, name: str) -> str | None:
        self.commit()
        return text(self.client.hget(self.keys.meta, name))

    def set_meta(self, name: str, value: str) -> None:
        self.pipeline.hset(self.keys.meta, name, value)

    # -- category pages -----------------------------------------------------------------------

    def add_category_page(self, page: ListingPage) -> None:
        self.pipeline.rpush(self._bound().categories, json.dumps(dataclasses.asdict(page)))

    def category_pages(self, batch: int = 200) -> Iterator[ListingPage]:
        self.commit()
        key = self._bound().categories
        start = 0
        while True:
            rows = self.client.lrange(key, start, start + batch - 1)
            if not rows:
                return
            for row in rows:
                yield ListingPage(**json.loads(row))
            start += len(rows)

    def previous_categories(self) -> dict[str, Category]:
        """By category URL, in URL order."""
        self.commit()
        found = {
            text(url) or "": json.loads(record)
            for url, record in self.client.hgetall(self.keys.categories).items()
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
        self._replace_hash(keys=[self.keys.categories], args=pairs, client=self.pipeline)

    def removed_urls(self) -> set[str]:
        self.commit()
        return self._indexes.removed_urls()

    # -- outages ------------------------------------------------------------------------------

    def redis_back(self, worker_timeout: float) -> bool:
        """Redis answers again after an outage (``crawler.redis.outage``), perhaps restarted
        with the heartbeats expired meanwhile: give every worker ``worker_timeout`` seconds to
        renew its own before any is taken for dead, and renew this one's. ``False`` if this
        worker was taken for dead during the outage: its part is another's now."""
        self.workers.grace(worker_timeout)
        return not self.heartbeat.held or self.heartbeat.beat(worker_timeout)

    # -- transactions -------------------------------------------------------------------------

    def commit(self) -> None:
        if len(self.pipeline):
            self.pipeline.execute()

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.heartbeat.release()
