"""Taking over a dead worker's part: its folder recovered and finished, the claims of articles
it never wrote released, its requests queued again; or, without its folder, what can be."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from crawler.archive.recover import completed_shards, run_records
from crawler.archive.runfolder import RunFolder
from crawler.archive.shards import encode_record
from crawler.archive.verify import verify
from crawler.digests import content_hash, content_key, url_key
from crawler.redis.state import RedisState
from crawler.redis.takeover import FolderSettings, resume_own, take_over
from crawler.redis.workers import FINISHED, LOST
from crawler.urls import path_key
from tests.factories import make_article, make_category_page

if TYPE_CHECKING:
    from redis import Redis

NOW = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)
SETTINGS = FolderSettings(shard_items=2, gzip=False)


def record(n: int) -> dict[str, Any]:
    fields = make_article(n).to_record()
    fields.update(version=1, content_hash=content_hash(fields), fetched_at="2025-08-06T09:00:00Z")
    return fields


def open_state(client: Redis, worker: str) -> RedisState:
    state = RedisState(client, "test", worker)
    state.heartbeat.acquire(5)
    state.begin_run("site", {"start_url": "https://articles.example/"}, NOW)
    return state


def claim(state: RedisState, n: int) -> None:
    fields = record(n)
    assert state.run_urls.claim(url_key(fields["url"]), fields["url"]) is None
    assert state.contents.claim(content_key(fields["title"], fields["body"]), fields["url"]) is None


def entry(url: str) -> Callable[[], tuple[str | None, bytes]]:
    return lambda: (path_key(url), url.encode())


def take(state: RedisState, *numbers: int) -> None:
    """Queue requests for articles ``numbers`` and take them into flight."""
    for n in numbers:
        url = str(record(n)["url"])
        state.frontier.add(url.encode(), 0, entry(url), force=False)
    for _ in numbers:
        assert state.frontier.pop() is not None


def dead_worker(client: Redis, folder: Path | None) -> RedisState:
    """Worker w2 died mid-run: one finished shard (articles 1 and 2), an open one holding
    article 3 and half of 4; it had claimed 1 to 5 and had articles 3 and 6 in flight."""
    dead = open_state(client, "w2")
    for n in range(1, 6):
        claim(dead, n)
    take(dead, 3, 6)
    run = dead.begin_run("site", {"start_url": "https://articles.example/"}, NOW)[0]
    if folder is not None:
        folder.mkdir(parents=True)
        (folder / "articles-00001.jsonl").write_bytes(
            encode_record(record(1)) + encode_record(record(2))
        )
        (folder / "articles-00002.jsonl.open").write_bytes(
            encode_record(record(3)) + encode_record(record(4))[:30]
        )
    run.run_dir = str(folder) if folder else "/elsewhere/site-20250806T090000Z-w2"
    run.counters = {"pages/failed/404": 1, "coverage/pages": 4, "coverage/field/title": 4}
    dead.save_run(run)
    dead.commit()
    dead.heartbeat._held = False
    client.delete(dead.keys.worker("w2"))  # its heartbeat expired
    return dead


@pytest.fixture
def live(redis_client: Redis) -> RedisState:
    return open_state(redis_client, "w1")


def test_a_dead_workers_folder_is_recovered_and_finished(
    live: RedisState, redis_client: Redis, tmp_path: Path
) -> None:
    folder = tmp_path / "site-20250806T090000Z-w2"
    dead_worker(redis_client, folder)
    [part] = live.workers.dead_parts(live.run_id or 0)

    assert take_over(live, part, NOW, SETTINGS)

    assert [path.name for path in completed_shards(folder)] == [
        "articles-00001.jsonl",
        "articles-00002.jsonl",
    ]
    assert [r["id"] for r in run_records(completed_shards(folder))] == [
        "0000001",
        "0000002",
        "0000003",
    ]
    assert verify(folder) == []
    manifest = json.loads((folder / "manifest.json").read_bytes())
    assert manifest["finish_reason"] == "worker_lost"
    assert manifest["counts"]["articles"]["new"] == 3
    assert manifest["counts"]["pages_failed"] == {"404": 1}
    assert manifest["coverage"]["pages"] == 4
    assert (folder / "categories.jsonl").read_bytes() == b""
    assert live.workers.part(part.run_id, "w2").status == LOST  # type: ignore[union-attr]


def test_a_dead_workers_articles_are_in_the_state_and_the_rest_free_again(
    live: RedisState, redis_client: Redis, tmp_path: Path
) -> None:
    dead_worker(redis_client, tmp_path / "w2")
    [part] = live.workers.dead_parts(live.run_id or 0)
    take_over(live, part, NOW, SETTINGS)

    assert live.article(path_key(record(3)["url"])) is not None  # from its open shard
    # Written: still claimed. Claimed and never written (4 torn, 5 not reached): free again.
    for n, written in [(1, True), (3, True), (4, False), (5, False)]:
        fields = record(n)
        first = live.run_urls.claim(url_key(fields["url"]), fields["url"] + "#again")
        assert (first is not None) is written, n
    # Of what it had in flight, the page it wrote is done; the other is queued again.
    queued = live.frontier.pop()
    assert queued is not None and queued.data == record(6)["url"].encode()
    assert live.frontier.pop() is None


def test_the_categories_go_with_the_worker_that_was_to_write_them(
    live: RedisState, redis_client: Redis, tmp_path: Path
) -> None:
    folder = tmp_path / "w2"
    dead = dead_worker(redis_client, folder)
    live.add_category_page(make_category_page())
    live.commit()
    assert dead.workers.claim_categories(dead.run_id or 0)
    [part] = live.workers.dead_parts(live.run_id or 0)
    take_over(live, part, NOW, SETTINGS)
    [category] = [
        json.loads(line) for line in (folder / "categories.jsonl").read_bytes().splitlines()
    ]
    assert category["name"] == "National cinemas"


def test_a_folder_out_of_sight_only_gets_its_requests_queued_again(
    live: RedisState, redis_client: Redis
) -> None:
    dead_worker(redis_client, None)
    [part] = live.workers.dead_parts(live.run_id or 0)
    assert take_over(live, part, NOW, SETTINGS)
    assert len(list(iter(live.frontier.pop, None))) == 2
    fields = record(4)
    assert live.run_urls.claim(url_key(fields["url"]), "x") == fields["url"]  # kept
    assert list(live.workers.orphans()) == ["/elsewhere/site-20250806T090000Z-w2"]
    assert live.workers.part(part.run_id, "w2").status == LOST  # type: ignore[union-attr]


def test_a_worker_killed_after_its_manifest_had_finished(
    live: RedisState, redis_client: Redis, tmp_path: Path
) -> None:
    folder = tmp_path / "w2"
    dead_worker(redis_client, folder)
    (folder / "articles-00002.jsonl.open").unlink()
    (folder / "manifest.json").write_text('{"coverage": {"pages": 2, "fields": {}}}')
    [part] = live.workers.dead_parts(live.run_id or 0)
    take_over(live, part, NOW, SETTINGS)
    assert live.workers.part(part.run_id, "w2").status == FINISHED  # type: ignore[union-attr]
    assert (folder / "manifest.json").read_text().startswith('{"coverage"')  # untouched


def test_one_taker_at_a_time(live: RedisState, redis_client: Redis, tmp_path: Path) -> None:
    dead_worker(redis_client, tmp_path / "w2")
    [part] = live.workers.dead_parts(live.run_id or 0)
    assert live.workers.lock_part(part.run_id, "w2", 60)
    assert not take_over(live, part, NOW, SETTINGS)


def test_a_restarted_worker_resumes_its_own_folder(redis_client: Redis, tmp_path: Path) -> None:
    folder = tmp_path / "w2"
    dead_worker(redis_client, folder)
    restarted = open_state(redis_client, "w2")  # the same id, a new process

    counts = resume_own(restarted, RunFolder.resume(folder), NOW, lambda: None)

    assert counts == {"new": 3}
    assert not list(folder.glob("*.open")) and not (folder / "manifest.json").exists()
    queued = restarted.frontier.pop()
    assert queued is not None and queued.data == record(6)["url"].encode()
    fields = record(5)
    assert restarted.run_urls.claim(url_key(fields["url"]), fields["url"]) is None  # released
