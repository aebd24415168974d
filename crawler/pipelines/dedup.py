"""Keep the first article per URL and per content within a run."""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Protocol, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.pipelines.kinds import is_article

logger = logging.getLogger(__name__)

DUPLICATE_URL_KEY = "dedup/duplicate_url"
DUPLICATE_CONTENT_KEY = "dedup/duplicate_content"


class SeenSet(Protocol):
    """Keys already claimed in this run, each with the URL that claimed it first.

    Keys are fixed-size digests, so memory does not grow with article length. A persistent
    crawl state (e.g. SQLite, for resumable runs) only has to implement ``claim``.
    """

    def claim(self, key: bytes, url: str) -> str | None:
        """Record ``key`` as seen at ``url`` unless already claimed; return the earlier URL,
        or ``None`` when this is the first claim."""
        ...


class MemorySeenSet:
    """``SeenSet`` in a dict: fine for one run of a site this size."""

    def __init__(self) -> None:
        self._first: dict[bytes, str] = {}

    def claim(self, key: bytes, url: str) -> str | None:
        first = self._first.get(key)
        if first is None:
            self._first[key] = url
        return first

    def __len__(self) -> int:
        return len(self._first)


def url_key(url: str) -> bytes:
    return hashlib.sha256(url.encode("utf-8")).digest()


def content_key(title: str, body: str) -> bytes:
    """Digest of what makes two articles the same essay (SITE.md: identical title and body).

    The NUL separator keeps ``("ab", "c")`` and ``("a", "bc")`` apart.
    """
    return hashlib.sha256(f"{title}\0{body}".encode()).digest()


class DedupPipeline:
    """Drops an article whose canonical URL, or whose title and body, an earlier article had.

    The first one met is kept. Stats: ``dedup/duplicate_url``, ``dedup/duplicate_content``;
    content duplicates are logged at INFO with both URLs (the site republishes some essays
    under a second id, which is worth seeing). Non-article items pass through.

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
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not is_article(item):
            return item
        adapter = ItemAdapter(item)
        url = str(adapter.get("url") or "")
        if self.urls.claim(url_key(url), url) is not None:
            self.stats.inc_value(DUPLICATE_URL_KEY)
            raise DropItem(f"duplicate URL: {url}", log_level="DEBUG")
        digest = content_key(str(adapter.get("title") or ""), str(adapter.get("body") or ""))
        first = self.contents.claim(digest, url)
        if first is not None:
            self.stats.inc_value(DUPLICATE_CONTENT_KEY)
            logger.info("Dropped duplicate article %s: same title and body as %s", url, first)
            raise DropItem(f"duplicate content: {url} repeats {first}", log_level="DEBUG")
        return item
