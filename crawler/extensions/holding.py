"""What holding a page for learning means to the run: its counts, taken back when it is read
again (it is counted as what it gives then) or when a resumed process holds it again (it was
counted twice), and its store, kept across the run's processes.
"""

from __future__ import annotations

from scrapy.statscollectors import StatsCollector

from crawler.extensions.state import CrawlStateExtension
from crawler.stats import DROPPED_PREFIX, FIELD_PREFIX, PAGES_KEY
from crawler.templates.held import HeldPage, HeldPages

#: The state's meta field: the run, and the held pages' index lines its last commit saw.
HELD_LINES_META = "held_pages"

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


def kept_held_pages(run_state: CrawlStateExtension, max_pages: int) -> HeldPages:
    """Held pages kept in the state folder, each commit of the state noting how many index
    lines it agrees with: a killed process's pages are held again by the next."""
    run, state = run_state.run, run_state.state
    name = f"{run.id} {run.spider}"
    committed = (state.meta(HELD_LINES_META) or "").rpartition(" ")
    lines = int(committed[2]) if committed[0] == name and committed[2].isdigit() else 0
    held = HeldPages(max_pages, run_state.held_dir, name, lines)
    run_state.before_commit.append(lambda: state.set_meta(HELD_LINES_META, f"{name} {held.lines}"))
    return held
