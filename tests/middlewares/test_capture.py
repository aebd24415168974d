"""Article items leave the spider with the HTTP exchange they came from."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse

from crawler.items import PageCapture
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


def kept(url: str, purpose: str | None, status: int = 200) -> list[object]:
    meta = {"purpose": purpose} if purpose else {}
    reply = HtmlResponse(url=url, status=status, body=b"<p>x</p>", request=Request(url, meta=meta))
    middleware = CaptureMiddleware.from_crawler(make_crawler())
    return [item for item in middleware.process_spider_output(reply, []) if item is not None]


def test_a_listing_page_is_kept_for_replay_before_its_output() -> None:
    [item] = kept("http://127.0.0.1:8000/category.php?c=film", "listing")
    assert isinstance(item, PageCapture) and item.purpose == "listing"
    assert item.capture.body == b"<p>x</p>"
    assert "b'<p>x</p>'" not in repr(item)  # the bytes stay out of Scrapy's item logs


def test_the_home_page_and_requisites_are_kept_by_the_purpose_they_were_asked_for() -> None:
    assert [i.purpose for i in kept("http://127.0.0.1:8000/", None)] == ["listing"]  # type: ignore[attr-defined]
    css = kept("http://127.0.0.1:8000/static/site.css", "requisite")
    assert [i.purpose for i in css] == ["requisite"]  # type: ignore[attr-defined]


def test_articles_other_pages_and_errors_are_not_kept_apart() -> None:
    assert kept(URL, "new") == []
    assert kept("http://127.0.0.1:8000/about.php", None) == []
    assert kept("http://127.0.0.1:8000/category.php?c=film", "listing", status=404) == []
