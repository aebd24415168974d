"""What the three spiders share: argument checking, failure accounting, page dispatch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, TypeVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.failure_stats import count_page_failure
from crawler.items import Article, CategoryPage
from crawler.pages import ArticlePage, Page
from crawler.pages import CategoryPage as CategoryPageObject
from crawler.spiders.scope import SiteScope

P = TypeVar("P", bound=Page)


class SpiderArgumentError(ValueError):
    """A ``-a`` argument the spider does not accept, or a bad value for one."""


class ArchiveSpider(scrapy.Spider):
    """Base for the project's spiders. Subclasses list the ``-a`` arguments they accept in
    ``accepted_arguments``; the archive records them in its manifest via ``arguments``."""

    accepted_arguments: ClassVar[frozenset[str]] = frozenset()
    #: Where the spider may fetch from; spiders that follow links set one.
    scope: SiteScope | None = None

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - self.accepted_arguments - {"_job"})
        if unknown:
            accepted = ", ".join(sorted(self.accepted_arguments)) or "none"
            raise SpiderArgumentError(
                f"spider {self.name!r} does not accept argument(s) {', '.join(unknown)} "
                f"(accepted: {accepted})"
            )
        self.arguments: dict[str, str] = {
            k: str(v) for k, v in kwargs.items() if k != "_job" and v is not None
        }
        super().__init__(name, **kwargs)

    def failed(self, failure: Failure) -> None:
        """Errback: count every page that could not be fetched, by status or error type."""
        error = failure.value
        if isinstance(error, HttpError):
            reason, url = str(error.response.status), error.response.url
        elif isinstance(error, IgnoreRequest):
            # Robots-forbidden, offsite and refused pages (crawler.middlewares.failures):
            # the middlewares that raise these count them.
            return
        else:
            reason = type(error).__name__
            url = getattr(getattr(failure, "request", None), "url", "?")
        self.count_failure(reason, url)

    def count_failure(self, reason: str, url: str) -> None:
        """Count a page that could not be used under ``pages/failed/<reason>``."""
        assert self.crawler.stats is not None
        count_page_failure(self.crawler.stats, self.logger, reason, url)

    def page(self, page_class: type[P], response: TextResponse) -> P:
        """The page object for ``response``, naming pages by the site's public origin when the
        crawl has learned one (a mirror served from another host)."""
        return page_class.from_response(response, self.scope.public_origin if self.scope else None)

    def article_item(self, response: Response) -> Iterator[Article]:
        """The article item of ``response``, for spiders that know it is an article page."""
        if not isinstance(response, TextResponse):
            self.not_html(response)
            return
        yield self.page(ArticlePage, response).to_item()

    def category_item(self, page: CategoryPageObject) -> Iterator[CategoryPage]:
        item = page.to_item()
        if item is None:
            self._count("pages/dropped/category_without_name", page.fetched_url)
            return
        yield item

    def not_html(self, response: Response) -> None:
        self._count("pages/dropped/not_html", response.url)

    def _count(self, key: str, url: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)
        self.logger.warning("%s: %s", key, url)
