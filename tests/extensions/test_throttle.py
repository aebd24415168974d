from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request, signals
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.extensions.throttle import CrawlDelayAutoThrottle
from crawler.middlewares.robots import ARRIVAL_MARGIN
from tests.politeness import add_slot, robots, robots_middleware, running_crawler

SITE = "http://articles.example"
#: AutoThrottle as the project configures it.
THROTTLE = {
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.5,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 4.0,
    "DOWNLOAD_DELAY": 0,
    # Only the extension under test hears the signals sent here.
    "EXTENSIONS_BASE": {},
}


def started_throttle(**settings: Any) -> CrawlDelayAutoThrottle:
    """The extension as the crawl has it once the spider is open. Signals hold their
    receivers weakly (the extension manager holds them in a crawl): keep it referenced."""
    crawler = running_crawler(**{**THROTTLE, **settings})
    throttle = CrawlDelayAutoThrottle.from_crawler(crawler)
    send(crawler, signals.spider_opened, spider=crawler.spider)
    return throttle


def send(crawler: Crawler, signal: object, **kwargs: Any) -> None:
    """Send ``signal`` as Scrapy does, failing on an error a receiver raised (Scrapy would
    only log it)."""
    for _receiver, result in crawler.signals.send_catch_log(signal, **kwargs):
        assert not isinstance(result, Failure), result.getTraceback()


def honour_crawl_delay(crawler: Crawler, fixture: str = "crawl-delay-any.txt") -> None:
    """The site's robots.txt, parsed as the robots middleware does for the first request."""
    robots_middleware(crawler).process_request_2(robots(crawler, fixture), Request(f"{SITE}/"))


def downloaded(crawler: Crawler, slot_key: str, status: int, latency: float) -> None:
    """A response arrives through ``slot_key`` after ``latency`` seconds."""
    request = Request(
        f"{SITE}/page.php?p=0000001",
        meta={"download_slot": slot_key, "download_latency": latency},
    )
    response = Response(request.url, status=status, request=request)
    send(
        crawler,
        signals.response_downloaded,
        response=response,
        request=request,
        spider=crawler.spider,
    )


def slot_after(status: int, *, delay: float, latency: float) -> Slot:
    throttle = started_throttle()
    slot = add_slot(throttle.crawler, "articles.example", delay=delay)
    downloaded(throttle.crawler, "articles.example", status, latency)
    return slot


# -- the Crawl-delay floor ---------------------------------------------------------------------


def test_fast_answers_never_take_the_delay_below_the_crawl_delay() -> None:
    throttle = started_throttle()
    crawler = throttle.crawler
    paced, free = add_slot(crawler, "articles.example"), add_slot(crawler, "other.example")
    honour_crawl_delay(crawler)

    for _answer in range(5):
        downloaded(crawler, "articles.example", 200, latency=0.01)
        downloaded(crawler, "other.example", 200, latency=0.01)

    assert paced.delay == 0.5 + ARRIVAL_MARGIN
    assert free.delay < 0.01  # the same answers, without a Crawl-delay


def test_the_crawl_delay_wins_over_autothrottle_max_delay() -> None:
    throttle = started_throttle(AUTOTHROTTLE_MAX_DELAY=1.0)
    crawler = throttle.crawler
    slot = add_slot(crawler, "articles.example")
    honour_crawl_delay(crawler, "crawl-delay-two.txt")

    downloaded(crawler, "articles.example", 200, latency=30.0)

    assert slot.delay == 2.0 + ARRIVAL_MARGIN


def test_a_slow_site_still_slows_the_crawl_past_the_crawl_delay() -> None:
    throttle = started_throttle()
    crawler = throttle.crawler
    slot = add_slot(crawler, "articles.example")
    honour_crawl_delay(crawler)

    downloaded(crawler, "articles.example", 200, latency=8.0)

    assert slot.delay == 2.0  # latency / AUTOTHROTTLE_TARGET_CONCURRENCY


def test_without_the_robots_middleware_there_is_no_floor() -> None:
    throttle = started_throttle(ROBOTSTXT_OBEY=False)
    crawler = throttle.crawler
    slot = add_slot(crawler, "articles.example", delay=0.5)

    downloaded(crawler, "articles.example", 200, latency=0.01)

    assert throttle.robots is None
    assert slot.delay < 0.5


# -- which answers may lower the delay ---------------------------------------------------------


@pytest.mark.parametrize("status", [200, 304])
def test_a_304_lowers_the_delay_as_a_200_does(status: int) -> None:
    # Target 0.1 / 4 = 0.025 s; the delay moves halfway there from 1 s.
    assert slot_after(status, delay=1.0, latency=0.1).delay == pytest.approx(0.5125)


@pytest.mark.parametrize("status", [301, 404, 410, 500, 503])
def test_other_statuses_never_lower_the_delay(status: int) -> None:
    assert slot_after(status, delay=1.0, latency=0.1).delay == 1.0


@pytest.mark.parametrize("status", [304, 503])
def test_any_status_may_raise_the_delay(status: int) -> None:
    assert slot_after(status, delay=0.5, latency=8.0).delay == 2.0


def test_off_unless_autothrottle_is_enabled() -> None:
    with pytest.raises(NotConfigured):
        CrawlDelayAutoThrottle.from_crawler(running_crawler(AUTOTHROTTLE_ENABLED=False))
