"""What the three spiders share: argument checking, failure accounting, page dispatch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import Article, CategoryPage
from crawler.pages import ArticlePage
from crawler.pages import CategoryPage as CategoryPageObject


class SpiderArgumentError(ValueError):
    """A ``-a`` argument the spider does not accept, or a bad value for one."""


class ArchiveSpider(scrapy.Spider):
    """Base for the project's spiders. Subclasses list the ``-a`` arguments they accept in
    ``accepted_arguments``; the archive records them in its manifest via ``arguments``."""

    accepted_arguments: ClassVar[frozenset[str]] = frozenset()

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
            # Robots-forbidden and offsite requests; their middlewares count them.
            return
        else:
            reason = type(error).__name__
            url = getattr(getattr(failure, "request", None), "url", "?")
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"pages/failed/{reason}")
        self.logger.warning("page failed (%s): %s", reason, url)

    def article_item(self, response: Response) -> Iterator[Article]:
        if not isinstance(response, TextResponse):
            self._not_html(response)
            return
        yield ArticlePage.from_response(response).to_item()

    def category_item(self, response: TextResponse) -> Iterator[CategoryPage]:
        item = CategoryPageObject.from_response(response).to_item()
        if item is None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("pages/dropped/category_without_name")
            self.logger.warning("category page without a name: %s", response.url)
            return
        yield item

    def _not_html(self, response: Response) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("pages/dropped/not_html")
        self.logger.warning("not an HTML page: %s", response.url)
