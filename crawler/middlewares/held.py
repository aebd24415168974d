"""Answers the requests that read a held page again from the run's store, not the site."""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.extensions.learning import HELD_META, TemplateLearning, template_learning


class HeldResponseMiddleware:
    """A request carrying ``meta["held_page"]`` (``crawler.extensions.learning``) gets the
    response its page was held with, before any other middleware or the site sees it; one
    whose body was not kept goes to the site as any request. Settings: none (switched off with
    the ``TemplateLearning`` extension)."""

    def __init__(self, learning: TemplateLearning) -> None:
        self.learning = learning

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        learning = template_learning(crawler)
        if learning is None:
            raise NotConfigured("no TemplateLearning extension")
        return cls(learning)

    def process_request(self, request: Request) -> Response | None:
        key = request.meta.get(HELD_META)
        if key is None:
            return None
        return self.learning.held_response(str(key), request)
