"""Article items leave the spider with the HTTP exchange they came from."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse

from crawler.middlewares.capture import CaptureMiddleware, capture_of
from tests.factories import make_article, make_category_page
from tests.middlewares.conftest import make_crawler

URL = "http://127.0.0.1:8000/page.php?p=0000001"


def response() -> HtmlResponse:
    request = Request(URL, headers={"If-None-Match": '"old"'})
    return HtmlResponse(
        url=URL,
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"new"'},
        body=b"<html><h1>Essay</h1></html>",
        request=request,
    )


def test_an_article_gets_the_exchange_it_came_from() -> None:
    middleware = CaptureMiddleware.from_crawler(make_crawler())
    article, page = make_article(1), make_category_page()
    out = list(middleware.process_spider_output(response(), [article, page]))
    assert out == [article, page]
    assert article.capture is not None
    assert (article.capture.url, article.capture.status, article.capture.reason) == (
        URL,
        200,
        "OK",
    )
    assert article.capture.body == b"<html><h1>Essay</h1></html>"
    # Scrapy normalises header names' case; HTTP header names are case-insensitive.
    assert ("etag", '"new"') in [(name.lower(), v) for name, v in article.capture.headers]
    assert ("If-None-Match", '"old"') in article.capture.request_headers
    assert "capture" not in article.to_record()  # never part of the record


def test_an_unknown_status_has_no_reason_phrase() -> None:
    weird = response().replace(status=599)
    assert capture_of(weird).reason == ""


def test_capture_can_be_switched_off() -> None:
    with pytest.raises(NotConfigured):
        CaptureMiddleware.from_crawler(make_crawler(WARC_ENABLED=False))
