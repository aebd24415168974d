"""The record's field list is written once, in ``crawler.contract``; the item dataclasses, the
records they give and the JSON Schema shipped with the archive must agree with it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from crawler.contract import ARTICLE_FIELDS, RELATED_FIELDS
from crawler.items import Article, RelatedLink
from tests.factories import make_article

SCHEMA = Path(__file__).resolve().parent.parent / "crawler" / "schema" / "article.schema.json"


def schema() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return result


def test_the_article_dataclass_starts_with_the_contract_fields() -> None:
    names = tuple(field.name for field in dataclasses.fields(Article))
    assert names[: len(ARTICLE_FIELDS)] == ARTICLE_FIELDS


def test_a_record_has_the_contract_fields_in_order() -> None:
    assert tuple(make_article(1).to_record()) == ARTICLE_FIELDS


def test_the_schema_requires_the_contract_fields_first() -> None:
    assert tuple(schema()["required"][: len(ARTICLE_FIELDS)]) == ARTICLE_FIELDS
    assert tuple(schema()["properties"])[: len(ARTICLE_FIELDS)] == ARTICLE_FIELDS


def test_related_cards_have_the_contract_fields_everywhere() -> None:
    assert tuple(field.name for field in dataclasses.fields(RelatedLink)) == RELATED_FIELDS
    assert tuple(make_article(1).to_record()["related"][0]) == RELATED_FIELDS
    card = schema()["properties"]["related"]["items"]
    assert tuple(card["properties"]) == RELATED_FIELDS


def test_the_content_is_converted_once_and_the_version_fields_are_current() -> None:
    article = make_article(1)
    first = article.to_record()
    article.version, article.content_hash, article.fetched_at = 1, "h", "2025-08-06T09:00:00Z"
    second = article.to_record()
    # The same converted lists: the pipelines asking for the record do not convert it again.
    assert second["blocks"] is first["blocks"] and second["related"] is first["related"]
    assert "version" not in first and second["version"] == 1
    assert tuple(second)[: len(ARTICLE_FIELDS)] == ARTICLE_FIELDS
