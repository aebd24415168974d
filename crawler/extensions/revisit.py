"""The revisit policy in a crawl: what an incremental run asks for, and what it leaves alone.

``crawler.revisit`` holds the rules; this extension applies them to one run on the crawl
state. The spider asks it, for every URL it could follow, whether the run needs it; the
conditional middleware and the version pipeline tell it what each check found, and it
reschedules the article. When the spider closes it updates the trust in the site's lastmod
and reports the archive's freshness.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from crawler import urls
from crawler.clock import Clock, crawl_clock
from crawler.extensions.sitemaps import Sitemaps
from crawler.extensions.state import crawl_state, crawl_state_extension
from crawler.revisit import (
    DAY,
    DUE_SLACK,
    RUN_META,
    TRUST_META,
    RevisitSettings,
    RunFacts,
    Trust,
    after_check,
    first_due,
    sweep_due,
    to_iso,
)
from crawler.state import ArticleState, CrawlState
from crawler.stats import (
    FRESHNESS_KEY,
    LEFT_DUE_KEY,
    LISTING_STOPPED_KEY,
    SKIPPED_PREFIX,
    TRUST_KEY,
)

logger = logging.getLogger(__name__)


def revisit_settings(settings: BaseSettings) -> RevisitSettings:
    return RevisitSettings(
        max_age_days=settings.getfloat("REVISIT_MAX_AGE_DAYS"),
        max_age_days_trusted=settings.getfloat("REVISIT_MAX_AGE_DAYS_TRUSTED"),
        min_days=settings.getfloat("REVISIT_MIN_DAYS"),
        budget=settings.getint("REVISIT_BUDGET"),
        trust_sample=settings.getfloat("REVISIT_TRUST_SAMPLE"),
        trust_sample_min=settings.getint("REVISIT_TRUST_SAMPLE_MIN"),
        trust_recover=settings.getint("REVISIT_TRUST_RECOVER"),
        listing_stop_after_known=settings.getint("LISTING_STOP_AFTER_KNOWN"),
        listing_full_sweep_days=settings.getfloat("LISTING_FULL_SWEEP_DAYS"),
    )


class RevisitPolicy:
    """Decides which known pages an incremental run asks for again.

    - Archived articles are asked for when due (``revisit/due`` requests), oldest check first,
      at most ``REVISIT_BUDGET`` a run (0: no cap; the rest stay due, ``revisit/left_due``);
      plus a random sample (``trust_sample``) while the site has lastmods; plus those whose
      sitemap ``<lastmod>`` is newer than the one recorded (``lastmod``); plus those missing
      from a sitemap that listed them (``verify_removal``). A link to a known article found on
      a page is not followed otherwise (``revisit/skipped/known_link``).
    - A sitemap index entry whose ``<lastmod>`` did not change is not fetched
      (``sitemap/unchanged``).
    - A category's pagination is followed until ``LISTING_STOP_AFTER_KNOWN`` pages in a row
      list only known articles, where the state remembers the pages after them; every
      listing page is still swept every ``LISTING_FULL_SWEEP_DAYS``, the sweeps spread over
      the runs.

    Settings (``crawler/settings.py`` has the defaults): ``REVISIT_MAX_AGE_DAYS``,
    ``REVISIT_MAX_AGE_DAYS_TRUSTED``, ``REVISIT_MIN_DAYS``, ``REVISIT_BUDGET``,
    ``REVISIT_TRUST_SAMPLE``, ``REVISIT_TRUST_SAMPLE_MIN``, ``REVISIT_TRUST_RECOVER``,
    ``LISTING_STOP_AFTER_KNOWN``, ``LISTING_FULL_SWEEP_DAYS``, ``CRAWL_CLOCK``. Only active
    with a crawl state.
    """

    def __init__(
        self,
        state: Callable[[], CrawlState | None],
        stats: StatsCollector,
        settings: RevisitSettings,
        clock: Clock,
        run_started: Callable[[], datetime] | None = None,
    ) -> None:
        #: Looked up when first needed: extensions are built before one can find another.
        self._state = state
        self._run_started = run_started or clock
        self.stats = stats
        self.settings = settings
        self.clock = clock
        #: What the sitemaps say, read as the spider hands them over.
        self.sitemaps = Sitemaps(
            lambda: self.state, stats, self._note, lambda: to_iso(self.started)
        )
        self._lastmods_seen = False
        #: Changed articles that were not announced by a newer lastmod when fetched:
        #: ``(key, url, lastmod recorded before)``, judged once the sitemaps are read.
        self._suspects: list[tuple[str, str, str]] = []
        #: Articles first scheduled before the run knew whether the site has lastmods.
        self._provisional: list[str] = []

    @cached_property
    def state(self) -> CrawlState:
        state = self._state()
        if state is None:  # pragma: no cover - STATE_ENABLED and the state go together
            raise RuntimeError("the revisit policy runs without a crawl state")
        return state

    @cached_property
    def started(self) -> datetime:
        """When the run started: its schedule is judged as of then, by every process that
        works on it (the workers of a distributed crawl agree on it)."""
        return self._run_started()

    @cached_property
    def trust(self) -> Trust:
        """The trust in the site's lastmod as the run found it."""
        return Trust.loads(self.state.meta(TRUST_META))

    @cached_property
    def bound(self) -> float:
        """This run's bound on staleness, in seconds."""
        return self.settings.bound(self.trust.trusted)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STATE_ENABLED"):
            raise NotConfigured("no crawl state")
        assert crawler.stats is not None
        clock = crawl_clock(crawler.settings.get("CRAWL_CLOCK"))

        def run_started() -> datetime:
            extension = crawl_state_extension(crawler)
            return extension.run.started_at if extension is not None else clock()

        policy = cls(
            lambda: crawl_state(crawler),
            crawler.stats,
            revisit_settings(crawler.settings),
            clock,
            run_started,
        )
        crawler.signals.connect(policy.spider_closed, signal=signals.spider_closed)
        return policy

    # -- what a run asks for at its start -------------------------------------------------------

    def _horizon(self) -> str:
        return to_iso(self.started + DUE_SLACK)

    def revisits(self) -> list[tuple[str, str]]:
        """``(canonical URL, purpose)`` of the known articles this run checks whatever the
        sitemaps say: the due ones, then the trust sample."""
        verified_before = to_iso(self.started + DUE_SLACK - timedelta(seconds=self.bound))
        budget = self.settings.budget
        due = self.state.due_articles(self._horizon(), verified_before, budget + 1 if budget else 0)
        if budget and len(due) > budget:
            left = len(self.state.due_articles(self._horizon(), verified_before, 0)) - budget
            self.stats.set_value(LEFT_DUE_KEY, left)
            due = due[:budget]
        chosen = [(url, "due") for url in due]
        if self.trust.state != "unknown":
            taken = set(due)
            size = self.settings.sample_size(self.state.live_article_count())
            seed = int(self.started.timestamp())
            # Drawn among all archived articles; those already due stand for themselves.
            chosen += [
                (url, "trust_sample")
                for url in self.state.sample_articles(size, seed)
                if url not in taken
            ]
        return chosen

    def sweeps(self) -> list[tuple[str, int]]:
        """``(category URL, page)`` of the listing pages due for their periodic sweep."""
        return self.state.due_listings(self._horizon())

    # -- links, sitemaps and listings -----------------------------------------------------------

    def _known(self, url: str) -> ArticleState | None:
        known = self.state.article(urls.path_key(url))
        return known if known is not None and not known.removed else None

    def article_link(self, url: str) -> str | None:
        """The purpose of following a link to an article found on a page: ``"new"`` for one
        the state does not know, else ``None`` (its schedule decides)."""
        if self._known(url) is None:
            return "new"
        self.stats.inc_value(SKIPPED_PREFIX + "known_link")
        return None

    def _facts(self) -> RunFacts:
        return RunFacts.loads(self.state.meta(RUN_META), to_iso(self.started))

    def _note(
        self, *, sitemaps: bool = False, lastmods: bool = False, contradicted: Sequence[str] = ()
    ) -> RunFacts:
        """Add what this process learned to the run's facts in the state; return them."""
        facts = self._facts().merged(
            sitemaps=sitemaps, lastmods=lastmods, contradicted=list(contradicted)
        )
        self.state.set_meta(RUN_META, facts.dumps())
        return facts

    def _run_has_lastmods(self) -> bool:
        # Once true, true for the rest of the run: a new article of a first crawl asks this
        # twice, and another worker's answer is a read of the state each time until then.
        if not self._lastmods_seen:
            self._lastmods_seen = self.sitemaps.lastmods_found > 0 or self._facts().lastmods
        return self._lastmods_seen

    def listing(self, url: str, page: int, articles: list[str], known_before: int) -> int | None:
        """A listing page (``page`` of the category ``url``) was fetched: schedule its next
        sweep and say whether to follow its pagination: ``None`` to stop, else the count of
        pages in a row that listed only known articles, for the next page to go on from."""
        first = self.state.listing_due(url, page) is None
        period = self.settings.listing_full_sweep_days * DAY
        # Spread by the page's path, not its URL: a mirror's port changes between runs.
        due = sweep_due(urls.path_key(url), page, self.started, period, first=first)
        self.state.schedule_listing(url, page, due)
        all_known = bool(articles) and all(self._known(link) is not None for link in articles)
        count = known_before + 1 if all_known else 0
        remembered = self.state.listing_due(url, page + 1) is not None
        if count >= max(1, self.settings.listing_stop_after_known) and remembered:
            self.stats.inc_value(LISTING_STOPPED_KEY)
            return None
        return count

    # -- what checks found ----------------------------------------------------------------------

    def _first_bound(self) -> float:
        """The bound a first schedule spreads over: the trusted one on a site whose lastmods
        this run has seen and never caught lying (a first crawl earns the trust as it ends,
        and its articles should not all come due within the shorter bound)."""
        if self.trust.state == "unknown" and self._run_has_lastmods():
            return self.settings.bound(trusted=True)
        return self.bound

    def checked(self, article: ArticleState, *, changed: bool, new: bool = False) -> None:
        """Reschedule ``article`` after a check (a 304, an unchanged page, a new version or a
        first archive), and note the lastmod and sitemap this run's sitemaps gave it."""
        key = article.key
        before = article.lastmod
        lastmod = self.sitemaps.lastmod_of(key)
        if lastmod is not None:
            article.lastmod = lastmod
        if new or article.interval <= 0:
            if self.trust.state == "unknown" and not self._run_has_lastmods():
                # Before any sitemap answered: whether the site has lastmods (and so which
                # bound to spread over) is known at the end of the run.
                self._provisional.append(key)
            article.due_at, article.interval = first_due(key, self.started, self._first_bound())
        else:
            article.due_at, article.interval = after_check(
                article.interval,
                changed=changed,
                now=self.started,
                bound=self.bound,
                minimum=self.settings.min_days * DAY,
            )
        if changed and not new and before is not None:
            self._suspects.append((key, article.url, before))

    def _contradictions(self) -> list[str]:
        """This process's changed articles whose lastmod stood still: the site's lastmod lied
        about them."""
        if not self._facts().sitemaps:
            return []  # no sitemap answered in the run: nothing to judge the lastmods by
        found = []
        for key, url, before in self._suspects:
            now = self.sitemaps.lastmod_of(key)
            if now is None or now <= before:
                found.append(url)
        return found

    # -- the end of the run ---------------------------------------------------------------------

    def _settle_provisional(self) -> None:
        """Spread the articles first scheduled before any lastmod was seen as the others of
        the run were: over the trusted bound on a site with lastmods. The order in which the
        first pages and the sitemaps happened to arrive then changes no schedule."""
        if not self._provisional or not self._run_has_lastmods():
            return
        for key in self._provisional:
            article = self.state.article(key)
            if article is not None:
                article.due_at, article.interval = first_due(key, self.started, self._first_bound())
                self.state.save_article(article)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._settle_provisional()
        # The run's, not only this process's: the last process of a run to close writes the
        # trust the whole run leaves, whichever worker found what.
        facts = self._note(contradicted=self._contradictions())
        contradicted = facts.contradicted
        now = self.clock()
        trust = self.trust
        if reason == "finished":
            trust = self.trust.after_run(
                found_lastmods=facts.lastmods,
                contradicted=contradicted,
                now=to_iso(now),
                recover=self.settings.trust_recover,
            )
            self.state.set_meta(TRUST_META, trust.dumps())
        if contradicted and self.trust.trusted:
            logger.warning(
                "The site's sitemap lastmod is no longer trusted: %d article(s) changed while "
                "their lastmod did not move (%s); every article is now checked at least "
                "every %g days",
                len(contradicted),
                ", ".join(contradicted[:3]),
                self.settings.max_age_days,
            )
        bound = self.settings.bound(trust.trusted)
        freshness = self.state.freshness(to_iso(now - timedelta(seconds=bound)))
        self.stats.set_value(TRUST_KEY, self._trust_entry(trust, contradicted))
        self.stats.set_value(
            FRESHNESS_KEY,
            {
                "bound_days": bound / DAY,
                "oldest_verified": freshness.oldest_verified,
                "oldest_age_days": _age_days(now, freshness.oldest_verified),
                "overdue": freshness.overdue,
            },
        )
        self.state.commit()

    def _trust_entry(self, trust: Trust, contradicted: list[str]) -> dict[str, Any]:
        return {
            "state": trust.state,
            "since": trust.since,
            "clean_runs": trust.clean_runs,
            "contradicted": contradicted,
            "lost": bool(contradicted) and self.trust.trusted,
        }


def _age_days(now: datetime, oldest: str | None) -> float | None:
    if oldest is None:
        return None
    moment = datetime.fromisoformat(oldest.replace("Z", "+00:00"))
    return round((now - moment).total_seconds() / DAY, 3)


def revisit_policy(crawler: Crawler) -> RevisitPolicy | None:
    """The crawl's revisit policy, or ``None`` when the crawl runs without a state."""
    return crawler.get_extension(RevisitPolicy)
