"""What the politeness tests share: a crawler whose engine exists, robots.txt fixtures, slots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.core.downloader import Downloader, Slot
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.robotstxt import ProtegoRobotParser, RobotParser

from crawler.middlewares.robots import CrawlDelayRobotsTxtMiddleware
from tests.middlewares.conftest import make_crawler

ROBOTS = Path(__file__).resolve().parent / "fixtures" / "politeness" / "robots"


def running_crawler(**settings: Any) -> Crawler:
    """A crawler with its engine built, as components see it once the crawl has started:
    the project's robots.txt middleware in place, the downloader's slots at hand. Download
    handlers are off, so nothing can be fetched."""
    defaults: dict[str, Any] = {
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_HANDLERS": {"http": None, "https": None},
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.middlewares.robots.CrawlDelayRobotsTxtMiddleware": 100,
        },
    }
    crawler = make_crawler(**{**defaults, **settings})
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    return crawler


def robots_middleware(crawler: Crawler) -> CrawlDelayRobotsTxtMiddleware:
    middleware = crawler.get_downloader_middleware(CrawlDelayRobotsTxtMiddleware)
    assert middleware is not None
    return middleware


def robots(crawler: Crawler, fixture: str) -> RobotParser:
    """The parser the middleware would have for a site serving ``fixture`` as robots.txt."""
    return ProtegoRobotParser.from_crawler(crawler, (ROBOTS / fixture).read_bytes())


def add_slot(crawler: Crawler, key: str, delay: float = 0.0, jitter: float = 0.5) -> Slot:
    """A downloader slot as Scrapy makes it for a site's first request (jitter on, by
    default ``DOWNLOAD_DELAY_JITTER``)."""
    downloader: Downloader = crawler.engine.downloader
    slot = Slot(concurrency=8, delay=delay, jitter=jitter)
    downloader.slots[key] = slot
    return slot
