"""Validate every record against its published JSON Schema before the archive writes it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.archive.categories import category_record, merge_category_pages
from crawler.pipelines.records import (
    archive_record,
    category_page,
    is_article,
    is_category_page,
    is_removed,
)
from crawler.schema import JsonSchemaValueException, Validator, describe, validators
from crawler.stats import DROPPED_KEY, INVALID_PREFIX

logger = logging.getLogger(__name__)


class SchemaValidationPipeline:
    """Drops every record that its schema (``crawler/schema/<type>.schema.json``) rejects,
    so the archive holds only records its published schemas describe.

    Each item is validated as the archive will write it (``kinds.archive_record``, the
    archive's own serialisation, ``schema_version`` included), with validators compiled once
    per type (``crawler.schema.validators``). A category page, merged into its category's
    record only when the spider closes, is validated as the record it contributes to (its
    category with this page alone): a category whose pages all pass is valid. The ``warc``
    pointer is added by the archive as it writes; the schema describes it, but it is not
    there yet here.

    Drops under ``validate/dropped/`` also count towards the no-record alarm
    (``ALARM_NO_RECORD_SHARE``), as the validation pipeline's do.

    An invalid record is dropped (``DropItem``, logged at DEBUG), counted under
    ``schema/invalid/<type>`` and ``validate/dropped/schema``, and logged at WARNING with the
    failing path: ``schema: article https://... data.title: must be string``. Other items
    pass through untouched. Order it after the version pipeline, whose fields the schema
    requires, and just before the archive.

    Settings:

    - ``SCHEMA_VALIDATION_ENABLED`` (default ``True``): ``False`` disables the pipeline.
    """

    def __init__(
        self, stats: StatsCollector, compiled: Mapping[str, Validator] | None = None
    ) -> None:
        self.stats = stats
        self.validators = validators() if compiled is None else compiled

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("SCHEMA_VALIDATION_ENABLED"):
            raise NotConfigured("SCHEMA_VALIDATION_ENABLED is False")
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if is_article(item) or is_removed(item):
            record = archive_record(item)
        elif is_category_page(item):
            [category] = merge_category_pages([category_page(item)])
            record = category_record(category)
        else:
            return item
        record_type = str(record["type"])
        try:
            self.validators[record_type](record)
        except JsonSchemaValueException as error:
            path, problem = describe(error)
            url = str(record.get("url") or "<no url>")
            self.stats.inc_value(INVALID_PREFIX + record_type)
            self.stats.inc_value(DROPPED_KEY)
            logger.warning("schema: %s %s %s: %s", record_type, url, path, problem)
            raise DropItem(
                f"schema: {record_type} {url} {path}: {problem}", log_level="DEBUG"
            ) from None
        return item
