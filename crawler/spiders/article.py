"""``scrapy crawl article -a url=U1,U2`` or ``-a urls_file=PATH``: just those articles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

from scrapy import Request
from scrapy.http import Response

from crawler.items import Article
from crawler.spiders.base import ArchiveSpider, SpiderArgumentError
from crawler.spiders.site import check_start_url


def read_urls_file(path: str) -> list[str]:
    """One URL a line; blank lines and ``#`` comments skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpiderArgumentError(f"cannot read urls_file {path!r}: {exc}") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class ArticleSpider(ArchiveSpider):
    name = "article"
    accepted_arguments: ClassVar[frozenset[str]] = frozenset({"url", "urls_file"})

    def __init__(self, url: str | None = None, urls_file: str | None = None, **kwargs: Any) -> None:
        super().__init__(url=url, urls_file=urls_file, **kwargs)
        given = [u for u in (url or "").split(",") if u.strip()]
        if urls_file:
            given += read_urls_file(urls_file)
        if not given:
            raise SpiderArgumentError("give -a url=<URL>[,<URL>...] or -a urls_file=<path>")
        try:
            self.urls = [check_start_url(u) for u in given]
        except SpiderArgumentError as exc:
            raise SpiderArgumentError(str(exc).replace("start_url", "url")) from None

    async def start(self) -> AsyncIterator[Request]:
        for url in self.urls:
            yield Request(url, self.parse, errback=self.failed)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Article]:
        yield from self.article_item(response)
