"""Caps on what one category or one page can make the crawler fetch."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response

from crawler import urls
from crawler.stats import CATEGORY_PAGES_KEY, PAGES_TRUNCATED_KEY

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _LinkBudget:
    """Requests one response may still yield; ``left`` is ``None`` when uncapped."""

    left: int | None
    exhausted: bool = False


class CrawlLimitsMiddleware:
    """Spider middleware that drops requests a crawler trap would make, counting each drop.

    - Listing pages per category: a request for a category listing
      (``/category.php?c=<slug>[&page=N]``) is dropped when ``N`` exceeds
      ``CATEGORY_MAX_PAGES`` or the category already has that many distinct listing URLs
      (so a site whose "next" link never ends, or which varies other query parameters,
      costs at most that many fetches per category).
    - Links per page: once one HTML response has yielded ``PAGE_MAX_LINKS`` requests, the
      rest of its output is not consumed at all, so links that will not be followed are never
      even resolved (a 50,000-link page would otherwise cost seconds of canonicalisation).
      The project's spiders yield a page's item before its links, so nothing else is lost.
      Sitemaps are exempt: the protocol allows 50,000 URLs in one, and ``DOWNLOAD_MAXSIZE``
      already bounds them. Start requests are exempt.

    Dropped requests are never scheduled, so the same URL reached again by a path within the
    limits is still fetched. Order it above ``DepthMiddleware`` (900) so it sees the spider's
    own output.

    Settings (``0`` disables a cap; both ``0`` switches the middleware off):

    - ``CATEGORY_MAX_PAGES`` (default ``500``): listing pages fetched per category.
    - ``PAGE_MAX_LINKS`` (default ``2000``): requests followed from one page.

    Stats: ``limits/category_pages`` (listing requests dropped) and
    ``limits/pages_truncated`` (pages whose further links were not followed).
    """

    def __init__(
        self, stats: StatsCollector, *, category_max_pages: int, page_max_links: int
    ) -> None:
        if category_max_pages <= 0 and page_max_links <= 0:
            raise NotConfigured("CATEGORY_MAX_PAGES and PAGE_MAX_LINKS are both 0")
        self.stats = stats
        self.category_max_pages = category_max_pages
        self.page_max_links = page_max_links
        # Canonical listing URLs admitted per category slug: at most category_max_pages each.
        self._listings: dict[str, set[str]] = {}
        self._capped_categories: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            category_max_pages=settings.getint("CATEGORY_MAX_PAGES"),
            page_max_links=settings.getint("PAGE_MAX_LINKS"),
        )

    def process_spider_output(
        self, response: Response | None, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterable[Any]:
        budget = self._budget(response)
        for output in result:
            if not isinstance(output, Request) or self._admit(output, budget):
                yield output
            elif budget.exhausted:
                break
        self._report(response, budget)

    async def process_spider_output_async(
        self,
        response: Response | None,
        result: AsyncIterator[Any],
        spider: Spider | None = None,
    ) -> AsyncIterator[Any]:
        budget = self._budget(response)
        async for output in result:
            if not isinstance(output, Request) or self._admit(output, budget):
                yield output
            elif budget.exhausted:
                break
        self._report(response, budget)

    def _budget(self, response: Response | None) -> _LinkBudget:
        capped = isinstance(response, HtmlResponse) and self.page_max_links > 0
        return _LinkBudget(left=self.page_max_links if capped else None)

    def _admit(self, request: Request, budget: _LinkBudget) -> bool:
        # The category cap goes first: a listing it drops is not one of the page's links.
        if not self._admit_listing(request):
            self.stats.inc_value(CATEGORY_PAGES_KEY)
            return False
        if budget.left is None:
            return True
        if budget.left <= 0:
            budget.exhausted = True
            self.stats.inc_value(PAGES_TRUNCATED_KEY)
            return False
        budget.left -= 1
        return True

    def _admit_listing(self, request: Request) -> bool:
        if self.category_max_pages <= 0:
            return True
        # page_kind first: canonicalising every link of a 50,000-link page would cost seconds.
        if urls.page_kind(request.url) != "category":
            return True
        url = urls.canonicalize(request.url)
        slug = urls.query_param(url, "c") or ""
        admitted = self._listings.setdefault(slug, set())
        if url in admitted:
            return True
        if (
            urls.category_page_number(url) <= self.category_max_pages
            and len(admitted) < self.category_max_pages
        ):
            admitted.add(url)
            return True
        if slug not in self._capped_categories:
            self._capped_categories.add(slug)
            logger.warning(
                "Category %r has more than CATEGORY_MAX_PAGES (%d) listing pages; "
                "not following %s or any further ones",
                slug,
                self.category_max_pages,
                request.url,
            )
        return False

    def _report(self, response: Response | None, budget: _LinkBudget) -> None:
        if budget.exhausted and response is not None:
            logger.warning(
                "%s links to more than PAGE_MAX_LINKS (%d) pages; the rest are not followed",
                response.url,
                self.page_max_links,
            )
