"""What a run cost the site: every request sent, counted by why it was made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from scrapy import Request

from crawler import urls
from crawler.revisit import PURPOSES
from crawler.stats import REQUESTS_PREFIX

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

#: Request meta key: why the spider asked for the page (one of ``crawler.revisit.PURPOSES``).
PURPOSE_META = "purpose"


def purpose_of(request: Request) -> str:
    """The request's purpose: the spider's word for it, else what its URL says (robots.txt
    fetched by Scrapy's robots middleware, pages of spiders that do not say).

    >>> purpose_of(Request("https://a.example/robots.txt"))
    'robots'
    >>> purpose_of(Request("https://a.example/page.php?p=1", meta={"purpose": "due"}))
    'due'
    """
    given = request.meta.get(PURPOSE_META)
    if given in PURPOSES:
        return str(given)
    return purpose_of_url(request.url)


def purpose_of_url(url: str) -> str:
    """What a URL is asked for when nothing else says: robots.txt, a sitemap, a listing (a
    category page or the home page), an article not known to be anything else, or other.

    >>> purpose_of_url("https://a.example/"), purpose_of_url("https://a.example/about.php")
    ('listing', 'other')
    """
    path = urlsplit(url).path.lower()
    if path == "/robots.txt":
        return "robots"
    if "sitemap" in path and path.endswith((".xml", ".xml.gz")):
        return "sitemap"
    kind = urls.page_kind(url)
    if kind == "category" or path in ("", "/"):
        return "listing"
    return "new" if kind == "article" else "other"


class RequestPurposeMiddleware:
    """Downloader middleware, last before the downloader: counts every request sent to the
    site, retries and redirects included, under ``requests/<purpose>``. No settings."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_request(self, request: Request) -> None:
        self.stats.inc_value(REQUESTS_PREFIX + purpose_of(request))
