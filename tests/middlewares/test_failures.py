from __future__ import annotations

import gzip
from typing import Any

import pytest
from scrapy import Request, signals
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.http import HtmlResponse, Response, TextResponse

from crawler.middlewares.failures import (
    BinaryBody,
    DecompressionBomb,
    DecompressionBombMiddleware,
    EmptyBody,
    PageRefused,
    RedirectGuardMiddleware,
    RedirectLoop,
    ResponseGuardMiddleware,
    ResponseTooLarge,
    TooManyRedirects,
)
from crawler.spiders.scope import SiteScope
from tests.middlewares.conftest import make_crawler

SITE = "http://127.0.0.1:8000"
URL = f"{SITE}/page.php?p=0000001"
CANONICAL_FINGERPRINTS = "crawler.fingerprint.CanonicalRequestFingerprinter"


def failed(middleware: Any, cause: str) -> Any:
    return middleware.stats.get_value(f"pages/failed/{cause}")


def test_refusals_are_ignore_requests_so_errbacks_do_not_count_them_twice() -> None:
    causes = (EmptyBody, BinaryBody, ResponseTooLarge, DecompressionBomb, TooManyRedirects)
    for cause in (*causes, RedirectLoop):
        assert issubclass(cause, PageRefused) and issubclass(cause, IgnoreRequest)


# -- ResponseGuardMiddleware -----------------------------------------------------------------


def guard(**settings: Any) -> ResponseGuardMiddleware:
    return ResponseGuardMiddleware.from_crawler(make_crawler(**settings))


def html(body: bytes, status: int = 200) -> HtmlResponse:
    return HtmlResponse(URL, status=status, body=body, request=Request(URL))


@pytest.mark.parametrize("body", [b"", b" \r\n\t "])
def test_empty_html_page_is_refused(body: bytes) -> None:
    mw = guard()
    with pytest.raises(EmptyBody):
        mw.process_response(Request(URL), html(body))
    assert failed(mw, "EmptyBody") == 1


def test_binary_junk_served_as_html_is_refused() -> None:
    mw = guard()
    with pytest.raises(BinaryBody):
        mw.process_response(Request(URL), html(b"<html>\x00\x01\x02\xff\xfe junk"))
    assert failed(mw, "BinaryBody") == 1


def test_binary_byte_beyond_the_sniffed_head_is_not_looked_at() -> None:
    mw = guard(RESPONSE_GUARD_SNIFF_BYTES=16)
    response = html(b"<html><p>fine</p>" + b"\x00")
    assert mw.process_response(Request(URL), response) is response


@pytest.mark.parametrize(
    "body",
    [
        b"<html><p>caf\xc3\xa9 \xff\xfe broken utf-8 is text</p></html>",
        "<html><p>UTF-16</p></html>".encode("utf-16"),
    ],
)
def test_text_is_not_binary(body: bytes) -> None:
    response = html(body)
    assert guard().process_response(Request(URL), response) is response


def test_only_successful_html_is_checked() -> None:
    mw = guard()
    robots = TextResponse(f"{SITE}/robots.txt", body=b"", request=Request(URL))
    assert mw.process_response(Request(URL), robots) is robots
    not_found = html(b"", status=404)
    assert mw.process_response(Request(URL), not_found) is not_found
    junk_503 = html(b"\x00\x00", status=503)
    assert mw.process_response(Request(URL), junk_503) is junk_503


def test_head_responses_have_no_body_to_judge() -> None:
    head = Request(URL, method="HEAD")
    response = HtmlResponse(URL, body=b"", request=head)
    assert guard().process_response(head, response) is response


def test_sniff_bytes_zero_disables_the_binary_check() -> None:
    response = html(b"\x00\x01junk")
    assert guard(RESPONSE_GUARD_SNIFF_BYTES=0).process_response(Request(URL), response)


def send_headers(mw: ResponseGuardMiddleware, request: Request, length: Any) -> None:
    mw.headers_received(headers={}, body_length=length, request=request, spider=None)


def test_cancelled_download_with_a_declared_oversize_is_named() -> None:
    mw = guard(DOWNLOAD_MAXSIZE=1000)
    request = Request(URL)
    send_headers(mw, request, 20_000)
    with pytest.raises(ResponseTooLarge):
        mw.process_exception(request, DownloadCancelledError("too big"))
    assert failed(mw, "ResponseTooLarge") == 1


def test_cancelled_download_that_streamed_past_the_limit_is_named() -> None:
    mw = guard(DOWNLOAD_MAXSIZE=1000)
    request = Request(URL)
    send_headers(mw, request, "UNKNOWN_LENGTH")
    for _ in range(3):
        mw.bytes_received(data=b"x" * 400, request=request, spider=None)
    with pytest.raises(ResponseTooLarge):
        mw.process_exception(request, DownloadCancelledError(""))


def test_per_request_maxsize_is_honoured() -> None:
    mw = guard(DOWNLOAD_MAXSIZE=10_000)
    request = Request(URL, meta={"download_maxsize": 100})
    send_headers(mw, request, 500)
    with pytest.raises(ResponseTooLarge):
        mw.process_exception(request, DownloadCancelledError(""))


def test_other_failures_are_left_to_the_errback() -> None:
    mw = guard(DOWNLOAD_MAXSIZE=1000)
    small = Request(URL)
    send_headers(mw, small, 10)
    mw.process_exception(small, DownloadCancelledError(""))  # no raise: the errback counts it
    big = Request(URL)
    send_headers(mw, big, 5000)
    mw.process_exception(big, DownloadTimeoutError("slow"))
    assert failed(mw, "ResponseTooLarge") is None


