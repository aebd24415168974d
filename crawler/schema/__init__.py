"""The published JSON Schemas (draft 2020-12) of the records the archive writes, and validators
compiled from them. No Scrapy needed.

One schema per record type, shipped in this package (so in every install of it)::

    crawler/schema/article.schema.json    "article"   lines of articles-NNNNN.jsonl[.gz]
    crawler/schema/removed.schema.json    "removed"   lines of articles-NNNNN.jsonl[.gz]
    crawler/schema/category.schema.json   "category"  lines of categories.jsonl

A reader picks the schema by the record's ``type``. Every record carries ``schema_version``,
``SCHEMA_VERSION``: an integer, raised whenever a record type's keys or their meaning change,
so a reader can tell which schema an old archive follows.

The crawler validates with fastjsonschema, whose code generator implements draft-07: the
schemas use only keywords that mean the same in draft-07 and draft 2020-12, so any 2020-12
validator gives the same verdicts. ``format`` is an annotation, as 2020-12 has it by default
(the validators are compiled with ``use_formats=False``); the ``pattern`` next to it asserts.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, Final

import fastjsonschema
from fastjsonschema import JsonSchemaValueException

#: The ``schema_version`` every record written by this code carries.
SCHEMA_VERSION: Final = 1
#: Record types with a schema, i.e. every ``type`` the archive writes.
RECORD_TYPES: tuple[str, ...] = ("article", "category", "removed")

Validator = Callable[[Any], Any]

__all__ = [
    "RECORD_TYPES",
    "SCHEMA_VERSION",
    "JsonSchemaValueException",
    "Validator",
    "describe",
    "load_schema",
    "schema_file",
    "validate",
    "validators",
    "with_schema_version",
]


def schema_file(record_type: str) -> str:
    """The schema's file name in this package.

    >>> schema_file("article")
    'article.schema.json'
    """
    if record_type not in RECORD_TYPES:
        raise KeyError(f"no schema for record type {record_type!r}")
    return f"{record_type}.schema.json"


def load_schema(record_type: str) -> dict[str, Any]:
    """The schema of ``record_type`` as a fresh dict (read through ``importlib.resources``, so
    it is found in a zipped egg too, as Scrapyd runs the crawler)."""
    text = resources.files(__name__).joinpath(schema_file(record_type)).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def validators() -> Mapping[str, Validator]:
    """One compiled validator per record type, compiled once per process. A validator returns
    the record (unchanged: no defaults are filled in) or raises ``JsonSchemaValueException``
    at the first failing value."""
    return {
        record_type: fastjsonschema.compile(
            load_schema(record_type), use_default=False, use_formats=False
        )
        for record_type in RECORD_TYPES
    }


def with_schema_version(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` (changed in place and returned) with ``schema_version`` set: the last step
    of turning an item into the record the archive writes.

    >>> with_schema_version({"type": "category"})
    {'type': 'category', 'schema_version': 1}
    """
    record["schema_version"] = SCHEMA_VERSION
    return record


def validate(record: Mapping[str, Any]) -> None:
    """Raise ``JsonSchemaValueException`` unless ``record`` is valid under the schema its
    ``type`` names; a record of no known type fails at ``data.type``.

    >>> validate({"type": "essay"})
    Traceback (most recent call last):
    ...
    fastjsonschema.exceptions.JsonSchemaValueException: data.type must be one of \
['article', 'category', 'removed']
    """
    record_type = record.get("type")
    validator = validators().get(record_type) if isinstance(record_type, str) else None
    if validator is None:
        raise JsonSchemaValueException(
            f"data.type must be one of {list(RECORD_TYPES)}",
            value=record_type,
            name="data.type",
            definition={"enum": list(RECORD_TYPES)},
            rule="enum",
        )
    validator(record)


def describe(error: JsonSchemaValueException) -> tuple[str, str]:
    """Where a record failed and what is wrong there: ``("data.title", "must be string")``.

    fastjsonschema names a missing or an unexpected key only by its object (``data must
    contain [every required key] properties``); here the key itself is named.

    >>> try:
    ...     validate({"type": "category", "name": "Film", "url": "https://a.example/",
    ...               "articles": [], "schema_version": 1, "extra": 0})
    ... except JsonSchemaValueException as error:
    ...     describe(error)
    ('data.extra', 'is not allowed')
    """
    name = error.name or "data"
    value = error.value
    definition = error.definition if isinstance(error.definition, Mapping) else {}
    if isinstance(value, Mapping):
        keys: list[str] = []
        problem = ""
        if error.rule == "required":
            keys = [key for key in definition.get("required", ()) if key not in value]
            problem = "is required"
        elif error.rule == "additionalProperties":
            allowed = definition.get("properties", {})
            keys = [str(key) for key in value if key not in allowed]
            problem = "is not allowed"
        if keys:
            more = f" (and {', '.join(keys[1:])})" if len(keys) > 1 else ""
            return f"{name}.{keys[0]}", problem + more
    return name, error.message.removeprefix(name).strip()
