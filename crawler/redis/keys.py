"""Where a site's crawl state lives in Redis: every key under one prefix.

Keys of the whole state (``<prefix>:...``) outlive runs; keys of a run (``<prefix>:run:<id>:
...``) are deleted when the run is finished or given up, as the SQLite state empties its run
tables. Lua scripts build the keys of other workers from the same patterns, so the patterns are
defined here once and passed to them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    """The keys of one site's state.

    >>> keys = Keys("evergreen:articles.example")
    >>> keys.articles, keys.worker("w1")
    ('evergreen:articles.example:articles', 'evergreen:articles.example:worker:w1')
    >>> keys.run(7).queue
    'evergreen:articles.example:run:7:queue'
    >>> keys.sitemap_listed("/sitemap-1.xml")
    'evergreen:articles.example:sitemap:/sitemap-1.xml'
    """

    prefix: str

    @property
    def schema(self) -> str:
        return f"{self.prefix}:schema"

    @property
    def articles(self) -> str:
        """Hash: article key -> the ``ArticleState`` as JSON."""
        return f"{self.prefix}:articles"

    @property
    def live(self) -> str:
        """Sorted set (all scores 0, so ordered by key): keys of live articles."""
        return f"{self.prefix}:live"

    @property
    def checked(self) -> str:
        """Sorted set (all scores 0, so ordered by member): ``<last_seen>\\0<key>\\0<url>`` of
        every live article, so by last check, then key."""
        return f"{self.prefix}:checked"

    @property
    def copies_checked(self) -> str:
        """Sorted set as ``checked``, of the articles never archived that are duplicates of
        another and not removed (the others ``due_articles`` covers)."""
        return f"{self.prefix}:checked:copies"

    @property
    def due(self) -> str:
        """Sorted set (all scores 0): ``<due_at>\\0<last_seen>\\0<key>\\0<url>`` of the articles
        of ``checked`` and ``copies_checked``, so by when their next check is due (``due_at``
        empty while unscheduled: due now)."""
        return f"{self.prefix}:due"

    @property
    def removed(self) -> str:
        """Hash: article key -> canonical URL, of the articles removed (a 404 or 410)."""
        return f"{self.prefix}:removed"

    @property
    def sitemaps(self) -> str:
        """Hash: sitemap (path key) -> the ``SitemapState`` as JSON."""
        return f"{self.prefix}:sitemaps"

    @property
    def sitemap_entries(self) -> str:
        """Hash: article key -> JSON ``[sitemap, lastmod]``: the sitemap that listed the
        article when last read, and the lastmod it gave (``null``: none)."""
        return f"{self.prefix}:sitemap_entries"

    def sitemap_listed(self, sitemap: str) -> str:
        """Hash: article key -> the lastmod as JSON, of every entry of ``sitemap`` when last
        read (the other side of ``sitemap_entries``)."""
        return f"{self.sitemap_listed_prefix}{sitemap}"

    @property
    def sitemap_listed_prefix(self) -> str:
        return f"{self.prefix}:sitemap:"

    @property
    def listings(self) -> str:
        """Hash: JSON ``[category URL, page]`` -> when the listing page is next swept."""
        return f"{self.prefix}:listings"

    @property
    def categories(self) -> str:
        """Hash: category URL -> the category record (name, url, articles) as JSON, as the
        last finished run wrote it (a run's own listing pages are ``RunKeys.categories``)."""
        return f"{self.prefix}:categories"

    @property
    def meta(self) -> str:
        """Hash: name -> a value kept about the site (``CrawlState.meta``)."""
        return f"{self.prefix}:meta"

    @property
    def contents(self) -> str:
        """Hash: content digest -> the URL that claimed it first (every run)."""
        return f"{self.prefix}:contents"

    @property
    def runs(self) -> str:
        """List of run ids, oldest first."""
        return f"{self.prefix}:runs"

    @property
    def run_seq(self) -> str:
        return f"{self.prefix}:runs:seq"

    @property
    def current(self) -> str:
        """The id of the run workers join (absent when there is none)."""
        return f"{self.prefix}:current"

    @property
    def orphans(self) -> str:
        """Hash: folder of a lost worker no live worker could see -> JSON (run, worker)."""
        return f"{self.prefix}:orphans"

    def worker(self, worker: str) -> str:
        """A worker's heartbeat: a token with a time to live, refreshed while it runs."""
        return f"{self.prefix}:worker:{worker}"

    @property
    def outage(self) -> str:
        """Set, with a time to live, by a worker to which Redis answers again after an
        outage: while it lives no worker is taken for dead (heartbeats may have expired
        during the outage; every live worker renews its own meanwhile)."""
        return f"{self.prefix}:outage"

    def run(self, run_id: int) -> RunKeys:
        return RunKeys(f"{self.prefix}:run:{run_id}")


@dataclass(frozen=True, slots=True)
class RunKeys:
    """The keys of one run; ``base`` is ``<prefix>:run:<id>``."""

    base: str

    @property
    def info(self) -> str:
        """Hash: spider, arguments, started_at, status, finished_at, coverage."""
        return self.base

    @property
    def parts(self) -> str:
        """Set: the workers that joined the run."""
        return f"{self.base}:parts"

    def part(self, worker: str) -> str:
        """Hash: a worker's share of the run (status, run_dir, resumes, counters, ...)."""
        return f"{self.base}:part:{worker}"

    @property
    def starting(self) -> str:
        """Set: workers whose spider has not gone through its start requests yet."""
        return f"{self.base}:starting"

    @property
    def seen(self) -> str:
        """Set: fingerprints of every request of the run (the duplicate filter)."""
        return f"{self.base}:seen"

    @property
    def seq(self) -> str:
        """Counter: the last ticket given."""
        return f"{self.base}:seq"

    @property
    def queue(self) -> str:
        """Sorted set: queued tickets, by priority then last in first out."""
        return f"{self.base}:queue"

    @property
    def entries(self) -> str:
        """Hash: ticket -> fingerprint and serialised request, while queued or in flight."""
        return f"{self.base}:entries"

    @property
    def page_keys(self) -> str:
        """Hash: ticket -> page key of an article request (for ``done_key``)."""
        return f"{self.base}:pagekeys"

    @property
    def done_keys(self) -> str:
        """Hash: page key -> the last ticket given when its record was recovered."""
        return f"{self.base}:donekeys"

    @property
    def listed(self) -> str:
        """Set: page keys of the articles the sitemaps the run read whole listed."""
        return f"{self.base}:listed"

    @property
    def finished(self) -> str:
        """Set: page keys of the article requests the run finished (``unaccounted``)."""
        return f"{self.base}:finished"

    def in_flight(self, worker: str) -> str:
        """Hash: ticket -> queue score, for the requests a worker has taken."""
        return f"{self.base}:inflight:{worker}"

    @property
    def in_flight_prefix(self) -> str:
        return f"{self.base}:inflight:"

    def last_taken(self, worker: str) -> str:
        """Hash: the nonce of the worker's last take from the queue and the ticket it took,
        so that a take sent again after a lost reply returns the same ticket."""
        return f"{self.in_flight_prefix}{worker}:last"

    def held(self, worker: str) -> str:
        """Hash: held key -> the page a worker holds for learning, as JSON
        (``crawler.redis.held``); under the in-flight prefix, deleted with the run."""
        return f"{self.in_flight_prefix}{worker}:held"

    def held_bodies(self, worker: str) -> str:
        """Hash: held key -> the body of a page the worker holds, if it keeps it."""
        return f"{self.in_flight_prefix}{worker}:heldbodies"

    def takeover(self, worker: str) -> str:
        """The worker taking over ``worker``'s part, while it does (with a time to live)."""
        return f"{self.base}:takeover:{worker}"

    @property
    def urls(self) -> str:
        """Hash: URL digest -> URL (an article is archived once per run)."""
        return f"{self.base}:urls"

    def claims(self, worker: str) -> str:
        """Hash: the claims a worker won (tagged digest -> URL), released if it dies before
        writing their records."""
        return f"{self.base}:claims:{worker}"

    def last_claim(self, worker: str) -> str:
        """The nonce of the last claim the worker won, so that a claim sent again after a
        lost reply is still won."""
        return f"{self.base}:claims:{worker}:last"

    @property
    def categories(self) -> str:
        """List: the run's listing pages, as JSON."""
        return f"{self.base}:categories"

    @property
    def categories_writer(self) -> str:
        """The worker that writes the run's ``categories.jsonl``."""
        return f"{self.base}:categories_writer"

    def scratch(self) -> list[str]:
        """Every key of the run but its info and parts, for deletion: per-worker keys are
        found with ``SCAN`` on ``<base>:inflight:*`` / ``<base>:claims:*`` (their ``:last``
        keys with them)."""
        return [
            self.starting,
            self.seen,
            self.seq,
            self.queue,
            self.entries,
            self.page_keys,
            self.done_keys,
            self.finished,
            self.listed,
            self.urls,
            self.categories,
            self.categories_writer,
        ]
