from __future__ import annotations

import asyncio
import gzip
from collections.abc import Generator
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import Article, ListingPage
from crawler.spiders.base import SpiderArgumentError
from crawler.spiders.site import SiteSpider
from tests.spiders.conftest import make_spider, response

LOCAL = "http://127.0.0.1:8000"


def site_spider() -> SiteSpider:
    return make_spider(SiteSpider, start_url=f"{LOCAL}/")


def requests(results: Any) -> list[str]:
    return [r.url for r in results if isinstance(r, Request)]


def test_a_sitemap_read_by_a_worker_that_never_saw_robots_txt_is_followed() -> None:
    # In a distributed crawl another worker may have read robots.txt: the sitemap request
    # carries the name robots.txt gave it, and with it the site's public name.
    first = site_spider()
    [sitemap] = [
        r
        for r in first.parse_robots(response("robots.txt", f"{LOCAL}/robots.txt"))
        if isinstance(r, Request)
    ]
    other = site_spider()
    reply = response("sitemap.xml", sitemap.url)
    assert reply.request is not None
    reply.request.meta.update(sitemap.meta)
    found = requests(other.parse_sitemap(reply))
    assert len(found) == 21 and all(url.startswith(f"{LOCAL}/page.php?p=") for url in found)


def test_start_requests_robots_then_home() -> None:
    async def collect() -> list[Request]:
        return [r async for r in site_spider().start()]

    started = asyncio.run(collect())
    assert [r.url for r in started] == [f"{LOCAL}/robots.txt", f"{LOCAL}/"]


def test_robots_sitemap_is_fetched_from_the_start_host() -> None:
    spider = site_spider()
    found = requests(spider.parse_robots(response("robots.txt", f"{LOCAL}/robots.txt")))
    assert found == [f"{LOCAL}/sitemap.xml"]


def test_sitemap_lists_articles_on_the_start_host() -> None:
    spider = site_spider()
    list(spider.parse_robots(response("robots.txt", f"{LOCAL}/robots.txt")))
    found = requests(spider.parse_sitemap(response("sitemap.xml", f"{LOCAL}/sitemap.xml")))
    assert len(found) == 21
    assert found[0] == f"{LOCAL}/page.php?p=0211227"
    assert all(url.startswith(f"{LOCAL}/page.php?p=") for url in found)


def test_home_yields_every_category_and_card_and_no_item() -> None:
    results = list(site_spider().parse(response("home.html", f"{LOCAL}/")))
    found = requests(results)
    assert not [r for r in results if not isinstance(r, Request)]
    for slug in ("national-cinemas", "film-history", "festivals-awards"):
        assert f"{LOCAL}/category.php?c={slug}" in found
    assert f"{LOCAL}/page.php?p=0210928" in found
    assert all(url.startswith(LOCAL) for url in found)


def test_category_page_yields_its_item_cards_and_pagination() -> None:
    url = f"{LOCAL}/category.php?c=national-cinemas"
    results = list(site_spider().parse(response("category-national-cinemas-page-1.html", url)))
    items = [r for r in results if isinstance(r, ListingPage)]
    assert len(items) == 1
    assert items[0].page == 1
    assert items[0].url == "https://articles.example/category.php?c=national-cinemas"
    assert len(items[0].articles) == 12
    found = requests(results)
    assert f"{url}&page=2" in found
    assert f"{url}&page=3" in found


def test_every_spelling_of_one_article_becomes_one_request() -> None:
    url = f"{LOCAL}/page.php?p=0300001"
    results = list(site_spider().parse(response("tricky-links.html", url)))
    found = requests(results)
    assert found.count(f"{LOCAL}/page.php?p=0210900") == 1
    assert found.count(f"{LOCAL}/category.php?c=film-history") == 1
    assert f"{LOCAL}/article.php?id=0210907" in found  # may redirect to an article
    assert not [u for u in found if "elsewhere" in u or u.endswith(".css")]
    assert all(url.startswith(LOCAL) for url in found)


def test_article_page_yields_the_article_item() -> None:
    spider = site_spider()
    url = f"{LOCAL}/page.php?p=0300001"
    items = [r for r in spider.parse(response("tricky-links.html", url)) if isinstance(r, Article)]
    assert len(items) == 1
    assert items[0].url == "https://articles.example/page.php?p=0300001"
    assert items[0].title is None  # not an article: the validation pipeline drops it


