"""A run's category records from the crawl state: its own listing pages, completed from the
records of the run before when it stopped its listings early."""

from __future__ import annotations

from crawler.archive.categories import complete_categories
from crawler.items import Category
from crawler.state import CrawlState


def run_categories(state: CrawlState) -> list[Category]:
    """The current run's categories; call :meth:`CrawlState.save_categories` with them once
    they are written, for the next run to complete its own from."""
    return complete_categories(
        state.category_pages(), state.previous_categories(), state.removed_urls()
    )
