"""The schema pipeline: valid records pass unchanged, invalid ones are dropped, counted and
logged with the failing path."""

from __future__ import annotations

import copy
import logging

import pytest
from scrapy.exceptions import DropItem, NotConfigured

from crawler.items import Article, Removed
from crawler.pipelines.schema import SchemaValidationPipeline
from crawler.settings import ITEM_PIPELINES
from tests.crawlers import project_crawler
from tests.factories import article_dict, article_url, make_article, make_category_page

LAST_SEEN = "2025-08-06T09:00:00Z"
VERSIONED = {"version": 1, "content_hash": "0" * 64, "fetched_at": "2025-08-06T09:00:00Z"}


@pytest.fixture
def pipeline() -> SchemaValidationPipeline:
    return SchemaValidationPipeline.from_crawler(project_crawler())


def versioned(n: int = 1, **overrides: object) -> Article:
    """An article as the version pipeline hands it on."""
    return make_article(n, **{**VERSIONED, **overrides})


def removed(status: int = 404) -> Removed:
    return Removed(url=article_url(1), id="0000001", status=status, last_seen=LAST_SEEN)


def test_a_valid_article_passes_unchanged(pipeline: SchemaValidationPipeline) -> None:
    article = versioned()
    before = copy.deepcopy(article)
    assert pipeline.process_item(article) is article
    assert article == before
    assert not any(key.startswith("schema/") for key in pipeline.stats.get_stats())


def test_a_valid_dict_article_passes_unchanged(pipeline: SchemaValidationPipeline) -> None:
    record = article_dict(1, **VERSIONED)
    before = copy.deepcopy(record)
    assert pipeline.process_item(record) is record
    assert record == before  # schema_version is the archive's to add, not the item's


def test_an_invalid_article_is_dropped_counted_and_logged_with_its_path(
    pipeline: SchemaValidationPipeline, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(DropItem, match=r"data\.title"):
        pipeline.process_item(versioned(title=None))
    assert pipeline.stats.get_value("schema/invalid/article") == 1
    assert pipeline.stats.get_value("validate/dropped/schema") == 1
    assert f"schema: article {article_url(1)} data.title: must be string" in caplog.text


def test_an_article_the_version_pipeline_did_not_see_is_dropped(
    pipeline: SchemaValidationPipeline, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(DropItem):
        pipeline.process_item(make_article(1))
    assert "data.version: is required" in caplog.text


def test_a_bad_date_in_a_dict_article_is_dropped(
    pipeline: SchemaValidationPipeline, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(DropItem):
        pipeline.process_item(article_dict(1, published="06/08/2025", **VERSIONED))
    assert "data.published: must match pattern" in caplog.text


def test_an_extra_key_in_a_dict_article_is_dropped(pipeline: SchemaValidationPipeline) -> None:
    with pytest.raises(DropItem, match=r"data\.extra: is not allowed"):
        pipeline.process_item(article_dict(1, extra="kept", **VERSIONED))


def test_a_valid_removed_record_passes(pipeline: SchemaValidationPipeline) -> None:
    item = removed()
    assert pipeline.process_item(item) is item


def test_an_invalid_removed_record_is_counted_under_its_type(
    pipeline: SchemaValidationPipeline,
) -> None:
    with pytest.raises(DropItem, match=r"data\.status"):
        pipeline.process_item(removed(status=500))
    assert pipeline.stats.get_value("schema/invalid/removed") == 1


def test_a_valid_category_page_passes(pipeline: SchemaValidationPipeline) -> None:
    page = make_category_page(page=2, articles=(1, 2, 1))
    assert pipeline.process_item(page) is page


def test_a_category_page_with_a_bad_link_is_dropped(pipeline: SchemaValidationPipeline) -> None:
    page = make_category_page()
    page.articles.append("not a url")
    with pytest.raises(DropItem, match=r"data\.articles\[2\]"):
        pipeline.process_item(page)
    assert pipeline.stats.get_value("schema/invalid/category") == 1


def test_other_items_pass_untouched(pipeline: SchemaValidationPipeline) -> None:
    other = {"type": "essay", "title": 1}
    assert pipeline.process_item(other) is other
    assert pipeline.stats.get_stats() == {}


def test_the_setting_switches_it_off() -> None:
    with pytest.raises(NotConfigured):
        SchemaValidationPipeline.from_crawler(
            project_crawler(settings_dict={"SCHEMA_VALIDATION_ENABLED": False})
        )


def test_it_runs_after_versions_and_just_before_the_archive() -> None:
    order = sorted(ITEM_PIPELINES, key=lambda name: ITEM_PIPELINES[name])
    schema = order.index("crawler.pipelines.schema.SchemaValidationPipeline")
    assert order[schema - 1] == "crawler.pipelines.version.VersionPipeline"
    assert order[schema + 1] == "crawler.pipelines.archive.ArchivePipeline"
