"""Keep the HTTP exchange with each article item, and the listing pages and requisites a replay
needs, for the archive's WARC files."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Self

from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response

from crawler.clock import utc_now
from crawler.items import Article, Capture, PageCapture
from crawler.middlewares.purpose import purpose_of

#: Purposes of the responses kept with no record pointing at them: what a replayed article
#: links to (the home page, category pages) and loads (stylesheets, images).
KEPT_PURPOSES = frozenset({"listing", "requisite"})

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def capture_of(response: Response) -> Capture:
    """The exchange that gave ``response``, as the WARC writer stores it."""
    request = response.request
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return Capture(
        url=response.url,
        method=request.method if request is not None else "GET",
        request_headers=_pairs(request.headers) if request is not None else [],
        status=response.status,
        reason=reason,
        headers=_pairs(response.headers),
        body=response.body,
        fetched_at=utc_now(),
    )


class CaptureMiddleware:
    """Spider middleware: attaches to every ``Article`` a spider yields the response it was
    extracted from (``Article.capture``), so the archive can store the raw page beside the
    record it writes (``crawler.archive.warc``). Items carry the captured bytes, never the
    response object. Articles that turn out unchanged or duplicate are dropped before the
    archive, with their capture.

    A response whose request was made for a listing (the home page, a category page) or a
    requisite (``KEPT_PURPOSES``) and that answered 200 gives a ``PageCapture`` item first,
    which the archive stores for replay (a ``revisit`` record when its bytes were captured
    before).

    Settings: ``WARC_ENABLED`` (default ``True``); ``False`` switches raw capture off.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is False")
        return cls()

    def _attach(self, response: Response | None, output: Any) -> Any:
        if isinstance(output, Article) and response is not None:
            output.capture = capture_of(response)
        return output

    def _kept(self, response: Response | None) -> Iterable[PageCapture]:
        if response is None or response.status != 200 or response.request is None:
            return
        purpose = purpose_of(response.request)
        if purpose in KEPT_PURPOSES:
            yield PageCapture(capture=capture_of(response), purpose=purpose)

    def process_spider_output(
        self, response: Response | None, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterable[Any]:
        yield from self._kept(response)
        for output in result:
            yield self._attach(response, output)

    async def process_spider_output_async(
        self,
        response: Response | None,
        result: AsyncIterator[Any],
        spider: Spider | None = None,
    ) -> AsyncIterator[Any]:
        for kept in self._kept(response):
            yield kept
        async for output in result:
            yield self._attach(response, output)
