"""A killed run's archive entered into the state: what the state lacked is added, once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.archive.warc import WarcWriter
from crawler.digests import content_hash, content_key, url_key
from crawler.state.reconcile import reconcile
from crawler.state.sqlite import SQLiteState
from tests.archive.test_warc import capture
from tests.factories import make_article

NOW = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[SQLiteState]:
    opened = SQLiteState(tmp_path)
    opened.begin_run("site", {}, NOW)
    yield opened
    opened.close()


def record(n: int, version: int = 1, **overrides: Any) -> dict[str, Any]:
    fields = make_article(n, **overrides).to_record()
    fields.update(version=version, content_hash=content_hash(fields), fetched_at=f"2025-08-0{n}")
    return fields


def test_records_the_state_lacks_are_entered_with_their_versions(state: SQLiteState) -> None:
    counts = reconcile(state, [record(1), record(2, version=3, title="Edited.")], NOW)

    assert counts == {"new": 1, "changed": 1}
    first = state.article("/page.php?p=0000001")
    second = state.article("/page.php?p=0000002")
    assert first is not None and second is not None
    assert (first.version, first.content_hash, first.last_seen) == (
        1,
        record(1)["content_hash"],
        "2025-08-01",
    )
    assert second.version == 3 and second.field_hashes
    assert second.etag is None  # validators of an older version would only cost a refetch


def test_their_pages_are_done_and_their_claims_made(state: SQLiteState) -> None:
    state.frontier.add(b"fp", 0, lambda: ("/page.php?p=0000001", b"r"), force=False)
    reconcile(state, [record(1)], NOW)

    assert state.frontier.pending() == 0
    url = record(1)["url"]
    assert state.run_urls.claim(url_key(url), url) == url
    article = make_article(1)
    assert article.title is not None
    assert state.contents.claim(content_key(article.title, article.body), "other") == url


def test_a_removed_record_marks_the_article_removed(state: SQLiteState) -> None:
    reconcile(state, [record(1)], NOW)
    gone = {"type": "removed", "url": record(1)["url"], "id": "0000001", "status": 410}
    counts = reconcile(state, [gone], NOW)

    known = state.article("/page.php?p=0000001")
    assert counts == {"removed": 1}
    assert known is not None and known.removed and known.last_status == 410


def test_entering_the_same_records_twice_changes_nothing(state: SQLiteState) -> None:
    reconcile(state, [record(1)], NOW)
    before = state.article("/page.php?p=0000001")
    reconcile(state, [record(1)], NOW)
    assert state.article("/page.php?p=0000001") == before


def test_a_record_with_a_capture_gets_the_validators_its_page_answered_with(
    state: SQLiteState, tmp_path: Path
) -> None:
    # A record recovered after a kill: the state never saw its page, the WARC file did.
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    writer = WarcWriter(run_dir, max_bytes=1 << 20, operator="mailto:a@example.org")
    page = capture(1)
    page = replace(
        page, headers=[*page.headers, ("Last-Modified", "Wed, 06 Aug 2025 09:00:00 GMT")]
    )
    pointer = writer.write(page)
    writer.close()
    damaged = {**pointer.to_dict(), "record_id": "<urn:uuid:00000000-0000-0000-0000-000000000000>"}

    reconcile(
        state,
        [record(1, warc=pointer.to_dict()), record(2, warc=damaged), record(3)],
        NOW,
        run_dir,
    )

    first, second, third = (state.article(f"/page.php?p=000000{n}") for n in (1, 2, 3))
    assert first is not None and second is not None and third is not None
    assert (first.etag, first.last_modified) == ('"1"', "Wed, 06 Aug 2025 09:00:00 GMT")
    assert (second.etag, second.last_modified) == (None, None)  # unreadable: asked in full
    assert (third.etag, third.last_modified) == (None, None)
