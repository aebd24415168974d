"""Request fingerprints on canonical URLs, so the scheduler's duplicate filter sees one request
per article however it was reached: a tracked link, a fragment, or a redirect whose
``Location`` carries tracking parameters (redirects bypass the spiders' own canonicalisation)."""

from __future__ import annotations

from scrapy import Request
from scrapy.utils.request import RequestFingerprinter

from crawler.urls import canonicalize


class CanonicalRequestFingerprinter(RequestFingerprinter):
    def fingerprint(self, request: Request) -> bytes:
        canonical = canonicalize(request.url)
        if canonical != request.url:
            request = request.replace(url=canonical)
        return super().fingerprint(request)