def test_sizes_are_forgotten_once_the_request_is_done() -> None:
    mw = guard(DOWNLOAD_MAXSIZE=1000)
    request = Request(URL)
    send_headers(mw, request, 10)
    mw.process_response(request, html(b"<p>ok</p>"))
    assert len(mw._sizes) == 0


def test_sizes_come_from_the_download_signals() -> None:
    crawler = make_crawler(DOWNLOAD_MAXSIZE=1000)
    mw = ResponseGuardMiddleware.from_crawler(crawler)
    request = Request(URL)
    crawler.signals.send_catch_log(
        signals.headers_received, headers={}, body_length=5000, request=request, spider=None
    )
    with pytest.raises(ResponseTooLarge):
        mw.process_exception(request, DownloadCancelledError(""))


def test_guard_can_be_switched_off() -> None:
    with pytest.raises(NotConfigured):
        guard(RESPONSE_GUARD_ENABLED=False)


# -- DecompressionBombMiddleware -------------------------------------------------------------


def compression(**settings: Any) -> DecompressionBombMiddleware:
    return DecompressionBombMiddleware.from_crawler(make_crawler(**settings))


def gzipped(payload: bytes) -> Response:
    return Response(
        URL,
        body=gzip.compress(payload),
        headers={"Content-Encoding": "gzip", "Content-Type": "text/html"},
        request=Request(URL),
    )


def test_body_inflating_past_maxsize_is_a_named_bomb() -> None:
    mw = compression(DOWNLOAD_MAXSIZE=10_000)
    with pytest.raises(DecompressionBomb):
        mw.process_response(Request(URL), gzipped(bytes(1_000_000)))
    assert failed(mw, "DecompressionBomb") == 1


def test_ordinary_compressed_pages_are_decoded() -> None:
    result = compression(DOWNLOAD_MAXSIZE=10_000).process_response(
        Request(URL), gzipped(b"<p>small</p>")
    )
    assert isinstance(result, Response) and result.body == b"<p>small</p>"


def test_compression_switch_still_applies() -> None:
    with pytest.raises(NotConfigured):
        compression(COMPRESSION_ENABLED=False)


# -- RedirectGuardMiddleware -----------------------------------------------------------------


def redirects(**settings: Any) -> RedirectGuardMiddleware:
    settings.setdefault("REQUEST_FINGERPRINTER_CLASS", CANONICAL_FINGERPRINTS)
    return RedirectGuardMiddleware.from_crawler(make_crawler(**settings))


def hop(mw: RedirectGuardMiddleware, request: Request, location: str) -> Request | Response:
    response = Response(request.url, status=302, headers={"Location": location})
    return mw.process_response(request, response)


def stats_of(mw: RedirectGuardMiddleware, cause: str) -> Any:
    assert mw.crawler.stats is not None
    return mw.crawler.stats.get_value(f"pages/failed/{cause}")


def test_a_redirect_back_into_its_own_chain_is_a_loop() -> None:
    mw = redirects()
    first = hop(mw, Request(URL), "/moved.php?p=1")
    assert isinstance(first, Request)
    with pytest.raises(RedirectLoop):
        hop(mw, first, URL)
    assert stats_of(mw, "RedirectLoop") == 1


def test_the_log_names_the_page_asked_for_not_the_hop(caplog: pytest.LogCaptureFixture) -> None:
    mw = redirects()
    first = hop(mw, Request(URL), "/moved.php?p=1")
    assert isinstance(first, Request)
    with pytest.raises(RedirectLoop):
        hop(mw, first, URL)
    assert f"page failed (RedirectLoop): {URL} " in caplog.text


def test_a_loop_through_a_tracking_variant_is_still_a_loop() -> None:
    mw = redirects()
    first = hop(mw, Request(URL), "/moved.php?p=1")
    assert isinstance(first, Request)
    with pytest.raises(RedirectLoop):
        hop(mw, first, f"{URL}&utm_source=loop#top")


def test_a_loop_through_the_sites_public_name_is_still_a_loop() -> None:
    mw = redirects()
    scope = SiteScope(f"{SITE}/")
    scope.add_alias("https://articles.example/")
    mw.crawler.spider.scope = scope  # type: ignore[union-attr]
    with pytest.raises(RedirectLoop):
        hop(mw, Request(URL), "https://articles.example/page.php?p=0000001")


def test_a_redirect_to_itself_is_a_loop() -> None:
    with pytest.raises(RedirectLoop):
        hop(redirects(), Request(URL), URL)


def test_a_chain_of_new_urls_ends_at_the_redirect_limit() -> None:
    mw = redirects(REDIRECT_MAX_TIMES=3)
    request: Request | Response = Request(f"{SITE}/hop.php?n=0")
    with pytest.raises(TooManyRedirects):
        for n in range(1, 10):
            assert isinstance(request, Request)
            request = hop(mw, request, f"/hop.php?n={n}")
    assert stats_of(mw, "TooManyRedirects") == 1
    assert stats_of(mw, "RedirectLoop") is None


def test_ordinary_redirects_are_followed() -> None:
    result = hop(redirects(), Request(URL), "/page.php?p=0000002")
    assert isinstance(result, Request) and result.url == f"{SITE}/page.php?p=0000002"


def test_redirect_switch_still_applies() -> None:
    with pytest.raises(NotConfigured):
        redirects(REDIRECT_ENABLED=False)
