"""Versions: an article is written when it is new or its content changed, never again as is."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.archive.manifest import iso_utc
from crawler.clock import crawl_clock, utc_now
from crawler.digests import changed_fields, content_digests
from crawler.extensions.revisit import RevisitPolicy, revisit_policy
from crawler.extensions.state import crawl_state
from crawler.items import PageGone, Removed
from crawler.pipelines.dedup import DuplicateContent
from crawler.pipelines.records import article_record, is_article, is_page_gone, is_removed
from crawler.state import ArticleState, CrawlState
from crawler.stats import (
    CHANGED_KEY,
    GONE_ALREADY_REMOVED_KEY,
    GONE_NOT_ARCHIVED_KEY,
    NEW_KEY,
    REMOVED_KEY,
    UNCHANGED_KEY,
)
from crawler.urls import path_key

logger = logging.getLogger(__name__)


class Unchanged(DropItem):
    """The article's content is what the state already has: nothing to write."""


def header(response: Response | None, name: bytes) -> str | None:
    """A response header as text (``None`` without the header, or without a response)."""
    if response is None:
        return None
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class VersionPipeline:
    """Compares each article with the crawl state and keeps only what is news.

    - A new article gets ``version`` 1; one whose content changed gets the next version, with
      ``previous_hash`` and ``changed_fields``; both get ``content_hash`` and ``fetched_at``.
    - An article whose content is unchanged is dropped (``Unchanged``), counted under
      ``articles/unchanged``.
    - A ``PageGone`` (404 or 410) for an article the state knows as archived becomes one
      ``Removed`` record; for any other page it is dropped and counted under
      ``gone/not_archived`` or ``gone/already_removed``.

    Once a record is written (``item_scraped``) the state learns its version, digests and the
    page's ``ETag`` / ``Last-Modified``, and the run counts it under ``articles/new``,
    ``articles/changed`` or ``articles/removed``. Copies dropped as duplicates are remembered
    too, with their validators, so the next run asks for them conditionally.

    Without a state every article is new (version 1). Order it after deduplication and before
    the archive. Settings: none.
    """

    def __init__(
        self,
        stats: StatsCollector,
        state: CrawlState | None,
        clock: Callable[[], datetime] = utc_now,
        policy: RevisitPolicy | None = None,
    ) -> None:
        self.stats = stats
        self.state = state
        self.clock = clock
        self.policy = policy
        #: Per URL of an item on its way to the archive: its field digests and when the
        #: article was first seen, for the state once the record is written.
        self._pending: dict[str, tuple[dict[str, str], str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        pipeline = cls(
            crawler.stats,
            crawl_state(crawler),
            crawl_clock(crawler.settings.get("CRAWL_CLOCK")),
            policy=revisit_policy(crawler),
        )
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        if pipeline.state is not None:
            crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def process_item(self, item: Any) -> Any:
        if is_page_gone(item):
            return self._gone(item)
        if not is_article(item):
            return item
        adapter = ItemAdapter(item)
        record = article_record(item)
        digest, fields = content_digests(record)
        known = self._known(record["url"])
        if known is not None and known.live and known.content_hash == digest:
            self.stats.inc_value(UNCHANGED_KEY)
            raise Unchanged(f"unchanged: {record['url']}", log_level="DEBUG")
        adapter["content_hash"] = digest
        adapter["fetched_at"] = iso_utc(self.clock())
        if known is None or known.version == 0:
            adapter["version"] = 1
        else:
            adapter["version"] = known.version + 1
            adapter["previous_hash"] = known.content_hash
            adapter["changed_fields"] = changed_fields(known.field_hashes, fields)
        if self.state is not None:
            self._pending[record["url"]] = (fields, known.first_seen if known else None)
        return item

    def _known(self, url: str) -> ArticleState | None:
        return self.state.article(path_key(url)) if self.state is not None else None

    def _gone(self, gone: PageGone) -> Removed:
        known = self._known(gone.url)
        if known is None or known.version == 0:
            self.stats.inc_value(GONE_NOT_ARCHIVED_KEY)
            raise DropItem(f"gone, never archived: {gone.url}", log_level="DEBUG")
        if known.removed:
            self.stats.inc_value(GONE_ALREADY_REMOVED_KEY)
            raise DropItem(f"gone, already reported removed: {gone.url}", log_level="DEBUG")
        logger.info("Article removed (%d): %s", gone.status, known.url)
        return Removed(url=known.url, id=known.id, status=gone.status, last_seen=known.last_seen)

    # -- the state learns what was written ------------------------------------------------------

    def item_scraped(self, item: Any, response: Response | None) -> None:
        if is_removed(item):
            self.stats.inc_value(REMOVED_KEY)
            if self.state is not None:
                self._record_removed(ItemAdapter(item))
        elif is_article(item):
            # Read through the adapter: the record itself (blocks, related) is not needed.
            adapter = ItemAdapter(item)
            self.stats.inc_value(NEW_KEY if adapter["version"] == 1 else CHANGED_KEY)
            if self.state is not None:
                self._record_article(adapter, response)

    def _record_article(self, record: ItemAdapter, response: Response | None) -> None:
        assert self.state is not None
        fields, first_seen = self._pending.pop(record["url"])
        seen = str(record["fetched_at"])
        key = path_key(record["url"])
        article = self.state.article(key) or ArticleState(key=key, url=record["url"])
        new = article.version == 0
        article.url = record["url"]
        article.id = record.get("id")
        article.version = int(record["version"])
        article.content_hash = record["content_hash"]
        article.field_hashes = fields
        article.etag = header(response, b"ETag")
        article.last_modified = header(response, b"Last-Modified")
        article.first_seen = first_seen or seen
        article.last_seen = seen
        article.last_status = response.status if response is not None else 200
        article.removed = False
        article.duplicate_of = None
        if self.policy is not None:
            self.policy.checked(article, changed=not new, new=new)
        self.state.save_article(article)

    def _record_removed(self, adapter: ItemAdapter) -> None:
        assert self.state is not None
        known = self.state.article(path_key(adapter["url"]))
        if known is not None:
            known.removed = True
            known.last_status = int(adapter["status"])
            self.state.save_article(known)

    def item_dropped(self, item: Any, response: Response | None, exception: Exception) -> None:
        assert self.state is not None
        if not is_article(item):
            return
        adapter = ItemAdapter(item)
        # Dropped after this pipeline (the archive could not write it): nothing to record.
        self._pending.pop(str(adapter.get("url")), None)
        if not isinstance(exception, Unchanged | DuplicateContent):
            return
        key = path_key(adapter["url"])
        known = self.state.article(key) or ArticleState(
            key=key, url=adapter["url"], id=adapter.get("id"), first_seen=iso_utc(self.clock())
        )
        known.last_seen = iso_utc(self.clock())
        known.last_status = response.status if response is not None else 200
        known.etag = header(response, b"ETag")
        known.last_modified = header(response, b"Last-Modified")
        if isinstance(exception, DuplicateContent):
            known.duplicate_of = exception.first
        if self.policy is not None:
            self.policy.checked(known, changed=False)
        self.state.save_article(known)
