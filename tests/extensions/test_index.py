"""The end-of-run update of the search index: what it applies, when it stays out, and that a
failure is counted, not raised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured

from crawler.archive import index as index_module
from crawler.archive.index import index_path, index_state
from crawler.extensions.index import SearchIndexExtension
from crawler.stats import (
    INDEX_ARTICLES_KEY,
    INDEX_FAILED_KEY,
    INDEX_RUNS_APPLIED_KEY,
    RUN_DIR_KEY,
)
from tests.archive.reader_runs import article, write_run
from tests.crawlers import project_crawler

ARCHIVE_PIPELINE = {"crawler.pipelines.archive.ArchivePipeline": 900}


def extension(archive: Path, **settings: Any) -> SearchIndexExtension:
    crawler = project_crawler(
        settings_dict={
            "SEARCH_INDEX_ENABLED": True,
            "ARCHIVE_DIR": str(archive),
            "ITEM_PIPELINES": ARCHIVE_PIPELINE,
            **settings,
        }
    )
    return SearchIndexExtension.from_crawler(crawler)


def test_a_finished_run_and_any_run_missed_before_are_applied(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_run(archive, "site-20261121T030000Z", [article(1), article(2)])  # never indexed
    run = write_run(archive, "site-20261122T030000Z", [article(1, 2)])
    ext = extension(archive)
    ext.stats.set_value(RUN_DIR_KEY, str(run))

    ext.engine_stopped()

    assert ext.stats.get_value(INDEX_RUNS_APPLIED_KEY) == 2
    assert ext.stats.get_value(INDEX_ARTICLES_KEY) == 2
    assert index_state(archive).missing == ()


def test_a_build_at_the_end_of_a_crawl_keeps_to_its_memory_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    run = write_run(archive, "site-20261121T030000Z", [article(1), article(2)])
    budgets: list[int] = []
    build = index_module._build

    def spy(*args: Any, memory: int, **kwargs: Any) -> Any:
        budgets.append(memory)
        return build(*args, memory=memory, **kwargs)

    monkeypatch.setattr(index_module, "_build", spy)
    ext = extension(archive, SEARCH_INDEX_BUILD_MEMORY=2 << 20)
    ext.stats.set_value(RUN_DIR_KEY, str(run))

    ext.engine_stopped()

    assert budgets == [2 << 20]
    assert ext.stats.get_value(INDEX_ARTICLES_KEY) == 2


def test_a_run_without_its_manifest_changes_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    run = write_run(archive, "site-20261121T030000Z", [article(1)], finished=False)
    ext = extension(archive)
    ext.stats.set_value(RUN_DIR_KEY, str(run))

    ext.engine_stopped()

    assert not index_path(archive).exists()
    assert ext.stats.get_value(INDEX_RUNS_APPLIED_KEY) is None


def test_a_failed_update_is_counted_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    archive = tmp_path / "archive"
    run = write_run(archive, "site-20261121T030000Z", [article(1)])
    index_path(archive).write_text("not a database")
    ext = extension(archive)
    ext.stats.set_value(RUN_DIR_KEY, str(run))

    ext.engine_stopped()

    assert "not a SQLite file" in ext.stats.get_value(INDEX_FAILED_KEY)
    assert "Search index of" in caplog.text


@pytest.mark.parametrize(
    "settings",
    [{"SEARCH_INDEX_ENABLED": False}, {"ITEM_PIPELINES": {}}],
    ids=["disabled", "no-archive"],
)
def test_it_is_off_when_disabled_or_without_an_archive(
    tmp_path: Path, settings: dict[str, Any]
) -> None:
    with pytest.raises(NotConfigured):
        extension(tmp_path, **settings)
