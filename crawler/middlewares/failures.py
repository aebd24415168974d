"""Name the cause of every page the downloader refuses, as ``pages/failed/<cause>``.

Scrapy already names most download failures by their exception, and the spiders' errback
counts those (``pages/failed/DownloadTimeoutError``, ``pages/failed/ResponseDataLossError``).
What it leaves anonymous is handled here:

- a response over ``DOWNLOAD_MAXSIZE`` fails as a bare ``DownloadCancelledError``;
- a decompression bomb and a redirect chain over ``REDIRECT_MAX_TIMES`` become an
  ``IgnoreRequest``, which errbacks rightly skip (robots and offsite refusals are one too);
- a redirect cycle ends silently in the duplicate filter after one lap;
- an empty page, or binary bytes labelled ``text/html``, reach the parser as if they were HTML.

Each becomes a :class:`PageRefused` subclass whose name is the cause. It is counted here, where
the cause is known, and is an ``IgnoreRequest`` so the errback does not count it again and
Scrapy logs no traceback for it, whichever request (a robots.txt fetch included) it hit.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self
from weakref import WeakKeyDictionary

from scrapy import Request, Spider, signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response

from crawler.failure_stats import count_page_failure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


#: The spiders' errback counts the failures it sees under the same prefix.
class PageRefused(IgnoreRequest):
    """A page the crawler will not parse; the subclass name is the counted cause."""


class ResponseTooLarge(PageRefused):
    """The body was, or was declared to be, larger than ``DOWNLOAD_MAXSIZE``."""


class DecompressionBomb(PageRefused):
    """The body inflated past ``DOWNLOAD_MAXSIZE`` while being decompressed."""


class TooManyRedirects(PageRefused):
    """The redirect chain went on past ``REDIRECT_MAX_TIMES``."""


class RedirectLoop(PageRefused):
    """A redirect pointed back to a URL already in its own chain."""


class EmptyBody(PageRefused):
    """A 2xx HTML response with nothing (or only whitespace) in its body."""


class BinaryBody(PageRefused):
    """An HTML response whose first bytes hold bytes that never occur in text."""


def refuse(stats: StatsCollector, error: PageRefused, request: Request) -> PageRefused:
    """Count and log ``error`` for ``request``, and return it to be raised. The log names the
    URL the spider asked for, not the redirect hop that failed, as the spiders' errback does
    for the failures it counts."""
    asked_for = (request.meta.get("redirect_urls") or [request.url])[0]
    count_page_failure(stats, logger, type(error).__name__, asked_for, str(error))
    return error


#: WHATWG MIME Sniffing, "binary data byte": control bytes no text encoding the web uses
#: (UTF-16 aside, which starts with a BOM) puts in a document.
BINARY_BYTES = frozenset([*range(0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
UTF16_BOMS = (b"\xfe\xff", b"\xff\xfe")


def looks_binary(head: bytes) -> bool:
    """True if ``head`` (a body's first bytes) cannot be the start of a text document.

    >>> looks_binary(b"<!DOCTYPE html><p>caf\\xc3\\xa9</p>\\r\\n\\t")
    False
    >>> looks_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
    True
    >>> looks_binary("<p>UTF-16</p>".encode("utf-16"))
    False
    """
    if head.startswith(UTF16_BOMS):
        return False
    return not BINARY_BYTES.isdisjoint(head)


class ResponseGuardMiddleware:
    """Refuses what no page parser should see, and names oversized downloads.

    - ``EmptyBody``: a 2xx HTML response whose body is empty or whitespace.
    - ``BinaryBody``: a 2xx HTML response with a binary data byte in its first
      ``RESPONSE_GUARD_SNIFF_BYTES`` (junk served as ``text/html``).
    - ``ResponseTooLarge``: a ``DownloadCancelledError`` for a response whose declared length
      or received bytes went over its ``DOWNLOAD_MAXSIZE`` (the HTTP/1.1 handler cancels it
      with no cause attached). The sizes come from the ``headers_received`` and
      ``bytes_received`` signals.

    Only HTML responses are checked: robots.txt, sitemaps and feeds are not parsed as pages.
    Order it below ``HttpCompressionMiddleware`` (590) so it sees decompressed bodies.

    Settings:

    - ``RESPONSE_GUARD_ENABLED`` (default ``True``): ``False`` switches it off.
    - ``RESPONSE_GUARD_SNIFF_BYTES`` (default ``1024``): how much of a body is sniffed, as
      browsers do; ``0`` disables the binary check.
    - ``DOWNLOAD_MAXSIZE`` (Scrapy's; per request ``download_maxsize`` meta).

    Stats: ``pages/failed/EmptyBody``, ``pages/failed/BinaryBody``,
    ``pages/failed/ResponseTooLarge``.
    """

    def __init__(self, stats: StatsCollector, *, maxsize: int, sniff_bytes: int) -> None:
        self.stats = stats
        self.maxsize = maxsize
        self.sniff_bytes = sniff_bytes
        # Largest size seen per request in flight; weak keys, so an entry whose request
        # never comes back (a closing engine) cannot leak.
        self._sizes: WeakKeyDictionary[Request, int] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("RESPONSE_GUARD_ENABLED"):
            raise NotConfigured("RESPONSE_GUARD_ENABLED is False")
        assert crawler.stats is not None
        middleware = cls(
            crawler.stats,
            maxsize=settings.getint("DOWNLOAD_MAXSIZE"),
            sniff_bytes=settings.getint("RESPONSE_GUARD_SNIFF_BYTES"),
        )
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def headers_received(self, body_length: Any, request: Request, **_: Any) -> None:
        # An unknown length is Twisted's UNKNOWN_LENGTH marker, not an int.
        if isinstance(body_length, int):
            self._note_size(request, body_length)

    def bytes_received(self, data: bytes, request: Request, **_: Any) -> None:
        self._note_size(request, self._sizes.get(request, 0) + len(data))

    def _note_size(self, request: Request, size: int) -> None:
        self._sizes[request] = max(size, self._sizes.get(request, 0))

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        self._sizes.pop(request, None)
        # Error pages are left to the retry and HTTP error middlewares, which name them by
        # status; a HEAD response has no body to judge.
        if (
            not isinstance(response, HtmlResponse)
            or not 200 <= response.status < 300
            or request.method == "HEAD"
        ):
            return response
        if not response.body.strip():
            raise refuse(self.stats, EmptyBody("empty body"), request)
        if self.sniff_bytes and looks_binary(response.body[: self.sniff_bytes]):
            raise refuse(self.stats, BinaryBody("binary bytes in an HTML body"), request)
        return response

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> None:
        size = self._sizes.pop(request, 0)
        maxsize = int(request.meta.get("download_maxsize", self.maxsize))
        if isinstance(exception, DownloadCancelledError) and maxsize and size > maxsize:
            error = ResponseTooLarge(f"{size} bytes or more, DOWNLOAD_MAXSIZE is {maxsize}")
            raise refuse(self.stats, error, request) from exception


class DecompressionBombMiddleware(HttpCompressionMiddleware):
    """Scrapy's ``HttpCompressionMiddleware`` (same settings, ``COMPRESSION_ENABLED`` switches
    it off), naming the responses it refuses for inflating past ``DOWNLOAD_MAXSIZE``: it
    already stops decompressing there, but with an anonymous ``IgnoreRequest``.

    Stats: ``pages/failed/DecompressionBomb``, besides ``httpcompression/*``.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            # The base class raises IgnoreRequest for one reason only: the size limit.
            assert self.stats is not None
            raise refuse(self.stats, DecompressionBomb(str(exc)), request) from exc


class RedirectGuardMiddleware(RedirectMiddleware):
    """Scrapy's ``RedirectMiddleware`` (same settings, ``REDIRECT_ENABLED`` switches it off),
    naming the two ways a redirect chain fails:

    - ``RedirectLoop``: the target is a request already in the chain (same fingerprint, so
      the project's canonical fingerprinter decides; a spider's ``scope`` maps the site's
      other names onto the fetch host first). Without this the duplicate filter drops the
      second lap without a word.
    - ``TooManyRedirects``: the chain reached ``REDIRECT_MAX_TIMES``.

    Stats: ``pages/failed/RedirectLoop``, ``pages/failed/TooManyRedirects``.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        stats = self.crawler.stats
        assert stats is not None
        try:
            result = super().process_response(request, response)
        except IgnoreRequest as exc:
            # The base class raises IgnoreRequest for one reason only: the redirect limit.
            raise refuse(stats, TooManyRedirects(str(exc)), request) from exc
        if isinstance(result, Request) and self._revisits(result):
            error = RedirectLoop(f"redirected back to {result.url}")
            raise refuse(stats, error, request)
        return result

    def _revisits(self, redirected: Request) -> bool:
        fingerprint = self.crawler.request_fingerprinter.fingerprint
        target = fingerprint(redirected.replace(url=self._fetched_as(redirected.url)))
        return any(
            fingerprint(redirected.replace(url=self._fetched_as(url))) == target
            for url in redirected.meta.get("redirect_urls", ())
        )

    def _fetched_as(self, url: str) -> str:
        # A mirror may redirect to the site's public name, which SiteAliasMiddleware sends
        # back to the mirror: compare URLs as they will be fetched (the spider's scope knows
        # the aliases), or such a loop would end unnamed in the duplicate filter.
        scope = getattr(self.crawler.spider, "scope", None)
        fetched = scope.to_fetch(url) if scope is not None else None
        return fetched if isinstance(fetched, str) else url
