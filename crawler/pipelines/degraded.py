"""Hold, rather than write, an archived article whose page lost a field (a redesign)."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.coverage import COVERAGE_FIELDS, present
from crawler.extensions.degraded import Degraded, lost_field
from crawler.extensions.learning import TemplateLearning, template_learning
from crawler.extensions.state import crawl_state
from crawler.pipelines.records import article_record, is_article
from crawler.state import CrawlState
from crawler.stats import DROPPED_PREFIX
from crawler.urls import path_key

logger = logging.getLogger(__name__)


class DegradedPipeline:
    """Drops an article the archive holds with a field its page no longer gives (``related``
    empty where the archived version has cards), or a new article without one, counted under
    ``validate/dropped/lost_<field>``, while the run may still learn a template: the learning
    extension holds it (``crawler.extensions.degraded``). A page the extension let go (the
    field did not collapse) passes. Order it after validation and before deduplication, so a
    page read again is not a duplicate of itself.

    Settings: none (off with ``TEMPLATE_LEARNING=False`` or without a crawl state). A run
    whose records all have every field pays one check of the record, nothing else.
    """

    def __init__(
        self, stats: StatsCollector, state: CrawlState, learning: TemplateLearning
    ) -> None:
        self.stats = stats
        self.state = state
        self.learning = learning

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        learning = template_learning(crawler)
        state = crawl_state(crawler)
        if learning is None or not learning.enabled or state is None:
            raise NotConfigured("no template learning")
        assert crawler.stats is not None
        return cls(crawler.stats, state, learning)

    def process_item(self, item: Any) -> Any:
        if not is_article(item) or not self.learning.holding:
            return item
        record = article_record(item)
        if all(present(record.get(name)) for name in COVERAGE_FIELDS):
            return item
        key = path_key(str(record["url"]))
        field = lost_field(record, self.state.article(key))
        if field is None or self.learning.released(key):
            return item
        exception = Degraded(str(record["url"]), field)
        self.stats.inc_value(DROPPED_PREFIX + exception.reason)
        logger.info("Held %s: its page no longer gives %r", record["url"], field)
        raise exception
