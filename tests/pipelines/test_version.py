"""Versions against the crawl state: new, changed (which fields), unchanged, removed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from crawler.digests import content_hash
from crawler.items import Article, PageGone, Removed
from crawler.pipelines.dedup import DuplicateContent
from crawler.pipelines.version import Unchanged, VersionPipeline
from crawler.state.sqlite import SQLiteState
from tests.crawlers import project_crawler
from tests.factories import article_url, make_article

FETCHED = datetime(2025, 9, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def pipeline(crawl_state: SQLiteState) -> VersionPipeline:
    crawler = project_crawler()
    assert crawler.stats is not None
    return VersionPipeline(crawler.stats, crawl_state, clock=lambda: FETCHED)


def response(url: str, status: int = 200, etag: str = '"e1"') -> HtmlResponse:
    headers = {"ETag": etag, "Last-Modified": "Mon, 01 Sep 2025 12:00:00 GMT"}
    return HtmlResponse(url=url, status=status, headers=headers, body=b"<html></html>")


def archive(pipeline: VersionPipeline, item: Any, etag: str = '"e1"') -> Any:
    """Pass ``item`` through the pipeline and tell it the item was written, as Scrapy does."""
    item = pipeline.process_item(item)
    pipeline.item_scraped(item, response(item.url, etag=etag))
    return item


def test_a_new_article_is_version_1_with_its_hash_and_fetch_time(
    pipeline: VersionPipeline,
) -> None:
    article = archive(pipeline, make_article(1))
    record = article.to_record()
    assert (record["version"], record["fetched_at"]) == (1, "2025-09-01T12:00:00Z")
    assert record["content_hash"] == content_hash(record)
    assert "previous_hash" not in record and "changed_fields" not in record
    assert pipeline.stats.get_value("articles/new") == 1


def test_the_state_learns_the_version_and_the_validators(
    pipeline: VersionPipeline, crawl_state: SQLiteState
) -> None:
    archive(pipeline, make_article(1), etag='"abc"')
    known = crawl_state.article("/page.php?p=0000001")
    assert known is not None
    assert (known.version, known.etag, known.last_status) == (1, '"abc"', 200)
    assert known.last_modified == "Mon, 01 Sep 2025 12:00:00 GMT"


def test_the_same_content_again_is_dropped_as_unchanged(pipeline: VersionPipeline) -> None:
    archive(pipeline, make_article(1))
    with pytest.raises(Unchanged):
        pipeline.process_item(make_article(1))
    assert pipeline.stats.get_value("articles/unchanged") == 1


def test_changed_content_is_the_next_version_naming_its_changed_fields(
    pipeline: VersionPipeline,
) -> None:
    first = archive(pipeline, make_article(1))
    edited = make_article(1, summary="A new dek.")
    second = archive(pipeline, edited).to_record()
    assert second["version"] == 2
    assert second["previous_hash"] == first.content_hash
    assert second["changed_fields"] == ["summary"]
    assert pipeline.stats.get_value("articles/changed") == 1


def test_a_gone_archived_article_gives_one_removed_record(
    pipeline: VersionPipeline, crawl_state: SQLiteState
) -> None:
    archive(pipeline, make_article(1))
    removed = pipeline.process_item(PageGone(url=article_url(1), status=410))
    assert removed == Removed(
        url=article_url(1), id="0000001", status=410, last_seen="2025-09-01T12:00:00Z"
    )
    pipeline.item_scraped(removed, None)
    with pytest.raises(DropItem, match="already reported removed"):
        pipeline.process_item(PageGone(url=article_url(1), status=410))
    known = crawl_state.article("/page.php?p=0000001")
    assert known is not None and known.removed
    assert pipeline.stats.get_value("articles/removed") == 1
    assert pipeline.stats.get_value("gone/already_removed") == 1


def test_a_gone_page_never_archived_is_dropped_and_counted(pipeline: VersionPipeline) -> None:
    with pytest.raises(DropItem, match="never archived"):
        pipeline.process_item(PageGone(url=article_url(9), status=404))
    assert pipeline.stats.get_value("gone/not_archived") == 1


def test_a_removed_article_that_returns_is_a_new_version(pipeline: VersionPipeline) -> None:
    archive(pipeline, make_article(1))
    pipeline.item_scraped(pipeline.process_item(PageGone(url=article_url(1), status=404)), None)
    back = archive(pipeline, make_article(1)).to_record()
    assert back["version"] == 2 and back["changed_fields"] == []


def test_a_duplicate_copy_is_remembered_for_conditional_requests(
    pipeline: VersionPipeline, crawl_state: SQLiteState
) -> None:
    copy = make_article(2)
    pipeline.item_dropped(
        copy, response(copy.url, etag='"copy"'), DuplicateContent("dup", article_url(1))
    )
    known = crawl_state.article("/page.php?p=0000002")
    assert known is not None
    assert (known.version, known.duplicate_of, known.etag) == (0, article_url(1), '"copy"')


def test_without_a_state_every_article_is_new() -> None:
    crawler = project_crawler()
    assert crawler.stats is not None
    stateless = VersionPipeline(crawler.stats, None, clock=lambda: FETCHED)
    for _ in range(2):
        article: Article = stateless.process_item(make_article(1))
        assert article.version == 1
