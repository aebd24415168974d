"""A Scrapy scheduler whose queue and seen set are the crawl state's frontier, on disk."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Container
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, Spider
from scrapy.core.scheduler import BaseScheduler
from scrapy.utils.request import request_from_dict

from crawler import urls
from crawler.extensions.state import crawl_state

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from scrapy.utils.request import RequestFingerprinterProtocol

    from crawler.state import Frontier


class _Everything:
    def __contains__(self, item: object) -> bool:
        return True


def requests_in_progress(crawler: Crawler) -> Container[Request]:
    """Requests the engine has taken and not yet finished with.

    A request leaves this set only after its response went through the spider and every
    item it gave through the pipelines, and every request it gave was scheduled: then, and
    not before, it is done for a resume. Scrapy sends no signal at that point, so this reads
    the engine's own bookkeeping; should that ever move, every request counts as in progress
    until the crawl closes, which only costs a resume some fetches again.
    """
    try:
        engine = crawler.engine
    except RuntimeError:  # no crawl running
        return _Everything()
    slot = getattr(engine, "_slot", None)
    in_progress = getattr(slot, "inprogress", None)
    return in_progress if isinstance(in_progress, set) else _Everything()


def _method_name(spider: Spider | None, method: object) -> object:
    """The spider attribute name of a callback that is one of its methods, else ``method``
    itself (Scrapy's ``to_dict`` then decides)."""
    name = getattr(method, "__name__", None)
    if (
        spider is not None
        and name is not None
        and getattr(method, "__self__", None) is spider
        and getattr(getattr(spider, name, None), "__func__", None)
        is getattr(method, "__func__", None)
    ):
        return name
    return method


def request_to_dict(request: Request, spider: Spider | None) -> dict[str, Any]:
    """``request.to_dict(spider=spider)``, without its search of every spider member for the
    callback's name (``inspect.getmembers``, some 30 us a request): a callback that is a
    method of the spider is named by its own ``__name__``, checked against the spider.

    Requests whose callbacks are anything else go through ``to_dict`` itself.
    """
    callback = _method_name(spider, request.callback)
    errback = _method_name(spider, request.errback)
    if (request.callback is not None and not isinstance(callback, str)) or (
        request.errback is not None and not isinstance(errback, str)
    ):
        return request.to_dict(spider=spider)
    data: dict[str, Any] = {
        "url": request.url,
        "callback": callback,
        "errback": errback,
        "headers": dict(request.headers),
    }
    for attribute in request.attributes:
        data.setdefault(attribute, getattr(request, attribute))
    if type(request) is not Request:
        data["_class"] = f"{type(request).__module__}.{type(request).__name__}"
    return data


def page_key(request: Request) -> str | None:
    """The page key of an article request (a recovered record closes every request for it),
    ``None`` for other pages."""
    return urls.path_key(request.url) if urls.page_kind(request.url) == "article" else None


class InFlight:
    """The requests a scheduler handed to the engine, each marked done in the frontier only
    once the engine has finished with it (``requests_in_progress``): a request whose page was
    fetched but whose items or links were still on their way is not done for a resume, or for
    another worker taking over a dead one's requests."""

    def __init__(self, frontier: Frontier, in_progress: Callable[[], Container[Request]]) -> None:
        self.frontier = frontier
        self.in_progress = in_progress
        self._requests: dict[Request, tuple[bytes, int]] = {}

    def add(self, request: Request, fingerprint: bytes, ticket: int) -> None:
        self._requests[request] = (fingerprint, ticket)

    def sweep(self, in_progress: Container[Request] | None = None) -> None:
        """Mark done the requests the engine has finished with (all of them with ``()``)."""
        busy = self.in_progress() if in_progress is None else in_progress
        finished = [request for request in self._requests if request not in busy]
        for request in finished:
            fingerprint, ticket = self._requests.pop(request)
            self.frontier.done(fingerprint, ticket)

    def __len__(self) -> int:
        return len(self._requests)


class StateScheduler(BaseScheduler):
    """Schedules on ``crawler.state.Frontier``: the queue (highest priority first, last in
    first out within a priority, as Scrapy's default queues) and the run's seen set are
    tables, so memory stays flat however large the site, and a killed crawl resumes with
    exactly the requests it had not finished. Requests are stored as Scrapy's
    ``Request.to_dict``, pickled (as Scrapy's own disk queues do). A request with
    ``dont_filter`` is queued again even if seen.

    Without a crawl state (``STATE_ENABLED = False``) the project's add-on sets Scrapy's
    default ``Scheduler`` instead (``crawler.addons``).

    Stats, as Scrapy's scheduler: ``scheduler/enqueued[/disk]``, ``scheduler/dequeued[/disk]``,
    ``dupefilter/filtered``.
    """

    def __init__(
        self,
        frontier: Frontier,
        fingerprinter: RequestFingerprinterProtocol,
        stats: StatsCollector,
        in_progress: Callable[[], Container[Request]],
    ) -> None:
        self.frontier = frontier
        self.fingerprinter = fingerprinter
        self.stats = stats
        self.spider: Spider | None = None
        #: Requests handed to the engine and not yet known to be finished.
        self.in_flight = InFlight(frontier, in_progress)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        state = crawl_state(crawler)
        if state is None:
            # crawler.addons.StateBackends sets Scrapy's own scheduler without a state.
            raise RuntimeError("StateScheduler needs the crawl state (STATE_ENABLED)")
        assert crawler.stats is not None and crawler.request_fingerprinter is not None
        return cls(
            state.frontier,
            crawler.request_fingerprinter,
            crawler.stats,
            lambda: requests_in_progress(crawler),
        )

    def open(self, spider: Spider) -> None:
        self.spider = spider

    def close(self, reason: str) -> None:
        # The engine has finished with every request by now.
        self.in_flight.sweep(())

    def has_pending_requests(self) -> bool:
        return self.frontier.pending() > 0

    def __len__(self) -> int:
        return self.frontier.pending()

    def enqueue_request(self, request: Request) -> bool:
        ticket = self.frontier.add(
            self.fingerprinter.fingerprint(request),
            request.priority,
            lambda: self._entry(request),
            force=request.dont_filter,
        )
        if ticket is None:
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.stats.inc_value("scheduler/enqueued/disk")
        self.stats.inc_value("scheduler/enqueued")
        return True

    def _entry(self, request: Request) -> tuple[str | None, bytes]:
        data = request_to_dict(request, self.spider)
        return page_key(request), pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)

    def next_request(self) -> Request | None:
        self.in_flight.sweep()
        queued = self.frontier.pop()
        if queued is None:
            return None
        request = request_from_dict(pickle.loads(queued.data), spider=self.spider)
        self.in_flight.add(request, queued.fingerprint, queued.ticket)
        self.stats.inc_value("scheduler/dequeued/disk")
        self.stats.inc_value("scheduler/dequeued")
        return request
