"""A site template as data: what the page objects do, written down as selectors.

A template says, per field of the record, where its value is (a CSS selector) and how it is
read (``text``: the element's text as SITE.md defines it; ``date``: an ISO date from its
``datetime`` or its text; ``href``: the canonical URL its ``href`` names). The body is a
container, the block kinds (each a selector inside it) and the boilerplate subtrees dropped
before it is read; related cards are a repeated element with fields of their own; a listing
is its name, the links of its cards and its next-page link.

A template is JSON, meant to be read by a person: :meth:`Template.to_json` writes it with
sorted keys and indentation, :meth:`Template.from_json` reads it back. Nothing here parses
HTML; ``crawler.templates.apply`` does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

Read = Literal["text", "date", "href"]
#: The scalar fields of an article template, in record order.
ARTICLE_FIELDS: Final = ("title", "summary", "published", "category")
#: The fields of a related card, in record order.
RELATED_FIELDS: Final = ("url", "category", "summary", "published")
FORMAT: Final = 1


class TemplateError(ValueError):
    """A template's JSON is not one this version reads."""


@dataclass(frozen=True, slots=True)
class Field:
    """Where one value is: the first element the first selector finds, read as ``read``;
    the next selectors only when one finds nothing."""

    select: tuple[str, ...]
    read: Read = "text"

    def to_dict(self) -> dict[str, Any]:
        return {"select": list(self.select), "read": self.read}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Field:
        read = data.get("read", "text")
        if read not in ("text", "date", "href"):
            raise TemplateError(f"unknown read {read!r}")
        return cls(tuple(str(s) for s in data["select"]), read)


@dataclass(frozen=True, slots=True)
class BlockRule:
    select: str
    kind: Literal["heading", "paragraph"]


@dataclass(frozen=True, slots=True)
class Body:
    """The body: ``container`` (the first match), read in document order into a block per
    outermost element a rule matches, outside the ``drop`` subtrees."""

    container: str
    blocks: tuple[BlockRule, ...]
    drop: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "blocks": [{"select": rule.select, "kind": rule.kind} for rule in self.blocks],
            "drop": list(self.drop),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Body:
        rules = []
        for rule in data["blocks"]:
            if rule["kind"] not in ("heading", "paragraph"):
                raise TemplateError(f"unknown block kind {rule['kind']!r}")
            rules.append(BlockRule(str(rule["select"]), rule["kind"]))
        return cls(str(data["container"]), tuple(rules), tuple(data.get("drop", ())))


@dataclass(frozen=True, slots=True)
class Related:
    """Related cards: every element ``item`` matches, in page order; each card's fields are
    selectors inside it (a card without a URL is no card)."""

    item: str
    fields: Mapping[str, Field]

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "fields": {name: self.fields[name].to_dict() for name in RELATED_FIELDS},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Related:
        fields = {name: Field.from_dict(data["fields"][name]) for name in RELATED_FIELDS}
        return cls(str(data["item"]), fields)


@dataclass(frozen=True, slots=True)
class ArticleTemplate:
    fields: Mapping[str, Field]
    body: Body
    related: Related | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fields": {name: self.fields[name].to_dict() for name in ARTICLE_FIELDS},
            "body": self.body.to_dict(),
            "related": self.related.to_dict() if self.related is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArticleTemplate:
        fields = {name: Field.from_dict(data["fields"][name]) for name in ARTICLE_FIELDS}
        related = data.get("related")
        return cls(
            fields,
            Body.from_dict(data["body"]),
            Related.from_dict(related) if related is not None else None,
        )


@dataclass(frozen=True, slots=True)
class ListingTemplate:
    """A category listing: its name, the links of its cards (every match, in order) and the
    link to its next page (the first match)."""

    name: Field
    cards: str
    next: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name.to_dict(), "cards": self.cards, "next": self.next}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListingTemplate:
        return cls(Field.from_dict(data["name"]), str(data["cards"]), data.get("next"))


@dataclass(frozen=True, slots=True)
class Template:
    """A learned template: article pages, listing pages (``None``: the page objects read
    them), and how it was learned (pages learned from and validated on)."""

    article: ArticleTemplate | None
    listing: ListingTemplate | None = None
    learned: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "article": self.article.to_dict() if self.article is not None else None,
            "listing": self.listing.to_dict() if self.listing is not None else None,
            "learned": dict(self.learned),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @property
    def digest(self) -> str:
        """What tells two templates apart: the selectors, not how they were learned."""
        rules = {"article": self.to_dict()["article"], "listing": self.to_dict()["listing"]}
        text = json.dumps(rules, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @classmethod
    def from_json(cls, text: str) -> Template:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise TemplateError(f"template format {data.get('format')!r}, not {FORMAT}")
            article, listing = data.get("article"), data.get("listing")
            return cls(
                ArticleTemplate.from_dict(article) if article is not None else None,
                ListingTemplate.from_dict(listing) if listing is not None else None,
                dict(data.get("learned") or {}),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, TemplateError):
                raise
            raise TemplateError(f"not a template: {exc}") from exc

    def with_learned(self, learned: Mapping[str, Any]) -> Template:
        return Template(self.article, self.listing, {**self.learned, **learned})


def field_rule(select: Sequence[str] | str, read: Read = "text") -> Field:
    """A :class:`Field` from one selector or several."""
    return Field((select,) if isinstance(select, str) else tuple(select), read)
