from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler

from tests.crawlers import project_crawler


def make_crawler(**settings: Any) -> Crawler:
    """A crawler with a bound spider, as middlewares see it during a crawl."""
    crawler = project_crawler(Spider, settings)
    crawler.spider = Spider.from_crawler(crawler, name="test")
    return crawler
