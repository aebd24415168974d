"""Drop article items that break the record contract, counting each reason."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler import contract
from crawler.coverage import COVERAGE_FIELDS, present
from crawler.pipelines.records import article_record, is_article
from crawler.stats import DROPPED_PREFIX, FIELD_PREFIX, PAGES_KEY

logger = logging.getLogger(__name__)


class ValidatePipeline:
    """Drops articles that ``crawler.contract.violation`` rejects; other items pass through.

    Each drop increments ``validate/dropped/<reason>`` and is logged once per URL at WARNING.
    The ``DropItem`` itself is logged at DEBUG, because Scrapy's default drop message prints
    the whole item (possibly thousands of paragraphs) a second time.

    Every article item, valid or not, is also counted for field coverage (``crawler.coverage``):
    ``coverage/pages``, and ``coverage/field/<name>`` for each field it has.

    Settings: none. Remove it from ``ITEM_PIPELINES`` to switch it off.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        # Only invalid URLs are kept, and a page yields at most one article: this stays small.
        self._warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not is_article(item):
            return item
        record = article_record(item)
        self.stats.inc_value(PAGES_KEY)
        for name in COVERAGE_FIELDS:
            if present(record.get(name)):
                self.stats.inc_value(FIELD_PREFIX + name)
        reason = contract.violation(record)
        if reason is None:
            return item
        url = str(record.get("url") or "<no url>")
        self.stats.inc_value(DROPPED_PREFIX + reason)
        if url not in self._warned:
            self._warned.add(url)
            logger.warning("Dropped invalid article %s: %s", url, reason)
        raise DropItem(f"invalid article ({reason}): {url}", log_level="DEBUG")
