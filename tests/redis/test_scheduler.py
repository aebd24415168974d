"""scrapy-redis's scheduler on the shared frontier: order, duplicates across workers, requests
done only once handled, a dead worker's requests taken by another, nothing flushed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.fingerprint import CanonicalRequestFingerprinter
from crawler.redis import dupefilter, queue
from crawler.redis.scheduler import RedisScheduler
from crawler.redis.state import RedisState
from tests.crawlers import project_crawler

if TYPE_CHECKING:
    from redis import Redis

NOW = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)


class Quiet(Spider):
    name = "quiet"

    def parse(self, response: object) -> None:
        return None


class Waker:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1

    def cancel(self) -> None:
        pass


class Worker:
    """One worker: its state, its scheduler, the requests its 'engine' holds in progress."""

    def __init__(self, client: Redis, name: str) -> None:
        self.state = RedisState(client, "test", name)
        self.state.heartbeat.acquire(5)
        self.state.begin_run("site", {}, NOW)
        crawler = project_crawler(
            Quiet, {"REQUEST_FINGERPRINTER_CLASS": CanonicalRequestFingerprinter}
        )
        assert crawler.stats is not None
        self.in_progress: set[Request] = set()
        self.waker = Waker()
        self.scheduler = RedisScheduler(
            client,
            queue_key=self.state.frontier.keys.queue,
            dupefilter_key=self.state.frontier.keys.seen,
            stats=crawler.stats,
            in_progress=lambda: self.in_progress,
            wake=self.waker,
        )
        self.spider = Quiet.from_crawler(crawler)
        # The queue and dupefilter find the run's frontier through the crawler's state
        # extension, which these tests do without.
        states[self.spider] = self.state
        self.scheduler.open(self.spider)

    def fetch(self) -> Request | None:
        """The engine takes a request and keeps it in progress."""
        request = self.scheduler.next_request()
        if request is not None:
            self.in_progress.add(request)
        return request

    def finish(self, request: Request) -> None:
        self.in_progress.discard(request)
        self.scheduler.next_request()  # sweeps
        self.state.commit()


states: dict[Spider, RedisState] = {}


@pytest.fixture(autouse=True)
def state_of_spider(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def lookup(crawler: object) -> RedisState | None:
        return next((s for spider, s in states.items() if spider.crawler is crawler), None)

    monkeypatch.setattr(queue, "crawl_state", lookup)
    monkeypatch.setattr(dupefilter, "crawl_state", lookup)
    yield
    states.clear()


@pytest.fixture
def worker(redis_client: Redis) -> Worker:
    return Worker(redis_client, "w1")


def test_requests_come_back_by_priority_with_their_callbacks(worker: Worker) -> None:
    spider = worker.spider
    worker.scheduler.enqueue_request(Request("https://a.example/1", callback=spider.parse))
    worker.scheduler.enqueue_request(Request("https://a.example/2", priority=5, meta={"depth": 2}))
    first, second = worker.fetch(), worker.fetch()
    assert first is not None and second is not None
    assert (first.url, first.meta["depth"]) == ("https://a.example/2", 2)
    assert (second.url, second.callback) == ("https://a.example/1", spider.parse)
    assert worker.fetch() is None and not worker.scheduler.has_pending_requests()


def test_a_duplicate_is_refused_however_it_is_linked(worker: Worker) -> None:
    scheduler = worker.scheduler
    assert scheduler.enqueue_request(Request("https://a.example/page.php?p=1"))
    assert not scheduler.enqueue_request(Request("https://a.example/page.php?p=1&utm_source=x"))
    assert scheduler.stats.get_value("dupefilter/filtered") == 1
    assert len(scheduler) == 1


def test_a_request_another_worker_queued_is_refused(worker: Worker, redis_client: Redis) -> None:
    other = Worker(redis_client, "w2")
    assert other.scheduler.enqueue_request(Request("https://a.example/page.php?p=1"))
    assert not worker.scheduler.enqueue_request(Request("https://a.example/page.php?p=1#top"))
    assert worker.scheduler.stats.get_value("dupefilter/filtered") == 1


def test_dont_filter_queues_a_known_request_again(worker: Worker) -> None:
    worker.scheduler.enqueue_request(Request("https://a.example/1"))
    first = worker.fetch()
    assert first is not None and first.url == "https://a.example/1"
    assert worker.scheduler.enqueue_request(Request("https://a.example/1", dont_filter=True))
    again = worker.fetch()
    assert again is not None and again.url == "https://a.example/1" and again.dont_filter


def test_each_request_goes_to_one_worker(worker: Worker, redis_client: Redis) -> None:
    other = Worker(redis_client, "w2")
    for n in range(10):
        worker.scheduler.enqueue_request(Request(f"https://a.example/{n}"))
    urls = []
    for _ in range(6):
        for each in (worker, other):
            if (request := each.fetch()) is not None:
                urls.append(request.url)
    assert sorted(urls) == sorted(f"https://a.example/{n}" for n in range(10))
    assert worker.state.frontier.in_flight() == other.state.frontier.in_flight() == 5


def test_only_requests_the_engine_finished_are_done(worker: Worker, redis_client: Redis) -> None:
    for n in (1, 2):
        worker.scheduler.enqueue_request(Request(f"https://a.example/{n}"))
    first, second = worker.fetch(), worker.fetch()
    assert first is not None and second is not None
    worker.finish(first)
    assert worker.state.frontier.in_flight() == 1

    # The worker dies; another one queues what it had in flight, and gets it.
    other = Worker(redis_client, "w2")
    assert other.state.frontier.requeue("w1") == 1
    again = other.fetch()
    assert again is not None and again.url == second.url


def test_an_empty_queue_wakes_the_engine_later(worker: Worker) -> None:
    assert worker.fetch() is None
    assert worker.waker.calls == 1


def test_closing_marks_everything_done_and_flushes_nothing(
    worker: Worker, redis_client: Redis
) -> None:
    worker.scheduler.enqueue_request(Request("https://a.example/1"))
    worker.scheduler.enqueue_request(Request("https://a.example/2"))
    request = worker.fetch()
    assert request is not None
    worker.scheduler.close("finished")
    worker.state.commit()
    assert worker.state.frontier.in_flight() == 0
    assert len(worker.scheduler) == 1  # what is queued stays, for the other workers
    assert worker.state.frontier.known(worker.scheduler.df.fingerprinter.fingerprint(request))


def test_fingerprints_are_the_crawlers(worker: Worker) -> None:
    request = Request("https://a.example/page.php?p=1&utm_source=x")
    expected = CanonicalRequestFingerprinter().fingerprint(request).hex()
    assert worker.scheduler.df.request_fingerprint(request) == expected


def test_scrapy_redis_own_dupefilter_deletes_the_shared_seen_set_on_close(
    redis_client: Redis,
) -> None:
    # What made two workers fetch every page: the first to close emptied the seen set.
    stock = RFPDupeFilter(redis_client, "test:seen")
    assert not stock.request_seen(Request("https://a.example/1"))
    stock.close("finished")
    assert not stock.request_seen(Request("https://a.example/1"))  # seen again as new
