"""Why each request was made, and the count of requests sent for each reason."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.statscollectors import StatsCollector

from crawler.middlewares.purpose import PURPOSE_META, RequestPurposeMiddleware, purpose_of
from crawler.revisit import PURPOSES
from crawler.stats import REQUESTS_PREFIX
from tests.middlewares.conftest import make_crawler

SITE = "http://127.0.0.1:8000"


def stats_and_middleware() -> tuple[StatsCollector, RequestPurposeMiddleware]:
    crawler = make_crawler()
    assert crawler.stats is not None
    return crawler.stats, RequestPurposeMiddleware.from_crawler(crawler)


# -- purpose_of -----------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", PURPOSES)
def test_the_spider_s_purpose_is_taken_as_given(purpose: str) -> None:
    request = Request(f"{SITE}/robots.txt", meta={PURPOSE_META: purpose})
    assert purpose_of(request) == purpose


@pytest.mark.parametrize("path", ["/robots.txt", "/ROBOTS.TXT"])
def test_robots_txt_is_for_robots(path: str) -> None:
    assert purpose_of(Request(f"{SITE}{path}")) == "robots"


@pytest.mark.parametrize(
    "path",
    ["/sitemap.xml", "/sitemap.xml.gz", "/sitemaps/articles-2.xml", "/Sitemap-Index.XML"],
)
def test_a_sitemap_file_is_for_the_sitemap(path: str) -> None:
    assert purpose_of(Request(f"{SITE}{path}")) == "sitemap"


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/category.php?c=film-history",
        f"{SITE}/category.php?c=film-history&page=4",
        f"{SITE}/",
        SITE,
    ],
)
def test_a_category_page_or_the_home_page_is_a_listing(url: str) -> None:
    assert purpose_of(Request(url)) == "listing"


def test_an_article_without_a_purpose_is_new() -> None:
    assert purpose_of(Request(f"{SITE}/page.php?p=0000001")) == "new"


@pytest.mark.parametrize(
    "path",
    [
        "/about.php",
        "/feed.xml",  # xml, but no sitemap
        "/sitemap.html",  # a sitemap, but not a file of one
        "/page.php",  # no article id
        "/category.php",  # no category
        "/robots.txt.bak",
    ],
)
def test_any_other_page_is_other(path: str) -> None:
    assert purpose_of(Request(f"{SITE}{path}")) == "other"


@pytest.mark.parametrize(
    ("value", "url", "expected"),
    [
        ("bogus", f"{SITE}/page.php?p=0000001", "new"),
        ("", f"{SITE}/robots.txt", "robots"),
        (None, f"{SITE}/sitemap.xml", "sitemap"),
        ("DUE", f"{SITE}/category.php?c=x", "listing"),
        (3, f"{SITE}/about.php", "other"),
    ],
)
def test_a_purpose_that_is_not_one_falls_back_to_the_url(
    value: object, url: str, expected: str
) -> None:
    assert purpose_of(Request(url, meta={PURPOSE_META: value})) == expected


# -- RequestPurposeMiddleware ---------------------------------------------------------------------


def test_each_request_is_counted_under_its_purpose() -> None:
    stats, middleware = stats_and_middleware()
    for request in [
        Request(f"{SITE}/robots.txt"),
        Request(f"{SITE}/sitemap.xml"),
        Request(f"{SITE}/page.php?p=0000001"),
        Request(f"{SITE}/page.php?p=0000002", meta={PURPOSE_META: "due"}),
        Request(f"{SITE}/page.php?p=0000003", meta={PURPOSE_META: "due"}),
        Request(f"{SITE}/about.php"),
    ]:
        middleware.process_request(request)
    counted = {
        name: value for name, value in stats.get_stats().items() if name.startswith(REQUESTS_PREFIX)
    }
    assert counted == {
        "requests/robots": 1,
        "requests/sitemap": 1,
        "requests/new": 1,
        "requests/due": 2,
        "requests/other": 1,
    }


def test_a_retry_of_a_request_is_counted_again() -> None:
    stats, middleware = stats_and_middleware()
    request = Request(f"{SITE}/page.php?p=0000001", meta={PURPOSE_META: "lastmod"})
    middleware.process_request(request)
    middleware.process_request(request.replace(dont_filter=True))
    assert stats.get_value("requests/lastmod") == 2


def test_no_request_counts_nothing() -> None:
    stats, _ = stats_and_middleware()
    assert not [name for name in stats.get_stats() if name.startswith(REQUESTS_PREFIX)]
