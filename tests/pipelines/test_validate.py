from __future__ import annotations

import logging

import pytest
from scrapy.exceptions import DropItem

from crawler.coverage import Coverage
from crawler.pipelines.validate import ValidatePipeline
from tests.crawlers import project_crawler
from tests.factories import article_dict, make_article, make_category_page

REQUIRED = ("url", "id", "title", "published", "category", "body")


@pytest.fixture
def pipeline() -> ValidatePipeline:
    return ValidatePipeline.from_crawler(project_crawler())


def test_valid_article_passes(pipeline: ValidatePipeline) -> None:
    article = make_article()
    assert pipeline.process_item(article) is article
    assert not any(key.startswith("validate/") for key in pipeline.stats.get_stats())


def test_every_article_page_counts_for_field_coverage(pipeline: ValidatePipeline) -> None:
    pipeline.process_item(make_article(1))
    pipeline.process_item(make_article(2, summary=None, related=[]))
    with pytest.raises(DropItem):
        pipeline.process_item(make_article(3, title=None))
    pipeline.process_item(make_category_page())

    coverage = Coverage.from_stats(pipeline.stats.get_stats())
    assert coverage.pages == 3
    assert coverage.fields["title"] == round(2 / 3, 4)
    assert coverage.fields["summary"] == round(2 / 3, 4)
    assert coverage.fields["related"] == round(2 / 3, 4)
    assert coverage.fields["body"] == 1.0


@pytest.mark.parametrize("field", REQUIRED)
def test_each_missing_field_is_dropped_under_its_own_key(
    pipeline: ValidatePipeline, field: str
) -> None:
    with pytest.raises(DropItem, match=f"missing_{field}"):
        pipeline.process_item(make_article(**{field: None if field != "body" else ""}))
    assert pipeline.stats.get_value(f"validate/dropped/missing_{field}") == 1


@pytest.mark.parametrize("field", ["summary", "blocks", "related"])
def test_dict_without_a_contract_key_is_dropped(pipeline: ValidatePipeline, field: str) -> None:
    record = article_dict()
    del record[field]
    with pytest.raises(DropItem):
        pipeline.process_item(record)
    assert pipeline.stats.get_value(f"validate/dropped/missing_{field}") == 1


def test_valid_dict_article_passes(pipeline: ValidatePipeline) -> None:
    record = article_dict()
    assert pipeline.process_item(record) is record


def test_other_item_types_pass_through(pipeline: ValidatePipeline) -> None:
    page = make_category_page()
    other = {"type": "category", "name": "x"}
    assert pipeline.process_item(page) is page
    assert pipeline.process_item(other) is other


def test_drop_is_logged_once_per_url(
    pipeline: ValidatePipeline, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="crawler.pipelines.validate")
    for _ in range(2):
        with pytest.raises(DropItem):
            pipeline.process_item(make_article(1, title=None))
    with pytest.raises(DropItem):
        pipeline.process_item(make_article(2, title=None))

    warnings = [r for r in caplog.records if r.name == "crawler.pipelines.validate"]
    assert [(r.levelno, r.getMessage()) for r in warnings] == [
        (
            logging.WARNING,
            "Dropped invalid article https://articles.example/page.php?p=0000001: missing_title",
        ),
        (
            logging.WARNING,
            "Dropped invalid article https://articles.example/page.php?p=0000002: missing_title",
        ),
    ]
    assert pipeline.stats.get_value("validate/dropped/missing_title") == 3


def test_scrapy_drop_message_is_kept_at_debug(pipeline: ValidatePipeline) -> None:
    with pytest.raises(DropItem) as raised:
        pipeline.process_item(make_article(published="August 6"))
    assert raised.value.log_level == "DEBUG"
    assert pipeline.stats.get_value("validate/dropped/bad_published") == 1
