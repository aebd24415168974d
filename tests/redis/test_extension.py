"""A worker's state extension: joining a run, resuming its own part, taking over dead
workers' parts, keeping the spider open until the run's work is complete."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Spider
from scrapy.exceptions import DontCloseSpider

from crawler.archive.runfolder import RunFolder
from crawler.archive.shards import encode_record
from crawler.archive.verify import verify
from crawler.coverage import Coverage
from crawler.digests import content_hash
from crawler.redis.extension import WorkerStateExtension
from crawler.redis.state import RedisState
from crawler.redis.takeover import FolderSettings
from crawler.state.lock import StateBusy
from crawler.urls import path_key
from tests.crawlers import project_crawler
from tests.factories import article_url, make_article

if TYPE_CHECKING:
    from redis import Redis

STARTED = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)
LATER = datetime(2025, 8, 6, 10, 0, tzinfo=UTC)


class SiteSpider(Spider):
    name = "site"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arguments = dict(kwargs)


SPIDER = SiteSpider(start_url="https://a/")


def record(n: int) -> bytes:
    fields = make_article(n).to_record()
    fields.update(version=1, content_hash=content_hash(fields), fetched_at="2025-08-06T09:00Z")
    return encode_record(fields)


def worker(client: Redis, name: str, start_url: str = "https://a/") -> WorkerStateExtension:
    crawler = project_crawler(SiteSpider)
    assert crawler.stats is not None
    state = RedisState(client, "test", name)
    state.heartbeat.acquire(0.5)
    return WorkerStateExtension(
        crawler.stats,
        state,
        commit_interval=1.0,
        heartbeat_interval=0.1,
        worker_timeout=0.5,
        folder_settings=FolderSettings(10, False),
        clock=lambda: LATER,
    ).open(SiteSpider(start_url=start_url))


def kill(extension: WorkerStateExtension, client: Redis) -> None:
    extension.state.pipeline.reset()
    extension.state.heartbeat._held = False
    client.delete(extension.state.keys.worker(extension.state.worker))


def killed_with_a_folder(client: Redis, tmp_path: Path, name: str = "w2") -> Path:
    """Worker ``name`` began a run, wrote a shard and half of another, and was killed with
    article 9 in flight; returns its folder."""
    dead = worker(client, name)
    run_dir = RunFolder.create(
        tmp_path / "archive", dead.folder_name("site", dead.run.started_at)
    ).path
    dead.set_run_dir(run_dir)
    (run_dir / "articles-00001.jsonl").write_bytes(record(1) + record(2))
    (run_dir / "articles-00002.jsonl.open").write_bytes(record(3) + record(4)[:20])
    url = article_url(9)
    dead.state.frontier.add(b"9", 0, lambda: (path_key(url), url.encode()), force=False)
    assert dead.state.frontier.pop() is not None
    kill(dead, client)
    return run_dir


def test_the_first_worker_begins_a_run_and_the_next_joins_it(redis_client: Redis) -> None:
    first = worker(redis_client, "w1")
    second = worker(redis_client, "w2")
    assert first.run.id == second.run.id
    assert not first.run.resumed and not second.run.resumed
    assert second.stats.get_value("state/resumed") is None


def test_a_worker_folder_is_named_after_the_run_and_the_worker(
    redis_client: Redis, tmp_path: Path
) -> None:
    first = worker(redis_client, "w1")
    assert first.folder_name("site", first.run.started_at) == "site-20250806T100000Z-w1"


def test_a_restarted_worker_resumes_its_own_part(redis_client: Redis, tmp_path: Path) -> None:
    run_dir = killed_with_a_folder(redis_client, tmp_path)
    restarted = worker(redis_client, "w2")
    assert restarted.run.resumes == [LATER] and restarted.run.run_dir == str(run_dir)
    # What the archive pipeline does with the resumed run's folder.
    folder = RunFolder.resume(run_dir)
    restarted.adopt(folder, own=True)
    assert [shard.records for shard in folder.existing_shards] == [2, 1]
    assert restarted.stats.get_value("state/recovered_records") == 3
    assert restarted.run.counters["articles/new"] == 3
    queued = restarted.state.frontier.pop()  # what it had in flight
    assert queued is not None and queued.data == article_url(9).encode()


def test_a_joining_worker_takes_over_a_dead_workers_part(
    redis_client: Redis, tmp_path: Path
) -> None:
    run_dir = killed_with_a_folder(redis_client, tmp_path)
    joining = worker(redis_client, "w1")
    assert joining.stats.get_value("workers/taken_over") == 1
    assert not joining.run.resumed
    assert verify(run_dir) == []
    assert json.loads((run_dir / "manifest.json").read_bytes())["counts"]["articles"]["new"] == 3
    queued = joining.state.frontier.pop()
    assert queued is not None and queued.data == article_url(9).encode()


def test_the_spider_stays_open_while_another_worker_has_work(redis_client: Redis) -> None:
    first = worker(redis_client, "w1")
    second = worker(redis_client, "w2")
    second.state.workers.started(second.run.id)
    second.state.frontier.add(b"a", 0, lambda: (None, b"a"), force=False)
    with pytest.raises(DontCloseSpider):
        first.spider_idle(SPIDER)
    taken = second.state.frontier.pop()
    assert taken is not None
    with pytest.raises(DontCloseSpider):
        first.spider_idle(SPIDER)
    second.state.frontier.done(taken.fingerprint, taken.ticket)
    second.state.commit()
    first.spider_idle(SPIDER)  # done: it may close
    assert first.state.workers.run_status(first.run.id) == "done"


def test_an_idle_worker_takes_over_a_dead_one_and_stays_open(
    redis_client: Redis, tmp_path: Path
) -> None:
    first = worker(redis_client, "w1")
    run_dir = killed_with_a_folder(redis_client, tmp_path)
    with pytest.raises(DontCloseSpider):
        first.spider_idle(SPIDER)
    assert first.stats.get_value("workers/taken_over") == 1
    assert (run_dir / "manifest.json").exists()
    assert first.state.frontier.pending() == 1  # the dead worker's request, to fetch


def test_the_run_finishes_when_every_worker_wrote_its_manifest(redis_client: Redis) -> None:
    first = worker(redis_client, "w1")
    second = worker(redis_client, "w2")
    for each in (first, second):
        each.state.workers.started(each.run.id)
    assert first.state.workers.check_done(first.run.id) == ("done", None)
    first.finish_run(Coverage(0, {}))
    assert first.state.workers.run_status(first.run.id) == "done"
    second.finish_run(Coverage(0, {}))
    assert first.state.workers.run_status(first.run.id) == "finished"
    assert worker(redis_client, "w3").run.id != first.run.id  # the next crawl is a new run


def test_a_worker_taken_for_dead_stops(redis_client: Redis) -> None:
    first = worker(redis_client, "w1")
    reasons: list[str] = []
    first.close_spider = reasons.append
    redis_client.delete(first.state.keys.worker("w1"))  # its heartbeat expired
    taker = RedisState(redis_client, "test", "w2")
    assert taker.workers.lock_part(first.run.id, "w1", 60)  # another worker takes it over
    first.heartbeat()
    assert first.lost and reasons == ["worker_lost"]


def test_a_worker_whose_heartbeat_expired_and_no_one_took_over_goes_on(
    redis_client: Redis,
) -> None:
    first = worker(redis_client, "w1")
    reasons: list[str] = []
    first.close_spider = reasons.append
    redis_client.delete(first.state.keys.worker("w1"))  # Redis was away past its timeout
    first.heartbeat()
    assert not first.lost and reasons == []
    assert redis_client.exists(first.state.keys.worker("w1"))
    taker = RedisState(redis_client, "test", "w2")
    assert not taker.workers.lock_part(first.run.id, "w1", 60)  # alive again


def test_a_crawl_of_other_arguments_is_refused_while_a_worker_lives(redis_client: Redis) -> None:
    worker(redis_client, "w1")
    with pytest.raises(StateBusy):
        worker(redis_client, "w2", start_url="https://b/")


def test_a_run_of_other_arguments_is_given_up_once_its_workers_died(
    redis_client: Redis, tmp_path: Path
) -> None:
    run_dir = killed_with_a_folder(redis_client, tmp_path)
    old = json.loads(redis_client.get("test:current") or b"0")
    fresh = worker(redis_client, "w1", start_url="https://b/")
    assert fresh.run.id != old and not fresh.run.resumed
    assert verify(run_dir) == [] and (run_dir / "manifest.json").exists()
    assert redis_client.hget(f"test:run:{old}", "status") == b"given_up"
    assert not redis_client.exists(f"test:run:{old}:queue", f"test:run:{old}:urls")
