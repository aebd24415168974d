"""The published record schemas: their own shape, every fixture record valid under them as the
archive writes it, and what they reject, with the failing path named."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import crawler.schema
from crawler.archive.categories import category_record, merge_category_pages
from crawler.digests import CONTENT_FIELDS
from crawler.items import Removed
from crawler.pipelines.records import CATEGORY_PAGE_TYPE, archive_record, category_page
from crawler.pipelines.version import VersionPipeline
from crawler.schema import (
    RECORD_TYPES,
    SCHEMA_VERSION,
    JsonSchemaValueException,
    describe,
    load_schema,
    validate,
    validators,
)
from crawler.state.sqlite import SQLiteState
from tests.crawlers import project_crawler

FIXTURES = Path(__file__).parents[1] / "fixtures"
SHARED_EXPECTED = Path(__file__).parents[3] / "shared" / "site" / "expected"
FETCHED = datetime(2025, 8, 6, 9, 0, 0, tzinfo=UTC)

ARTICLE_EXPECTED = sorted(FIXTURES.glob("article/*/expected.json"))
CATEGORY_EXPECTED = sorted(FIXTURES.glob("category/*/expected.json"))
SHARED = sorted(SHARED_EXPECTED.glob("*.json")) if SHARED_EXPECTED.is_dir() else []
#: Keywords that mean the same in draft-07 (what fastjsonschema implements) and 2020-12.
PORTABLE_KEYWORDS = {
    *("$schema", "$id", "$comment", "title", "description", "examples", "format"),
    *("type", "const", "enum", "pattern", "minimum", "minItems", "uniqueItems"),
    *("properties", "required", "additionalProperties", "items", "if", "then", "else"),
}


def case(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}"


def version_pipeline(state: SQLiteState | None = None) -> VersionPipeline:
    stats = project_crawler().stats
    assert stats is not None
    return VersionPipeline(stats, state, clock=lambda: FETCHED)


def as_archived(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` as the archive writes it: versioned by the version pipeline (no state: a new
    article, version 1), then serialised as the archive pipeline does."""
    return archive_record(version_pipeline().process_item(copy.deepcopy(record)))


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def specimen() -> dict[str, Any]:
    record: dict[str, Any] = load(FIXTURES / "article" / "specimen" / "expected.json")
    return as_archived(record)


