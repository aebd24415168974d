"""What holding a page for learning means to the run: its counts, taken back when it is read
again (it is counted as what it gives then) or when a resumed process holds it again (it was
counted twice), or moved with it from a dead worker's counters to its taker's.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from scrapy.statscollectors import StatsCollector

from crawler.stats import DROPPED_PREFIX, FIELD_PREFIX, PAGES_KEY
from crawler.templates.held import HeldPage

#: The state's meta field: the run, and the held pages' index lines its last commit saw.
HELD_LINES_META = "held_pages"

#: The spider's drop count of a listing page without a name.
LISTING_DROPPED_KEY = "pages/dropped/category_without_name"


def dropped_counts(page: HeldPage) -> list[str]:
    """The counts dropping ``page`` added one to: its drop, its page and fields for coverage.

    >>> from crawler.templates.held import HeldPage
    >>> dropped_counts(HeldPage("k", "u", "article", 200, (), "missing_body", ("title",), True))
    ['validate/dropped/missing_body', 'coverage/pages', 'coverage/field/title']
    """
    if page.kind == "article":
        return [DROPPED_PREFIX + page.reason, PAGES_KEY, *(FIELD_PREFIX + n for n in page.fields)]
    return [LISTING_DROPPED_KEY]


def take_back(stats: StatsCollector, page: HeldPage) -> None:
    """Undo what dropping ``page`` counted."""
    for key in dropped_counts(page):
        uncount(stats, key)


def count_again(stats: StatsCollector, page: HeldPage) -> None:
    """Count ``page``'s drop here: a dead worker's held page, taken over with its counts."""
    for key in dropped_counts(page):
        stats.inc_value(key)


def taken_from(counters: MutableMapping[str, int], page: HeldPage) -> None:
    """``take_back`` on saved counters (a dead worker's, whose held page another took).

    >>> from crawler.templates.held import HeldPage
    >>> counters = {"validate/dropped/missing_body": 1, "coverage/pages": 3}
    >>> taken_from(counters, HeldPage("k", "u", "article", 200, (), "missing_body", (), True))
    >>> counters
    {'coverage/pages': 2}
    """
    for key in dropped_counts(page):
        counters[key] = counters.get(key, 0) - 1
        if counters[key] == 0:
            del counters[key]


def uncount(stats: StatsCollector, key: str) -> None:
    """One less under ``key``; a count back to zero goes, as if never counted (a drop count
    of 0 would still be listed in the manifest)."""
    stats.inc_value(key, -1)
    if stats.get_value(key) == 0:
        # Scrapy's collectors hand out their own dict: the one way to remove a key.
        stats.get_stats().pop(key, None)
