"""A held page's counts: taken back when it is read again (it is counted as what it gives
then), or when a resumed process holds it again (it was counted twice)."""

from __future__ import annotations

from scrapy.statscollectors import StatsCollector

from crawler.stats import DROPPED_PREFIX, FIELD_PREFIX, PAGES_KEY
from crawler.templates.held import HeldPage

#: The spider's drop count of a listing page without a name.
LISTING_DROPPED_KEY = "pages/dropped/category_without_name"


def take_back(stats: StatsCollector, page: HeldPage) -> None:
    """Undo what dropping ``page`` counted: its drop, its page and fields for coverage."""
    if page.kind == "article":
        uncount(stats, DROPPED_PREFIX + page.reason)
        uncount(stats, PAGES_KEY)
        for name in page.fields:
            uncount(stats, FIELD_PREFIX + name)
    else:
        uncount(stats, LISTING_DROPPED_KEY)


def uncount(stats: StatsCollector, key: str) -> None:
    """One less under ``key``; a count back to zero goes, as if never counted (a drop count
    of 0 would still be listed in the manifest)."""
    stats.inc_value(key, -1)
    if stats.get_value(key) == 0:
        # Scrapy's collectors hand out their own dict: the one way to remove a key.
        stats.get_stats().pop(key, None)
