"""Keep the first article per URL and per content within a run."""

from __future__ import annotations

import logging
from typing import Any, Protocol, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.digests import content_key, url_key
from crawler.extensions.state import crawl_state
from crawler.pipelines.records import is_article
from crawler.stats import DUPLICATE_CONTENT_KEY, DUPLICATE_URL_KEY

logger = logging.getLogger(__name__)


class SeenSet(Protocol):
    """Keys already claimed, each with the URL that claimed it first.

    Keys are fixed-size digests, so memory does not grow with article length. The crawl state
    (``crawler.state.CrawlState``) provides persistent ones: URL claims of the current run,
    content claims of every run.
    """

    def claim(self, key: bytes, url: str) -> str | None:
        """Record ``key`` as seen at ``url`` unless already claimed; return the earlier URL,
        or ``None`` when this is the first claim."""
        ...


class MemorySeenSet:
    """``SeenSet`` in a dict: for crawls without a state."""

    def __init__(self) -> None:
        self._first: dict[bytes, str] = {}

    def claim(self, key: bytes, url: str) -> str | None:
        first = self._first.get(key)
        if first is None:
            self._first[key] = url
        return first

    def __len__(self) -> int:
        return len(self._first)


class DuplicateURL(DropItem):
    """A second article with a canonical URL already archived in this run."""


class DuplicateContent(DropItem):
    """An article whose title and body another URL had first."""

    def __init__(self, message: str, first: str) -> None:
        super().__init__(message, log_level="DEBUG")
        self.first = first


class DedupPipeline:
    """Drops an article whose canonical URL, or whose title and body, an earlier article had.

    The first one met is kept. Stats: ``dedup/duplicate_url``, ``dedup/duplicate_content``;
    content duplicates are logged at INFO with both URLs (the site republishes some essays
    under a second id, which is worth seeing). Non-article items pass through.

    With a crawl state (``crawler.extensions.state.CrawlStateExtension``) content claims
    persist across runs: a copy met in a later run is still a duplicate of the article archived
    first, and the same article met again in a later run is not a duplicate of itself.

    Settings: none. Remove it from ``ITEM_PIPELINES`` to switch it off.
    """

    def __init__(
        self,
        stats: StatsCollector,
        urls: SeenSet | None = None,
        contents: SeenSet | None = None,
    ) -> None:
        self.stats = stats
        self.urls: SeenSet = urls if urls is not None else MemorySeenSet()
        self.contents: SeenSet = contents if contents is not None else MemorySeenSet()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        state = crawl_state(crawler)
        if state is None:
            return cls(crawler.stats)
        return cls(crawler.stats, urls=state.run_urls, contents=state.contents)

    def process_item(self, item: Any) -> Any:
        if not is_article(item):
            return item
        adapter = ItemAdapter(item)
        url = str(adapter.get("url") or "")
        if self.urls.claim(url_key(url), url) is not None:
            self.stats.inc_value(DUPLICATE_URL_KEY)
            raise DuplicateURL(f"duplicate URL: {url}", log_level="DEBUG")
        digest = content_key(str(adapter.get("title") or ""), str(adapter.get("body") or ""))
        first = self.contents.claim(digest, url)
        # The same URL as the first claim: this article again, in a later run.
        if first is not None and first != url:
            self.stats.inc_value(DUPLICATE_CONTENT_KEY)
            logger.info("Dropped duplicate article %s: same title and body as %s", url, first)
            raise DuplicateContent(f"duplicate content: {url} repeats {first}", first)
        return item