def test_offsite_links_are_counted() -> None:
    spider = site_spider()
    list(spider.parse(response("tricky-links.html", f"{LOCAL}/page.php?p=0300001")))
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("links/offsite") == 1


@pytest.mark.parametrize("bad", ["ftp://x/", "127.0.0.1:8000", "/relative", "http://"])
def test_start_url_must_be_http(bad: str) -> None:
    with pytest.raises(SpiderArgumentError, match="start_url"):
        make_spider(SiteSpider, start_url=bad)


def test_unknown_argument_is_refused() -> None:
    with pytest.raises(SpiderArgumentError, match="does not accept argument"):
        make_spider(SiteSpider, start_url=f"{LOCAL}/", depth="3")


def test_sitemap_that_inflates_past_the_size_limit_is_counted_not_raised() -> None:
    spider = make_spider(SiteSpider, {"DOWNLOAD_MAXSIZE": 1_000_000}, start_url=f"{LOCAL}/")
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    url = f"{LOCAL}/sitemap.xml.gz"
    sitemap = Response(url, body=bomb, request=Request(url))
    assert list(spider.parse_sitemap(sitemap)) == []
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("pages/failed/DecompressionBomb") == 1


def test_corrupt_gzip_sitemap_is_counted() -> None:
    spider = site_spider()
    url = f"{LOCAL}/sitemap.xml.gz"
    broken = Response(url, body=b"\x1f\x8b" + b"not gzip at all", request=Request(url))
    assert list(spider.parse_sitemap(broken)) == []
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("pages/failed/BadGzip") == 1


def test_links_followed_already_are_not_requested_again() -> None:
    spider = site_spider()
    first = requests(spider.parse(response("home.html", f"{LOCAL}/")))
    again = requests(spider.parse(response("home.html", f"{LOCAL}/?from=elsewhere")))
    assert first and again == []  # the same nav and cards: nothing new to follow


def test_a_link_the_consumer_stopped_before_is_not_remembered() -> None:
    spider = site_spider()
    output = spider.parse(response("home.html", f"{LOCAL}/"))
    assert isinstance(output, Generator)
    [first_request] = [next(r for r in output if isinstance(r, Request))]
    output.close()  # a crawl limit stops reading the page's links here
    again = requests(spider.parse(response("home.html", f"{LOCAL}/")))
    assert first_request.url in again


def requisite_requests(results: Any) -> list[Request]:
    return [r for r in results if isinstance(r, Request) and r.meta["purpose"] == "requisite"]


def test_an_article_asks_for_its_stylesheets_and_images_on_the_site() -> None:
    spider = site_spider()
    found = requisite_requests(
        spider.parse(response("requisites.html", f"{LOCAL}/page.php?p=0300002"))
    )
    assert [r.url for r in found] == [
        f"{LOCAL}/static/site.css",
        f"{LOCAL}/static/print.css",
        f"{LOCAL}/static/stills/still-1.jpg",
    ]
    assert {r.callback for r in found} == {spider.parse_requisite}


def test_a_requisite_is_asked_for_once_a_run_and_listings_ask_too() -> None:
    spider = site_spider()
    list(spider.parse(response("requisites.html", f"{LOCAL}/page.php?p=0300002")))
    again = spider.parse(response("requisites.html", f"{LOCAL}/page.php?p=0300003"))
    assert requisite_requests(again) == []
    home = response("requisites.html", f"{LOCAL}/")
    assert [r.url for r in requisite_requests(site_spider().parse(home))][:1] == [
        f"{LOCAL}/static/site.css"
    ]


def test_other_pages_ask_for_no_requisite() -> None:
    about = response("requisites.html", f"{LOCAL}/about.php")
    assert requisite_requests(site_spider().parse(about)) == []


@pytest.mark.parametrize("setting", ["WARC_PAGE_REQUISITES", "WARC_ENABLED"])
def test_requisites_can_be_switched_off(setting: str) -> None:
    spider = make_spider(SiteSpider, {setting: False}, start_url=f"{LOCAL}/")
    page = response("requisites.html", f"{LOCAL}/page.php?p=0300002")
    assert requisite_requests(spider.parse(page)) == []


def test_a_requisite_that_failed_is_counted_apart_from_pages() -> None:
    spider = site_spider()
    url = f"{LOCAL}/static/site.css"
    gone = HttpError(Response(url, status=404, request=Request(url)))
    spider.requisite_failed(Failure(gone))  # type: ignore[no-untyped-call]
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("warc/requisite_failed/404") == 1
    assert spider.crawler.stats.get_value("pages/failed/404") is None
