"""Typed items: the records the crawler archives, and what pipelines receive.

Field order is the key order of the written JSON, matching SITE.md's record contract.
Pipelines reach these through ``ItemAdapter``, so plain dicts with the same keys work too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph"]


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
    lacks them, so the validation pipeline can drop the item and say which field was missing."""

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

    def to_record(self) -> dict[str, Any]:
        """The JSON record, keys in contract order. Hand-written because the generic
        converters (``dataclasses.asdict``, ``ItemAdapter.asdict``) cost more than the
        extraction itself on pages with long related lists."""
        return {
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


@dataclass(kw_only=True, slots=True)
class CategoryPage:
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
