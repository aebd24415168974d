from __future__ import annotations

import logging

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from crawler.middlewares.robots import ARRIVAL_MARGIN
from crawler.stats import CRAWL_DELAY_KEY
from tests.politeness import add_slot, robots, robots_middleware, running_crawler

SITE = "http://articles.example"
OTHER = "http://other.example"


def test_crawl_delay_paces_the_slot_of_the_site_only() -> None:
    crawler = running_crawler()
    site, other = add_slot(crawler, "articles.example"), add_slot(crawler, "other.example")

    robots_middleware(crawler).process_request_2(
        robots(crawler, "crawl-delay-any.txt"), Request(f"{SITE}/page.php?p=0000001")
    )

    assert (site.delay, site.jitter) == (0.5 + ARRIVAL_MARGIN, 0.0)
    assert (other.delay, other.jitter) == (0.0, 0.5)
    assert robots_middleware(crawler).crawl_delay("articles.example") == 0.5 + ARRIVAL_MARGIN
    assert crawler.stats is not None and crawler.stats.get_value(CRAWL_DELAY_KEY) == 0.5


def test_a_request_with_its_own_download_slot_paces_that_slot() -> None:
    crawler = running_crawler()
    host, own = add_slot(crawler, "articles.example"), add_slot(crawler, "archive-slot")
    request = Request(f"{SITE}/", meta={"download_slot": "archive-slot"})

    robots_middleware(crawler).process_request_2(robots(crawler, "crawl-delay-any.txt"), request)

    assert (own.delay, own.jitter) == (0.5 + ARRIVAL_MARGIN, 0.0)
    assert host.delay == 0.0


def test_a_slot_made_again_later_starts_at_the_crawl_delay() -> None:
    # Scrapy drops a slot idle for a minute and makes it anew from DOWNLOAD_SLOTS.
    crawler = running_crawler()
    robots_middleware(crawler).process_request_2(
        robots(crawler, "crawl-delay-any.txt"), Request(f"{SITE}/")
    )

    assert crawler.engine.downloader.per_slot_settings["articles.example"] == {
        "delay": 0.5 + ARRIVAL_MARGIN,
        "jitter": 0.0,
    }


def test_a_longer_delay_already_set_is_kept() -> None:
    crawler = running_crawler()
    slot = add_slot(crawler, "articles.example", delay=2.0)

    robots_middleware(crawler).process_request_2(
        robots(crawler, "crawl-delay-any.txt"), Request(f"{SITE}/")
    )

    assert (slot.delay, slot.jitter) == (2.0, 0.0)


def test_the_group_for_our_product_token_applies() -> None:
    # Its "*" group has no Crawl-delay; the evergreen-archiver group has one.
    crawler = running_crawler(ROBOTSTXT_USER_AGENT="evergreen-archiver")
    slot = add_slot(crawler, "articles.example")

    robots_middleware(crawler).process_request_2(
        robots(crawler, "crawl-delay-evergreen.txt"), Request(f"{SITE}/")
    )

    assert slot.delay == 0.5 + ARRIVAL_MARGIN


def test_a_crawl_delay_beyond_the_cap_is_clamped_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = running_crawler(ROBOTSTXT_MAX_CRAWL_DELAY=60)
    slot = add_slot(crawler, "articles.example")
    middleware, parser = robots_middleware(crawler), robots(crawler, "crawl-delay-hour.txt")

    with caplog.at_level(logging.INFO, logger="crawler.middlewares.robots"):
        for n in range(3):
            middleware.process_request_2(parser, Request(f"{SITE}/page.php?p={n:07d}"))

    assert slot.delay == 60.0 + ARRIVAL_MARGIN
    assert crawler.stats is not None and crawler.stats.get_value(CRAWL_DELAY_KEY) == 60.0
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "3600s" in warning.getMessage() and "ROBOTSTXT_MAX_CRAWL_DELAY" in warning.getMessage()


@pytest.mark.parametrize("fixture", ["no-crawl-delay.txt", "crawl-delay-other-bot.txt"])
def test_without_a_crawl_delay_for_us_nothing_changes(fixture: str) -> None:
    crawler = running_crawler(ROBOTSTXT_USER_AGENT="evergreen-archiver")
    slot = add_slot(crawler, "articles.example")

    robots_middleware(crawler).process_request_2(robots(crawler, fixture), Request(f"{SITE}/"))

    assert (slot.delay, slot.jitter) == (0.0, 0.5)
    assert crawler.engine.downloader.per_slot_settings == {}
    assert crawler.stats is not None and crawler.stats.get_value(CRAWL_DELAY_KEY) is None


def test_a_zero_cap_ignores_crawl_delay(caplog: pytest.LogCaptureFixture) -> None:
    crawler = running_crawler(ROBOTSTXT_MAX_CRAWL_DELAY=0)
    slot = add_slot(crawler, "articles.example")

    with caplog.at_level(logging.WARNING):
        robots_middleware(crawler).process_request_2(
            robots(crawler, "crawl-delay-any.txt"), Request(f"{SITE}/")
        )

    assert (slot.delay, slot.jitter) == (0.0, 0.5)
    assert caplog.records == []


def test_what_robots_txt_disallows_is_still_refused() -> None:
    crawler = running_crawler()
    add_slot(crawler, "articles.example")

    with pytest.raises(IgnoreRequest):
        robots_middleware(crawler).process_request_2(
            robots(crawler, "crawl-delay-any.txt"), Request(f"{SITE}/private/notes")
        )
    assert crawler.stats is not None and crawler.stats.get_value("robotstxt/forbidden") == 1


def test_without_robots_txt_nothing_changes() -> None:
    # robots.txt could not be fetched: Scrapy passes no parser, and everything is allowed.
    crawler = running_crawler()
    slot = add_slot(crawler, "other.example")

    robots_middleware(crawler).process_request_2(None, Request(f"{OTHER}/"))

    assert (slot.delay, slot.jitter) == (0.0, 0.5)
