"""The crawl state: what one run knows of the runs before it, and what a resume needs.

A state holds, per article (keyed by its site-relative canonical URL, ``/page.php?p=<id>``):
its content digests and version, the validators its page was served with, when it was first
and last seen and how it answered. Per run it holds the frontier (every request the run has
scheduled, with the ones still to fetch), the content and URL claims deduplication makes, the
category pages seen so far, and the run's counters, so a run killed at any point continues
where it stopped.

``CrawlState`` is the whole interface; ``crawler.state.sqlite.SQLiteState`` implements it on
one SQLite file. Nothing here depends on Scrapy: the crawler's components are thin adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from crawler.coverage import Coverage
from crawler.items import Category, ListingPage


class StateError(RuntimeError):
    """The state cannot be used: busy, unreadable, or written by an incompatible version."""


@dataclass(slots=True, kw_only=True)
class ArticleState:
    """What the state knows of one article page."""

    key: str
    url: str
    id: str | None = None
    #: 0 while never archived (a page only ever seen as a duplicate of another).
    version: int = 0
    content_hash: str | None = None
    field_hashes: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    first_seen: str = ""
    last_seen: str = ""
    last_status: int = 0
    removed: bool = False
    #: The URL of the article this page repeats (same title and body), if it is a copy.
    duplicate_of: str | None = None
    #: The sitemap ``<lastmod>`` (ISO 8601, UTC) the article had when it was last checked.
    lastmod: str | None = None
    #: When the article's next check is due (ISO 8601, UTC); ``None``: not scheduled, due now.
    due_at: str | None = None
    #: Seconds between the article's checks, adapted to how often it changes (0: none yet).
    interval: float = 0.0

    @property
    def live(self) -> bool:
        """Archived, and not since removed: a 404 or 410 now is news."""
        return self.version > 0 and not self.removed


@dataclass(slots=True, kw_only=True)
class SitemapState:
    """What the state knows of one sitemap file (an index or a urlset)."""

    url: str
    #: The ``<lastmod>`` its index entry had when the file was last read whole.
    lastmod: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredTemplate:
    """A site template the crawl learned (``crawler.templates``), as the state keeps it."""

    id: int
    #: The template's JSON (``crawler.templates.model.Template.to_json``).
    text: str
    learned_at: str
    #: The run folder that first used it (where its file is), if known.
    run_dir: str | None
    #: Whether it is the template in use: at most one is; none means the page objects.
    active: bool


@dataclass(frozen=True, slots=True)
class Freshness:
    """How stale the archive is: the oldest last check of an archived article, and how many
    articles were not checked within the bound."""

    oldest_verified: str | None
    overdue: int


@dataclass(slots=True, kw_only=True)
class Run:
    """One logical crawl: all the processes that worked on it until it finished."""

    id: int
    spider: str
    arguments: dict[str, str]
    started_at: datetime
    run_dir: str | None = None
    #: When each later process took the run over (after a kill, a crash or a stop).
    resumes: list[datetime] = field(default_factory=list)
    #: Outcome counters (stats keys) summed over the run's processes.
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def resumed(self) -> bool:
        return bool(self.resumes)


@dataclass(frozen=True, slots=True)
class Queued:
    """A request taken from the frontier: ``ticket`` tells this scheduling of it from a later
    one (a retry re-queues the same request under a new ticket)."""

    fingerprint: bytes
    ticket: int
    data: bytes


class Claims(Protocol):
    """Keys claimed by the first URL that had them (deduplication)."""

    def claim(self, key: bytes, url: str) -> str | None:
        """Record ``key`` for ``url`` unless already claimed; return the URL that claimed it
        first, or ``None`` when this is the first claim."""
        ...


class Frontier(Protocol):
    """Every request of the current run, by fingerprint: queued, in flight, or done.

    A fingerprint is added once (the run's duplicate filter); ``force`` re-queues a known one
    (Scrapy's ``dont_filter``, a retry). Requests in flight when a process dies go back to the
    queue on resume; done ones are never fetched again in the run.
    """

    def add(
        self,
        fingerprint: bytes,
        priority: int,
        entry: Callable[[], tuple[str | None, bytes]],
        *,
        force: bool,
    ) -> int | None:
        """Queue a request; return its ticket, or ``None`` if the fingerprint is known and
        ``force`` is false. ``entry`` gives the request's page key (for ``done_key``; ``None``
        for pages that are not articles) and its serialised form; it is called only if the
        request is queued, since most links a page gives are already known."""
        ...

    def pop(self) -> Queued | None:
        """The queued request of highest priority, the last queued first within a priority (as
        Scrapy's own scheduler), now in flight."""
        ...

    def done(self, fingerprint: bytes, ticket: int) -> None:
        """The request, as scheduled under ``ticket``, was handled completely."""
        ...

    def done_key(self, key: str) -> None:
        """Every request for the page ``key`` is handled (its record was recovered)."""
        ...

    def requeue_in_flight(self) -> int:
        """Put requests left in flight by a dead process back in the queue; return how many."""
        ...

    def pending(self) -> int:
        """Requests queued and not yet taken."""
        ...


class CrawlState(Protocol):
    """The state of the crawls of one site. One process uses it at a time (``StateLock``)."""

    @property
    def frontier(self) -> Frontier:
        """The current run's requests."""
        ...

    @property
    def run_urls(self) -> Claims:
        """URL claims of the current run (an article is archived once per run)."""
        ...

    @property
    def contents(self) -> Claims:
        """Content claims of every run (a republished copy is a duplicate in later runs too)."""
        ...

    def begin_run(
        self, spider: str, arguments: Mapping[str, str], now: datetime
    ) -> tuple[Run, Run | None]:
        """Take over the unfinished run of the same spider and arguments, or start a new
        run. Returns the run, and an unfinished run of another spider or other arguments
        that was given up (its archive folder needs its open shard recovered)."""
        ...

    def save_run(self, run: Run) -> None:
        """Store the run's folder and counters."""
        ...

    def finish_run(self, run: Run, coverage: Coverage, now: datetime) -> None:
        """Mark the run complete: the next ``begin_run`` starts a new one."""
        ...

    def previous_coverage(self, spider: str, min_pages: int) -> Coverage | None:
        """Field coverage of the latest finished run of ``spider`` with at least
        ``min_pages`` article pages."""
        ...

    def article(self, key: str) -> ArticleState | None: ...

    def save_article(self, article: ArticleState) -> None: ...

    def live_article_urls(self) -> Iterator[str]:
        """Canonical URLs of every archived, not removed article, in key order; lazy."""
        ...

    def due_articles(self, due_before: str, verified_before: str, limit: int) -> list[str]:
        """Canonical URLs of the articles not removed whose check is due (``due_at`` unset
        or not after ``due_before``) or whose last check is before ``verified_before``,
        oldest check first; at most ``limit`` (0: all)."""
        ...

    def sample_articles(self, count: int, seed: int) -> list[str]:
        """Canonical URLs of up to ``count`` archived, not removed articles drawn at random
        (the same ``seed`` draws the same ones from the same state)."""
        ...

    def live_article_count(self) -> int:
        """How many archived articles are not removed."""
        ...

    def freshness(self, verified_before: str) -> Freshness:
        """The oldest ``last_seen`` of the archived, not removed articles, and how many were
        last checked before ``verified_before``."""
        ...

    def live_field_hashes(self) -> Iterator[dict[str, str]]:
        """The field digests of every archived, not removed article; lazy."""
        ...

    def sitemap_entry(self, key: str) -> tuple[str, str | None] | None:
        """The sitemap that lists the article ``key`` as last read, and the lastmod it gives
        it; ``None`` when no sitemap read lists it."""
        ...

    def sitemap_entries(self, sitemap: str) -> dict[str, str | None]:
        """Article key -> lastmod of every entry of ``sitemap`` as last read."""
        ...

    def unaccounted(self) -> list[str]:
        """The keys of the articles the sitemaps the current run read whole listed that the
        state has never archived nor remembered, and for which the run finished no request:
        articles a finished run lost track of. In key order."""
        ...

    def save_sitemap_entries(self, sitemap: str, entries: Mapping[str, str | None]) -> None:
        """``sitemap`` was read whole and lists ``entries`` (article key -> lastmod): they
        replace what it listed before."""
        ...

    def sitemap(self, url: str) -> SitemapState | None: ...

    def save_sitemap(self, sitemap: SitemapState) -> None: ...

    def listing_due(self, url: str, page: int) -> str | None:
        """When the listing page (``page`` of the category ``url``) is next swept; ``None``
        for a page no run has seen."""
        ...

    def schedule_listing(self, url: str, page: int, due_at: str) -> None:
        """Set when the listing page (``page`` of the category ``url``) is next swept."""
        ...

    def due_listings(self, due_before: str) -> list[tuple[str, int]]:
        """``(category URL, page)`` of the listing pages whose sweep is due by ``due_before``,
        first pages excluded (every run asks for those)."""
        ...

    def meta(self, name: str) -> str | None:
        """A value the state keeps about its site (``crawler.state.site``, trust in lastmod)."""
        ...

    def set_meta(self, name: str, value: str) -> None: ...

    def templates(self) -> list[StoredTemplate]:
        """Every template learned for the site, oldest first (the history)."""
        ...

    def add_template(self, text: str, learned_at: str, run_dir: str | None) -> StoredTemplate:
        """Keep a learned template and make it the one in use."""
        ...

    def reset_templates(self) -> None:
        """Use no learned template: the page objects read the site again (the history
        stays)."""
        ...

    def add_category_page(self, page: ListingPage) -> None:
        """Keep a listing page of the current run for its category record."""
        ...

    def category_pages(self) -> Iterator[ListingPage]:
        """The current run's listing pages, in the order they were added."""
        ...

    def previous_categories(self) -> dict[str, Category]:
        """The category records the last finished run wrote, by URL: a run that stopped its
        listings early completes its records from them."""
        ...

    def save_categories(self, categories: Iterable[Category]) -> None:
        """Remember the run's category records for the next run."""
        ...

    def removed_urls(self) -> set[str]:
        """Canonical URLs of the articles archived and since removed."""
        ...

    def commit(self) -> None:
        """Make every change so far durable against a killed process."""
        ...

    def close(self) -> None: ...
