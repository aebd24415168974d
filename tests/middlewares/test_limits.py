from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response, XmlResponse

from crawler.middlewares.limits import CrawlLimitsMiddleware
from tests.middlewares.conftest import make_crawler

SITE = "http://127.0.0.1:8000"


def middleware(**settings: Any) -> CrawlLimitsMiddleware:
    return CrawlLimitsMiddleware.from_crawler(make_crawler(**settings))


def listing(slug: str, page: int, extra: str = "") -> Request:
    suffix = "" if page == 1 else f"&page={page}"
    return Request(f"{SITE}/category.php?c={slug}{suffix}{extra}")


def article(n: int) -> Request:
    return Request(f"{SITE}/page.php?p={n:07d}")


def html_page(path: str = "/page.php?p=0000001") -> HtmlResponse:
    return HtmlResponse(f"{SITE}{path}", body=b"<html></html>")


def passed(
    mw: CrawlLimitsMiddleware, outputs: Iterable[Any], response: Response | None = None
) -> list[Any]:
    return list(mw.process_spider_output(response or html_page(), outputs))


def urls(outputs: list[Any]) -> list[str]:
    return [o.url for o in outputs if isinstance(o, Request)]


def stat(mw: CrawlLimitsMiddleware, key: str) -> Any:
    return mw.stats.get_value(key)


# -- listing pages per category --------------------------------------------------------------


def test_listing_pages_beyond_the_cap_are_dropped_and_counted() -> None:
    mw = middleware(CATEGORY_MAX_PAGES=3, PAGE_MAX_LINKS=0)
    out = passed(mw, [listing("endless", n) for n in range(1, 7)])
    assert urls(out) == [listing("endless", n).url for n in (1, 2, 3)]
    assert stat(mw, "limits/category_pages") == 3


def test_the_cap_holds_across_responses() -> None:
    mw = middleware(CATEGORY_MAX_PAGES=3, PAGE_MAX_LINKS=0)
    # An endless "next" chain: each page links only the next.
    followed = [passed(mw, [listing("endless", n + 1)]) for n in range(1, 6)]
    assert [len(out) for out in followed] == [1, 1, 0, 0, 0]


def test_other_query_variants_count_as_listing_pages() -> None:
    # A trap that varies a parameter instead of the page number is capped all the same.
    mw = middleware(CATEGORY_MAX_PAGES=3, PAGE_MAX_LINKS=0)
    out = passed(mw, [listing("trap", 2, f"&sort={n}") for n in range(6)])
    assert len(out) == 3
    assert stat(mw, "limits/category_pages") == 3


def test_an_admitted_listing_linked_again_still_passes() -> None:
    # The scheduler's duplicate filter, not the cap, deals with repeats.
    mw = middleware(CATEGORY_MAX_PAGES=2, PAGE_MAX_LINKS=0)
    passed(mw, [listing("x", 1), listing("x", 2)])
    again = passed(mw, [listing("x", 2, "&utm_source=feed"), listing("x", 1)])
    assert len(again) == 2
    assert stat(mw, "limits/category_pages") is None


def test_each_category_has_its_own_cap() -> None:
    mw = middleware(CATEGORY_MAX_PAGES=2, PAGE_MAX_LINKS=0)
    out = passed(mw, [listing(slug, n) for slug in ("a", "b") for n in (1, 2, 3)])
    assert len(out) == 4


def test_articles_are_not_listing_pages() -> None:
    mw = middleware(CATEGORY_MAX_PAGES=1, PAGE_MAX_LINKS=0)
    assert len(passed(mw, [article(n) for n in range(10)])) == 10


# -- links per page --------------------------------------------------------------------------


def test_links_beyond_the_cap_are_not_consumed_items_before_them_are_kept() -> None:
    mw = middleware(PAGE_MAX_LINKS=3)
    item = {"type": "article"}
    produced: list[int] = []

    def spider_output() -> Iterator[Any]:
        yield item
        for n in range(10):
            produced.append(n)
            yield article(n)

    out = passed(mw, spider_output())
    assert out[0] is item
    assert urls(out) == [article(n).url for n in range(3)]
    assert produced == [0, 1, 2, 3]  # the fourth link ends the page; the rest never computed
    assert stat(mw, "limits/pages_truncated") == 1


def test_the_link_budget_is_per_response() -> None:
    mw = middleware(PAGE_MAX_LINKS=2)
    first = passed(mw, [article(n) for n in range(5)])
    second = passed(mw, [article(n) for n in range(5, 10)])
    assert len(first) == len(second) == 2


def test_listings_dropped_by_the_category_cap_do_not_use_the_link_budget() -> None:
    mw = middleware(CATEGORY_MAX_PAGES=1, PAGE_MAX_LINKS=2)
    out = passed(mw, [listing("x", 2), listing("x", 3), article(1), article(2)])
    assert urls(out) == [article(1).url, article(2).url]
    assert stat(mw, "limits/category_pages") == 2
    assert stat(mw, "limits/pages_truncated") is None


def test_sitemaps_and_start_requests_are_not_capped() -> None:
    mw = middleware(PAGE_MAX_LINKS=2)
    sitemap = XmlResponse(f"{SITE}/sitemap.xml", body=b"<urlset/>")
    assert len(passed(mw, [article(n) for n in range(5)], sitemap)) == 5
    assert len(list(mw.process_spider_output(None, [article(n) for n in range(5)]))) == 5


def test_async_output_is_capped_the_same_way() -> None:
    mw = middleware(PAGE_MAX_LINKS=2, CATEGORY_MAX_PAGES=1)

    async def spider_output() -> AsyncIterator[Any]:
        for request in (listing("x", 2), article(1), article(2), article(3)):
            yield request

    async def collect() -> list[Any]:
        return [o async for o in mw.process_spider_output_async(html_page(), spider_output())]

    assert urls(asyncio.run(collect())) == [article(1).url, article(2).url]
    assert stat(mw, "limits/category_pages") == 1
    assert stat(mw, "limits/pages_truncated") == 1


def test_the_drop_is_logged_once_per_page(caplog: pytest.LogCaptureFixture) -> None:
    passed(middleware(PAGE_MAX_LINKS=1), [article(n) for n in range(50)])
    messages = [r.getMessage() for r in caplog.records if "PAGE_MAX_LINKS" in r.getMessage()]
    assert len(messages) == 1 and "the rest are not followed" in messages[0]


# -- settings --------------------------------------------------------------------------------


def test_defaults() -> None:
    mw = middleware()
    assert (mw.category_max_pages, mw.page_max_links) == (500, 2_000)


def test_zero_disables_one_cap() -> None:
    mw = middleware(CATEGORY_MAX_PAGES=0, PAGE_MAX_LINKS=5)
    assert len(passed(mw, [listing("x", n) for n in range(1, 5)])) == 4


def test_both_zero_switches_it_off() -> None:
    with pytest.raises(NotConfigured):
        middleware(CATEGORY_MAX_PAGES=0, PAGE_MAX_LINKS=0)
