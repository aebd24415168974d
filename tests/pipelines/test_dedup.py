from __future__ import annotations

import logging

import pytest
from scrapy.exceptions import DropItem

from crawler.digests import content_key
from crawler.pipelines.dedup import DedupPipeline, MemorySeenSet
from tests.crawlers import project_crawler
from tests.factories import article_dict, article_url, make_article, make_category_page


@pytest.fixture
def pipeline() -> DedupPipeline:
    return DedupPipeline.from_crawler(project_crawler())


def test_repeated_url_is_dropped(pipeline: DedupPipeline) -> None:
    pipeline.process_item(make_article(1))
    with pytest.raises(DropItem, match="duplicate URL"):
        pipeline.process_item(make_article(1, title="Revised title."))
    assert pipeline.stats.get_value("dedup/duplicate_url") == 1
    assert pipeline.stats.get_value("dedup/duplicate_content") is None


def test_same_content_under_another_url_is_dropped_and_logged(
    pipeline: DedupPipeline, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="crawler.pipelines.dedup")
    first = make_article(1)
    republished = make_article(
        9, title=first.title, body=first.body, blocks=first.blocks, summary="Other dek."
    )
    pipeline.process_item(first)
    with pytest.raises(DropItem, match="duplicate content"):
        pipeline.process_item(republished)

    assert pipeline.stats.get_value("dedup/duplicate_content") == 1
    [record] = [r for r in caplog.records if r.name == "crawler.pipelines.dedup"]
    assert record.levelno == logging.INFO
    assert article_url(9) in record.getMessage()
    assert article_url(1) in record.getMessage()


def test_different_content_is_kept(pipeline: DedupPipeline) -> None:
    items = [make_article(1), make_article(2), make_article(3, title="Essay 1.")]
    assert [pipeline.process_item(item) for item in items] == items
    assert pipeline.stats.get_stats() == {}


def test_dict_articles_are_deduplicated(pipeline: DedupPipeline) -> None:
    pipeline.process_item(article_dict(1))
    with pytest.raises(DropItem):
        pipeline.process_item(article_dict(1))
    assert pipeline.stats.get_value("dedup/duplicate_url") == 1


def test_other_item_types_pass_through(pipeline: DedupPipeline) -> None:
    page = make_category_page()
    assert pipeline.process_item(page) is page
    assert pipeline.process_item(page) is page


def test_seen_set_returns_the_first_claimant() -> None:
    seen = MemorySeenSet()
    key = content_key("Title", "Body")
    assert seen.claim(key, article_url(1)) is None
    assert seen.claim(key, article_url(2)) == article_url(1)
    assert seen.claim(key, article_url(1)) == article_url(1)
    assert len(seen) == 1


def test_content_key_separates_title_from_body() -> None:
    assert content_key("ab", "c") != content_key("a", "bc")
    assert len(content_key("a", "b")) == 32
