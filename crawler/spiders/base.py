"""What the three spiders share: argument checking, failure accounting, page dispatch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, TypeVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from crawler import urls
from crawler.extensions.learning import template_learning
from crawler.failure_stats import count_page_failure
from crawler.items import Article, ListingPage, PageGone
from crawler.pages import ArticlePage, CategoryPage, Page
from crawler.spiders.scope import SiteScope
from crawler.stats import WRONG_SITE_KEY

P = TypeVar("P", bound=Page)

#: Spider close reason, and the stat holding why, when the state belongs to another site.
WRONG_SITE = "wrong_site"

#: Statuses that say an article page is gone, not failing.
GONE_STATUSES: frozenset[int] = frozenset({404, 410})


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

    def failed(self, failure: Failure) -> Iterator[PageGone]:
        """Errback: count every page that could not be fetched, by status or error type; an
        article page that is gone (404, 410) is reported, for the archive to record its
        removal if it was archived."""
        error = failure.value
        if isinstance(error, HttpError):
            reason, url = str(error.response.status), error.response.url
            if error.response.status in GONE_STATUSES and urls.page_kind(url) == "article":
                yield PageGone(url=self.public_url(url), status=error.response.status)
        elif isinstance(error, IgnoreRequest):
            # Robots-forbidden, offsite, refused and not-modified pages
            # (crawler.middlewares): the middlewares that raise these count them.
            return
        else:
            reason = type(error).__name__
            url = getattr(getattr(failure, "request", None), "url", "?")
        self.count_failure(reason, url)

    def public_url(self, url: str) -> str:
        """Canonical URL of a fetched page, named by the site's public origin when known."""
        canonical = urls.canonicalize(url)
        origin = self.scope.public_origin if self.scope is not None else None
        return urls.rebase(canonical, origin) if origin else canonical

    def refuse_site(self, message: str) -> None:
        """Stop the crawl: its state folder was made for another site (``scrapy crawl``
        prints ``message`` as its ``error:`` line and exits 2)."""
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(WRONG_SITE_KEY, message)
        self.logger.error("%s", message)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=WRONG_SITE))

    def count_failure(self, reason: str, url: str) -> None:
        """Count a page that could not be used under ``pages/failed/<reason>``."""
        assert self.crawler.stats is not None
        count_page_failure(self.crawler.stats, self.logger, reason, url)

    def page(self, page_class: type[P], response: TextResponse) -> P:
        """The page object for ``response``, naming pages by the site's public origin when the
        crawl has learned one (a mirror served from another host). A learned template's page
        object reads the page when the crawl uses one (``crawler.extensions.learning``)."""
        learning = template_learning(self.crawler)
        if learning is not None:
            page_class = learning.page_class(page_class)
        return page_class.from_response(response, self.scope.public_origin if self.scope else None)

    def article_item(self, response: Response) -> Iterator[Article]:
        """The article item of ``response``, for spiders that know it is an article page."""
        if not isinstance(response, TextResponse):
            self.not_html(response)
            return
        yield self.page(ArticlePage, response).to_item()

    def category_item(self, page: CategoryPage, response: TextResponse) -> Iterator[ListingPage]:
        item = page.to_item()
        if item is None:
            self._count("pages/dropped/category_without_name", page.fetched_url)
            # Held, for a template learned in this run to read it again.
            learning = template_learning(self.crawler)
            if learning is not None:
                learning.listing_dropped(response)
            return
        yield item

    def not_html(self, response: Response) -> None:
        self._count("pages/dropped/not_html", response.url)

    def _count(self, key: str, url: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)
        self.logger.warning("%s: %s", key, url)
