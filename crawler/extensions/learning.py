"""When the site is redesigned, learn its new template from the archive, in the same run.

A run whose article pages stop yielding records (the ``no_records`` alarm would fire), or
whose pages of archived articles lose a field the archive has (the ``coverage`` alarm would
fire: ``crawler.extensions.degraded``), has them all in hand: each page dropped for want of a
field, or for a field it lost, is held (``crawler.templates.held``) with its response. When
the crawl has nothing left to fetch, the held pages of archived, unchanged articles are
labelled examples: their records are in the archive, and their head (JSON-LD headline,
description, datePublished) proves which (``crawler.extensions.labelled``). A template is
learned from them and validated on the others (``crawler.templates.learn``); the listing pages
the run could not read are learned from the previous run's category records
(``crawler.templates.listing``).

A template that passes is kept in the crawl state and used from then on; the held pages are
read again with it in the same run (answered from the store by
``crawler.middlewares.held``, so the site is not asked twice): unchanged articles count as
unchanged, new ones are archived. Their drops are taken back from the counts. A template that
fails leaves the run as loud as it was, with the reason (which field, on how many pages).

Why hold the responses rather than ask again: a redesign makes every page of the run fail
at once, so asking again would double the run's requests to the site; held bodies cost a
file each in a temporary folder, and only on a run that dropped them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Self, TypeVar

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.statscollectors import StatsCollector

from crawler.archive.manifest import iso_utc
from crawler.clock import crawl_clock
from crawler.contract import violation
from crawler.coverage import COVERAGE_FIELDS, Coverage, present
from crawler.extensions.alarms import Thresholds, collapsed_fields, no_record_alarm
from crawler.extensions.degraded import LOST_PREFIX, Degraded
from crawler.extensions.holding import take_back
from crawler.extensions.labelled import archived_examples, listing_examples_of
from crawler.extensions.state import crawl_state, crawl_state_extension
from crawler.items import Article
from crawler.pages import ArticlePage, CategoryPage, Page
from crawler.state import CrawlState, StoredTemplate
from crawler.stats import (
    RUN_DIR_KEY,
    TEMPLATE_FAILED_KEY,
    TEMPLATE_HELD_KEY,
    TEMPLATE_KEY,
    TEMPLATE_LEARNED_KEY,
    TEMPLATE_REREAD_KEY,
)
from crawler.templates.apply import article_page_class, listing_page_class
from crawler.templates.fields import Failure
from crawler.templates.held import HeldPage, HeldPages, Kind, held_key
from crawler.templates.learn import learn
from crawler.templates.listing import learn_listing
from crawler.templates.model import Template, TemplateError
from crawler.urls import path_key

logger = logging.getLogger(__name__)

P = TypeVar("P", bound=Page)

#: Request meta key of a held page read again: its key in the store.
HELD_META = "held_page"
#: Listing pages held before a listing template is tried.
MIN_LISTING_PAGES = 6


class TemplateLearning:
    """Learns a new template when the article pages stop yielding records or a field's
    coverage collapses, and reads the pages again with it.

    Settings:

    - ``TEMPLATE_LEARNING`` (default ``True``): ``False`` keeps today's loud stop (a template
      learned before is still used; ``scrapy template reset`` drops it).
    - ``TEMPLATE_HOLD_MAX_PAGES`` (default ``50000``): dropped pages whose responses are kept
      on disk for the run; past it, pages are asked for again.
    - ``TEMPLATE_SAMPLE_PAGES`` (default ``60``): archived pages learning and validation read
      (five learned from, the rest held out).
    """

    def __init__(
        self,
        crawler: Crawler,
        stats: StatsCollector,
        *,
        enabled: bool,
        hold_max: int,
        sample: int,
        thresholds: Thresholds,
        archive_dir: str,
    ) -> None:
        self.crawler = crawler
        self.stats = stats
        self.enabled = enabled
        self.sample = sample
        self.thresholds = thresholds
        self.archive_dir = archive_dir
        self.held = HeldPages(hold_max)
        self.template: Template | None = None
        self._classes: dict[type[Page], type[Page]] = {}
        self._tried = False
        #: Path keys of degraded pages let go: read again as they are, not held again.
        self._released: set[str] = set()
        self._clock = crawl_clock(crawler.settings.get("CRAWL_CLOCK"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        assert crawler.stats is not None
        extension = cls(
            crawler,
            crawler.stats,
            enabled=settings.getbool("TEMPLATE_LEARNING"),
            hold_max=settings.getint("TEMPLATE_HOLD_MAX_PAGES"),
            sample=settings.getint("TEMPLATE_SAMPLE_PAGES"),
            thresholds=Thresholds(
                no_record_share=settings.getfloat("ALARM_NO_RECORD_SHARE"),
                coverage_drop=settings.getfloat("ALARM_COVERAGE_DROP"),
                min_pages=settings.getint("ALARM_MIN_PAGES"),
            ),
            archive_dir=settings.get("ARCHIVE_DIR"),
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        if extension.enabled:
            crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
            crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        return extension

    # -- the template in use ------------------------------------------------------------------

    def page_class(self, page_class: type[P]) -> type[P]:
        """The class reading pages of ``page_class``'s kind: the learned one, if any."""
        return self._classes.get(page_class, page_class)  # type: ignore[return-value]

    def _use(self, template: Template, stored: StoredTemplate) -> None:
        self.template = template
        self._classes = {}
        if template.article is not None:
            self._classes[ArticlePage] = article_page_class(template.article)
        if template.listing is not None:
            self._classes[CategoryPage] = listing_page_class(template.listing)
        self.stats.set_value(
            TEMPLATE_KEY,
            {
                "id": stored.id,
                "digest": template.digest,
                "learned_at": stored.learned_at,
                "learned_in": Path(stored.run_dir).name if stored.run_dir else None,
            },
        )

    def spider_opened(self, spider: Spider) -> None:
        run_state = crawl_state_extension(self.crawler)
        kept = run_state.held_pages(self.held.max_pages) if run_state and self.enabled else None
        if kept is not None:
            self.held = kept
        state = run_state.state if run_state is not None else None
        active = next((t for t in state.templates() if t.active), None) if state else None
        if active is None:
            return
        try:
            self._use(Template.from_json(active.text), active)
        except TemplateError as exc:
            logger.error("The learned template %d cannot be read (%s): not used", active.id, exc)
            return
        run_dir = run_state.run.run_dir if run_state is not None else None
        if run_dir is not None and active.run_dir == run_dir:
            # Learned by a killed process of this run: the pages it held are being read again.
            self._tried = True
            self.stats.set_value(TEMPLATE_LEARNED_KEY, True)

    # -- holding what could not be read -------------------------------------------------------

    @property
    def holding(self) -> bool:
        """Whether pages that lost a field are still held (``crawler.pipelines.degraded``):
        until learning was tried."""
        return self.enabled and not self._tried

    def released(self, key: str) -> bool:
        """Whether the page of path key ``key`` was let go, to be written as it reads."""
        return key in self._released

    def item_dropped(
        self, item: Any, response: Response | None, exception: Exception, spider: Spider
    ) -> None:
        """An article page dropped for breaking the record contract (the validation
        pipeline's drops: a missing body, title...) or for a field it lost is held."""
        if self._tried or not isinstance(item, Article) or not isinstance(response, TextResponse):
            return
        record = item.to_record()
        reason = exception.reason if isinstance(exception, Degraded) else violation(record)
        if reason is None:  # unchanged, a duplicate: dropped for what it is, not for a template
            return
        fields = [name for name in COVERAGE_FIELDS if present(record.get(name))]
        self._hold(response, "article", reason, fields)

    def listing_dropped(self, response: TextResponse) -> None:
        """A listing page the spider could not read (no name)."""
        if self.enabled and not self._tried:
            self._hold(response, "listing", "category_without_name", ())

    def _hold(self, response: TextResponse, kind: Kind, reason: str, fields: Iterable[str]) -> None:
        headers = [(name, value) for name, values in response.headers.items() for value in values]
        earlier = self.held.get(held_key(kind, response.url))
        if earlier is not None:
            # Held by a killed process of this run before the state committed its request as
            # done: fetched and counted again now, so the earlier count goes.
            take_back(self.stats, earlier)
        body = response.body
        self.held.hold(response.url, kind, response.status, headers, body, reason, tuple(fields))
        self.stats.inc_value(TEMPLATE_HELD_KEY)

    # -- learning -----------------------------------------------------------------------------

    def spider_idle(self, spider: Spider) -> None:
        if self.held.adopted and self.template is not None:
            # Pages a dead worker held, taken over once this one has a template to read them.
            adopted = [page for page in self.held.pages() if page.key in self.held.adopted]
            self._schedule(adopted, spider)
            raise DontCloseSpider
        if self._tried or not len(self.held):
            return
        stats = self.stats.get_stats()
        drift, collapsed = self._drift(stats, spider)
        if not drift:
            if self._release(spider):
                raise DontCloseSpider
            return
        self._tried = True
        state = crawl_state(self.crawler)
        if state is None:
            self._failed("learning needs a crawl state (STATE_ENABLED)")
            return
        template = self._learn(state, spider)
        if template is None:
            # Pages that lost a field whose coverage held up were edited: they are written.
            if self._release(spider, keep=collapsed):
                raise DontCloseSpider
            return
        learned_at = iso_utc(self._clock())
        stored = state.add_template(template.to_json(), learned_at, stats.get(RUN_DIR_KEY))
        self._use(template, stored)
        self.stats.set_value(TEMPLATE_LEARNED_KEY, True)
        logger.warning(
            "Learned a new template from %s archived pages, validated on %s: reading the %d "
            "pages this run could not read again with it",
            template.learned.get("learned_from"),
            template.learned.get("validated_on"),
            len(self.held),
        )
        self._reread(spider)
        raise DontCloseSpider

    def _drift(self, stats: Mapping[str, Any], spider: Spider) -> tuple[bool, frozenset[str]]:
        """Whether the template moved: pages without records, or a field's coverage collapsed
        from the previous run's (the drift alarms of the end of the run); and the fields
        that collapsed."""
        no_records = no_record_alarm(stats, self.thresholds)
        state = crawl_state(self.crawler)
        previous = (
            state.previous_coverage(spider.name, self.thresholds.min_pages) if state else None
        )
        collapsed = frozenset(
            collapsed_fields(Coverage.from_stats(stats), previous, self.thresholds)
        )
        return no_records is not None or bool(collapsed), collapsed

    def _release(self, spider: Spider, keep: frozenset[str] = frozenset()) -> bool:
        """The pages held for a field they lost, but those in ``keep`` (collapsed fields, no
        template to read them), are read again as they are: an edit that dropped an
        article's related cards is news to archive."""
        lost = [
            page
            for page in self.held.pages("article")
            if page.reason.startswith(LOST_PREFIX) and page.reason[len(LOST_PREFIX) :] not in keep
        ]
        for page in lost:
            self._released.add(path_key(page.url))
        self._schedule(lost, spider)
        return bool(lost)

    def _failed(self, why: str) -> None:
        message = f"a new template could not be learned: {why}"
        self.stats.set_value(TEMPLATE_FAILED_KEY, message)
        logger.error("%s", message)

    def _response(self, page: HeldPage) -> HtmlResponse | None:
        body = self.held.body(page)
        if body is None:
            return None
        return HtmlResponse(page.url, status=page.status, headers=list(page.headers), body=body)

    def _learn(self, state: CrawlState, spider: Spider) -> Template | None:
        origin = getattr(getattr(spider, "scope", None), "public_origin", None)
        examples = archived_examples(
            self.held, state, self.archive_dir, self.sample, self._response, origin
        )
        if not examples:
            # No page of an archived article among them (a first crawl, pages never read
            # before): nothing to learn from, and nothing learning could say beyond the alarm.
            logger.info("No archived article among the pages without a record: nothing to learn")
            return None
        outcome = learn(examples)
        if outcome.template is None:
            self._failed(outcome.failure or "no template")
            return None
        listing = None
        listing_examples = listing_examples_of(self.held, state, self._response, origin)
        if len(listing_examples) >= MIN_LISTING_PAGES:
            learned = learn_listing(listing_examples)
            if isinstance(learned, Failure):
                logger.warning("No listing template learned: %s", learned)
            else:
                listing = learned
        return Template(
            outcome.template,
            listing,
            {
                "at": iso_utc(self._clock()),
                "learned_from": outcome.learned_from,
                "validated_on": outcome.validated_on,
                "reproduced": outcome.right,
                "listing_pages": len(listing_examples) if listing is not None else 0,
            },
        )

    # -- reading again ------------------------------------------------------------------------

    def _reread(self, spider: Spider) -> None:
        self._schedule(list(self.held.pages()), spider)

    def _schedule(self, pages: Iterable[HeldPage], spider: Spider) -> None:
        assert self.crawler.engine is not None
        article_callback = getattr(spider, "parse_article", None) or spider.parse
        for page in pages:
            self.held.adopted.discard(page.key)
            take_back(self.stats, page)
            self.stats.inc_value(TEMPLATE_REREAD_KEY)
            callback = article_callback if page.kind == "article" else spider.parse
            request = Request(
                page.url,
                callback=callback,
                errback=getattr(spider, "failed", None),
                dont_filter=True,
                priority=50,
                # No purpose: the request never reaches the site, nor the middleware counting
                # requests sent (crawler.middlewares.purpose).
                meta={HELD_META: page.key},
            )
            self.crawler.engine.crawl(request)

    def held_response(self, key: str, request: Request) -> HtmlResponse | None:
        """The held response of the page ``key``, for the request reading it again (``None``:
        not stored, to be fetched); the page is released from the store."""
        page = self.held.get(key)
        if page is None:
            return None
        body = self.held.body(page)
        self.held.release(key)
        if body is None:
            return None
        return HtmlResponse(
            page.url,
            status=page.status,
            headers=list(page.headers),
            body=body,
            request=request,
            flags=["held"],
        )

    def learned_json(self) -> str | None:
        """The JSON of the template learned in this run, if one was."""
        learned = self.stats.get_value(TEMPLATE_LEARNED_KEY)
        return self.template.to_json() if learned and self.template is not None else None

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # A run that did not finish is resumed with the pages it held.
        self.held.close(keep=reason != "finished")


def template_learning(crawler: Crawler) -> TemplateLearning | None:
    return crawler.get_extension(TemplateLearning)
