"""Typed items: the records the crawler archives, and what pipelines receive.

Field order is the key order of the written JSON, matching SITE.md's record contract.
Pipelines reach these through ``ItemAdapter``, so plain dicts with the same keys work too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph"]


@dataclass(frozen=True, slots=True)
class Capture:
    """The HTTP exchange an article was extracted from, as the crawler saw it (body as handed
    to the spider, decompressed). It travels with the item to the archive, which stores it as
    WARC records; it is never part of the record."""

    url: str
    method: str
    request_headers: Sequence[tuple[str, str]]
    status: int
    reason: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class PageCapture:
    """A response kept for replay that no record points to: a listing page (the home page, a
    category page) or a requisite (a stylesheet or image an archived page loads), by the
    ``purpose`` its request was made for. The archive stores it as WARC records, or as a
    ``revisit`` record when its payload is the one the archive captured before."""

    capture: Capture = field(repr=False)
    purpose: str


@dataclass(slots=True)
class Block:
    kind: BlockKind
    text: str


@dataclass(slots=True)
class RelatedLink:
    url: str
    category: str | None
    summary: str | None
    published: str | None


@dataclass(kw_only=True, slots=True)
class Article:
    """One article record; ``title``/``published``/``category`` are ``None`` when the page
    lacks them, so the validation pipeline can drop the item and say which field was missing.

    The version fields are set by ``crawler.pipelines.version.VersionPipeline`` from the crawl
    state, after extraction: a page object never sets them, and a record without them
    (``extract_article``) has only the contract's keys.
    """

    type: Literal["article"] = "article"
    url: str
    id: str | None
    title: str | None
    summary: str | None
    published: str | None
    category: str | None
    body: str
    blocks: list[Block] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    #: 1 for an article first archived, +1 for each change of its content.
    version: int | None = None
    #: ``crawler.digests.content_hash`` of the record's content fields.
    content_hash: str | None = None
    #: When the page was fetched, ISO-8601 UTC (``2025-08-06T09:00:00Z``).
    fetched_at: str | None = None
    #: For a changed article: the content hash of the version before, and which fields differ.
    previous_hash: str | None = None
    changed_fields: list[str] | None = None
    #: Where the page's response is stored (``{"file", "offset", "record_id"}``), once archived.
    warc: dict[str, Any] | None = None
    #: The response itself, on its way to the archive (``crawler.middlewares.capture``).
    capture: Capture | None = field(default=None, repr=False, compare=False)

    #: The content part of the record, converted once (``to_record``): the pipelines each ask
    #: for the record, and content fields do not change once a page object has set them.
    _content: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    def to_record(self) -> dict[str, Any]:
        """The JSON record, keys in contract order, with the version fields as they are now.

        The content fields are converted once per item, on the first call. Hand-written
        because the generic converters (``dataclasses.asdict``, ``ItemAdapter.asdict``) cost
        more than the extraction itself on pages with long related lists."""
        if self._content is None:
            self._content = {
                "type": self.type,
                "url": self.url,
                "id": self.id,
                "title": self.title,
                "summary": self.summary,
                "published": self.published,
                "category": self.category,
                "body": self.body,
                "blocks": [{"kind": block.kind, "text": block.text} for block in self.blocks],
                "related": [
                    {
                        "url": link.url,
                        "category": link.category,
                        "summary": link.summary,
                        "published": link.published,
                    }
                    for link in self.related
                ],
            }
        record = dict(self._content)
        if self.version is not None:
            record["version"] = self.version
            record["content_hash"] = self.content_hash
            record["fetched_at"] = self.fetched_at
        if self.previous_hash is not None:
            record["previous_hash"] = self.previous_hash
            record["changed_fields"] = self.changed_fields
        if self.warc is not None:
            record["warc"] = self.warc
        return record


@dataclass(kw_only=True, slots=True)
class PageGone:
    """An article page that answered 404 or 410. The version pipeline turns it into a
    ``Removed`` record when the state knows the article as archived; spiders yield it without
    knowing."""

    url: str
    status: int


@dataclass(kw_only=True, slots=True)
class Removed:
    """The record of an archived article whose page is gone: written once, when first seen."""

    type: Literal["removed"] = "removed"
    url: str
    id: str | None
    status: int
    #: When the article was last seen live (ISO-8601 UTC).
    last_seen: str


@dataclass(kw_only=True, slots=True)
class ListingPage:
    """One listing page of a category. The archive pipeline merges a category's pages, ordered
    by ``page``, into one ``Category`` record, since pages arrive in any order."""

    name: str
    url: str
    page: int
    articles: list[str] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class Category:
    type: Literal["category"] = "category"
    name: str
    url: str
    articles: list[str] = field(default_factory=list)
