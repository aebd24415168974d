"""``scrapy crawl category -a url=<category URL>``: one category, all its pages, its articles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from scrapy import Request
from scrapy.http import Response, TextResponse

from crawler import urls
from crawler.pages import CategoryPage
from crawler.spiders.base import ArchiveSpider, SpiderArgumentError
from crawler.spiders.scope import SiteScope
from crawler.spiders.site import check_start_url


class CategorySpider(ArchiveSpider):
    name = "category"
    accepted_arguments: ClassVar[frozenset[str]] = frozenset({"url"})

    def __init__(self, url: str | None = None, **kwargs: Any) -> None:
        super().__init__(url=url, **kwargs)
        try:
            self.url = check_start_url(url)
        except SpiderArgumentError as exc:
            raise SpiderArgumentError(str(exc).replace("start_url", "url")) from None
        if urls.page_kind(urls.canonicalize(self.url)) != "category":
            raise SpiderArgumentError(
                f"url must be a category URL (/category.php?c=<slug>), got {self.url!r}"
            )
        self.slug = urls.query_param(self.url, "c")
        self.scope: SiteScope = SiteScope(self.url)

    async def start(self) -> AsyncIterator[Request]:
        yield Request(urls.canonicalize(self.url), self.parse, errback=self.failed)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.not_html(response)
            return
        page = self.page(CategoryPage, response)
        self.scope.add_alias(page.canonical_url)
        yield from self.category_item(page, response)
        for listing in page.pages():
            if urls.query_param(listing, "c") == self.slug:
                yield from self._request(listing, self.parse, priority=10)
        for article in page.articles():
            yield from self._request(article, self.parse_article, priority=0)

    def parse_article(self, response: Response) -> Iterator[Any]:
        yield from self.article_item(response)

    def _request(self, url: str, callback: Any, priority: int) -> Iterator[Request]:
        target = self.scope.to_fetch(url)
        if target is not None:
            yield Request(target, callback, errback=self.failed, priority=priority)
