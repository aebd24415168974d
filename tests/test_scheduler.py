"""The scheduler on the crawl state's frontier: order, duplicates, retries, resume."""

from __future__ import annotations

from scrapy import Request, Spider

from crawler.fingerprint import CanonicalRequestFingerprinter
from crawler.scheduler import StateScheduler
from crawler.state.sqlite import SQLiteState
from tests.crawlers import project_crawler


class Quiet(Spider):
    name = "quiet"

    def parse(self, response: object) -> None:
        return None


def make_scheduler(state: SQLiteState) -> tuple[StateScheduler, set[Request]]:
    """A scheduler whose 'engine' holds the requests in the returned set while in progress."""
    crawler = project_crawler(Quiet)
    assert crawler.stats is not None
    in_progress: set[Request] = set()
    scheduler = StateScheduler(
        state.frontier, CanonicalRequestFingerprinter(crawler), crawler.stats, lambda: in_progress
    )
    scheduler.open(Quiet())
    return scheduler, in_progress


def test_requests_come_back_by_priority_with_their_callbacks(crawl_state: SQLiteState) -> None:
    scheduler, _ = make_scheduler(crawl_state)
    spider = scheduler.spider
    assert spider is not None
    scheduler.enqueue_request(Request("https://a.example/1", callback=spider.parse))
    scheduler.enqueue_request(Request("https://a.example/2", priority=5, meta={"depth": 2}))
    first = scheduler.next_request()
    second = scheduler.next_request()
    assert first is not None and second is not None
    assert (first.url, first.meta["depth"]) == ("https://a.example/2", 2)
    assert (second.url, second.callback) == ("https://a.example/1", spider.parse)
    assert scheduler.next_request() is None and not scheduler.has_pending_requests()


def test_a_duplicate_is_refused_however_it_is_linked(crawl_state: SQLiteState) -> None:
    scheduler, _ = make_scheduler(crawl_state)
    assert scheduler.enqueue_request(Request("https://a.example/page.php?p=1"))
    assert not scheduler.enqueue_request(Request("https://a.example/page.php?p=1&utm_source=x"))
    assert scheduler.stats.get_value("dupefilter/filtered") == 1
    assert len(scheduler) == 1


def test_dont_filter_queues_a_known_request_again(crawl_state: SQLiteState) -> None:
    scheduler, _ = make_scheduler(crawl_state)
    scheduler.enqueue_request(Request("https://a.example/1"))
    assert scheduler.next_request() is not None
    assert scheduler.enqueue_request(Request("https://a.example/1", dont_filter=True))
    assert scheduler.next_request() is not None


def test_only_requests_the_engine_finished_are_done(crawl_state: SQLiteState) -> None:
    scheduler, in_progress = make_scheduler(crawl_state)
    for n in (1, 2):
        scheduler.enqueue_request(Request(f"https://a.example/{n}"))
    first = scheduler.next_request()
    second = scheduler.next_request()
    assert first is not None and second is not None
    in_progress.update({first, second})
    in_progress.discard(first)  # the engine finished with the first only
    scheduler.next_request()  # sweeps

    assert crawl_state.frontier.requeue_in_flight() == 1  # what a resume would put back
    again = crawl_state.frontier.pop()
    assert again is not None and second.url.encode() in again.data


def test_closing_marks_everything_done(crawl_state: SQLiteState) -> None:
    scheduler, in_progress = make_scheduler(crawl_state)
    scheduler.enqueue_request(Request("https://a.example/1"))
    request = scheduler.next_request()
    assert request is not None
    in_progress.add(request)
    scheduler.close("finished")
    assert crawl_state.frontier.requeue_in_flight() == 0
