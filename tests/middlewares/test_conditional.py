"""Conditional requests for known article pages; a 304 is an unchanged article."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import Response

from crawler.middlewares.conditional import ConditionalRequestMiddleware, NotModified
from crawler.state import ArticleState
from crawler.state.sqlite import SQLiteState
from tests.crawlers import project_crawler

URL = "http://127.0.0.1:8000/page.php?p=0000001"


@pytest.fixture
def middleware(crawl_state: SQLiteState) -> ConditionalRequestMiddleware:
    crawler = project_crawler()
    assert crawler.stats is not None
    crawl_state.save_article(
        ArticleState(
            key="/page.php?p=0000001",
            url="https://articles.example/page.php?p=0000001",
            version=1,
            etag='"v1"',
            last_modified="Mon, 01 Sep 2025 12:00:00 GMT",
            first_seen="2025-09-01T12:00:00Z",
            last_seen="2025-09-01T12:00:00Z",
            last_status=200,
        )
    )
    return ConditionalRequestMiddleware(crawler.stats, crawl_state)


def test_a_known_article_is_asked_for_with_its_validators(
    middleware: ConditionalRequestMiddleware,
) -> None:
    request = Request(URL)
    middleware.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Mon, 01 Sep 2025 12:00:00 GMT"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/page.php?p=0000002",  # not known
        "http://127.0.0.1:8000/category.php?c=film-history",  # listings are always refetched
        "http://127.0.0.1:8000/",
    ],
)
def test_other_pages_are_asked_for_in_full(
    middleware: ConditionalRequestMiddleware, url: str
) -> None:
    request = Request(url)
    middleware.process_request(request)
    assert b"If-None-Match" not in request.headers


def test_a_removed_article_is_asked_for_in_full(
    middleware: ConditionalRequestMiddleware, crawl_state: SQLiteState
) -> None:
    known = crawl_state.article("/page.php?p=0000001")
    assert known is not None
    known.removed = True
    crawl_state.save_article(known)
    request = Request(URL)
    middleware.process_request(request)
    assert b"If-None-Match" not in request.headers


def test_a_304_is_an_unchanged_article(
    middleware: ConditionalRequestMiddleware, crawl_state: SQLiteState
) -> None:
    request = Request(URL)
    middleware.process_request(request)
    with pytest.raises(NotModified):
        middleware.process_response(request, Response(URL, status=304))
    assert middleware.stats.get_value("articles/unchanged") == 1
    assert middleware.stats.get_value("state/not_modified") == 1
    known = crawl_state.article("/page.php?p=0000001")
    assert known is not None and known.last_status == 304


def test_a_changed_page_passes_through(middleware: ConditionalRequestMiddleware) -> None:
    request = Request(URL)
    middleware.process_request(request)
    response = Response(URL, status=200)
    assert middleware.process_response(request, response) is response


def test_a_304_to_an_unconditional_request_is_not_taken_as_unchanged(
    middleware: ConditionalRequestMiddleware,
) -> None:
    request = Request("http://127.0.0.1:8000/category.php?c=x")
    middleware.process_request(request)
    response = Response(request.url, status=304)
    assert middleware.process_response(request, response) is response
