"""The floor for the crawl benchmark: a bare link-following Scrapy spider.

    scrapy runspider bench/bare_spider.py -a start_url=http://127.0.0.1:PORT/

It starts at the site's home page and follows every ``<a href>`` on the same host, nothing else:
no items, no pipelines, no middlewares or extensions of its own, Scrapy's default scheduler,
duplicate filter and request fingerprints. ``bench_crawl.py`` runs it outside the project
folder (so ``scrapy.cfg`` and ``crawler.settings`` are not loaded) with the concurrency and
politeness settings of our crawl passed as ``-s``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.host = urlsplit(start_url).netloc

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if urlsplit(url).netloc == self.host:
                yield response.follow(url)