def failure(record: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(JsonSchemaValueException) as caught:
        validate(record)
    return describe(caught.value)


# -- the schema files -------------------------------------------------------------------------


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_each_schema_is_draft_2020_12_with_an_id_and_a_title(record_type: str) -> None:
    schema = load_schema(record_type)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:evergreen-crawler:schema:{SCHEMA_VERSION}:{record_type}"
    assert schema["title"] and schema["description"]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_each_schema_fixes_its_type_and_allows_no_other_key(record_type: str) -> None:
    schema = load_schema(record_type)
    assert schema["properties"]["type"]["const"] == record_type
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def properties(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every property of ``schema`` and of the objects nested in it, by dotted path."""
    found = []
    for name, sub in schema.get("properties", {}).items():
        if isinstance(sub, dict):
            found.append((f"{path}{name}", sub))
            found += properties(sub, f"{path}{name}.")
            found += properties(sub.get("items", {}), f"{path}{name}[].")
    return found


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_every_property_is_described(record_type: str) -> None:
    undescribed = [
        path for path, sub in properties(load_schema(record_type)) if not sub.get("description")
    ]
    assert undescribed == []


def keywords(schema: Any) -> set[str]:
    if isinstance(schema, list):
        return {key for item in schema for key in keywords(item)}
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for key, value in schema.items():
        if key == "properties":
            found |= {k for sub in value.values() for k in keywords(sub)}
        elif key not in ("examples", "const", "enum"):
            found |= keywords(value)
    return found


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_schemas_use_only_keywords_draft_07_reads_the_same(record_type: str) -> None:
    assert keywords(load_schema(record_type)) - PORTABLE_KEYWORDS == set()


def test_changed_fields_are_the_content_fields() -> None:
    article = load_schema("article")
    assert article["properties"]["changed_fields"]["items"]["enum"] == list(CONTENT_FIELDS)


def test_the_schemas_ship_in_the_package() -> None:
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"schema/*.schema.json"' in pyproject
    for record_type in RECORD_TYPES:
        assert (Path(crawler.schema.__file__).parent / f"{record_type}.schema.json").is_file()


# -- fixture records as the archive writes them -----------------------------------------------


@pytest.mark.parametrize("path", [p for p in ARTICLE_EXPECTED if load(p) is not None], ids=case)
def test_every_fixture_article_validates_as_archived(path: Path) -> None:
    record = as_archived(load(path))
    assert (record["schema_version"], record["version"]) == (SCHEMA_VERSION, 1)
    validate(record)


@pytest.mark.skipif(not SHARED, reason="../shared/site is not beside this clone")
@pytest.mark.parametrize("path", SHARED, ids=lambda path: path.name)
def test_the_shared_expected_records_validate_as_archived(path: Path) -> None:
    validate(as_archived(load(path)))


@pytest.mark.parametrize("path", CATEGORY_EXPECTED, ids=case)
def test_every_fixture_category_page_validates_as_its_category(path: Path) -> None:
    page = {"type": CATEGORY_PAGE_TYPE, **load(path)}
    [category] = merge_category_pages([category_page(page)])
    record = category_record(category)
    assert record["schema_version"] == SCHEMA_VERSION
    validate(record)


def test_a_changed_version_validates(crawl_state: SQLiteState) -> None:
    pipeline = version_pipeline(crawl_state)
    first = pipeline.process_item(copy.deepcopy(load(ARTICLE_EXPECTED[0])))
    pipeline.item_scraped(first, None)
    edited = {**copy.deepcopy(load(ARTICLE_EXPECTED[0])), "title": "A new title."}
    record = archive_record(pipeline.process_item(edited))
    assert (record["version"], record["changed_fields"]) == (2, ["title"])
    validate(record)


def test_a_removed_record_validates() -> None:
    removed = Removed(
        url="https://articles.example/page.php?p=0211227",
        id="0211227",
        status=410,
        last_seen="2025-08-06T09:00:00Z",
    )
    validate(archive_record(removed))


def test_a_removed_record_without_a_known_id_validates() -> None:
    removed = Removed(
        url="https://articles.example/page.php?p=1",
        id=None,
        status=404,
        last_seen="2025-08-06T09:00:00Z",
    )
    validate(archive_record(removed))


# -- what the schemas reject ------------------------------------------------------------------


def test_a_missing_title_is_rejected_at_data_title() -> None:
    record = specimen()
    del record["title"]
    assert failure(record) == ("data.title", "is required")


def test_a_null_title_is_rejected_at_data_title() -> None:
    assert failure({**specimen(), "title": None}) == ("data.title", "must be string")


def test_a_non_iso_date_is_rejected_at_data_published() -> None:
    path, problem = failure({**specimen(), "published": "06/08/2025"})
    assert path == "data.published" and problem.startswith("must match pattern")


def test_a_non_iso_related_date_is_rejected_at_its_card() -> None:
    record = specimen()
    record["related"][2]["published"] = "Aug 6, 2025"
    assert failure(record)[0] == "data.related[2].published"


def test_an_unknown_type_is_rejected_at_data_type() -> None:
    assert failure({**specimen(), "type": "essay"})[0] == "data.type"


def test_the_article_schema_itself_rejects_another_type() -> None:
    with pytest.raises(JsonSchemaValueException) as caught:
        validators()["article"]({**specimen(), "type": "essay"})
    assert caught.value.name == "data.type"


def test_an_extra_field_is_rejected_by_name() -> None:
    assert failure({**specimen(), "author": "A. N. Other"}) == ("data.author", "is not allowed")


def test_a_record_without_schema_version_is_rejected() -> None:
    record = specimen()
    del record["schema_version"]
    assert failure(record) == ("data.schema_version", "is required")


def test_a_local_fetch_time_is_rejected() -> None:
    path, _ = failure({**specimen(), "fetched_at": "2025-08-06T11:00:00+02:00"})
    assert path == "data.fetched_at"


def test_a_first_version_naming_a_previous_one_is_rejected() -> None:
    record = {**specimen(), "previous_hash": "0" * 64, "changed_fields": ["title"]}
    assert failure(record)[0] == "data.previous_hash"


def test_a_later_version_without_its_previous_hash_is_rejected() -> None:
    assert failure({**specimen(), "version": 2})[0] == "data.previous_hash"


def test_an_unknown_block_kind_is_rejected_at_its_block() -> None:
    record = specimen()
    record["blocks"][0]["kind"] = "quote"
    assert failure(record)[0] == "data.blocks[0].kind"


def test_a_removed_record_with_another_status_is_rejected() -> None:
    removed = archive_record(
        Removed(
            url="https://articles.example/page.php?p=1",
            id="1",
            status=500,
            last_seen="2025-08-06T09:00:00Z",
        )
    )
    assert failure(removed)[0] == "data.status"
