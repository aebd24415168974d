"""A worker's calls to Redis through an outage: retried with backoff for at most
``REDIS_OUTAGE_TIMEOUT`` seconds, then the worker gives up.

Everything a worker sends to Redis goes through one redis-py client (``redis_client`` in
``crawler.redis.connection``): the state and its claims, indexes and sitemaps, the heartbeat,
the workers' bookkeeping, the frontier under scrapy-redis's scheduler, queue and dupefilter.
Every attempt that client's connections make (a command, a pipeline, connecting) goes through
its ``Retry`` policy, redis-py's ``retry`` parameter; ``OutageRetry`` is that policy, so the
retry lives here and nowhere else. What it does that redis-py's ``Retry`` does not:

- **Bounded by time, not by a count of attempts**: the attempts of a call back off (doubling
  from ``BACKOFF_BASE`` up to ``BACKOFF_CAP`` seconds) until Redis answers or the call has been
  failing for ``timeout`` seconds; then ``give_up`` is told why (the worker stops: a worker
  that cannot reach the state cannot record anything).
- **One line when the outage starts and one when it ends**, instead of a traceback per call:
  a connection dropped once and made again at the first retry is no outage and says nothing.
- **What Redis needs after an outage first**: before a call is sent again, the ``recovered``
  callbacks run (a Redis restarted from its AOF has no scripts loaded and its keys with a time
  to live may have expired: the heartbeat's among them).
- **One policy for all the client's connections**: redis-py copies its policy into every
  connection; this one is shared, since an outage is the server's, not a connection's. Steps
  of a call (connecting, under a command) are not retried on their own: the call is.

Calls are synchronous (as scrapy-redis's are), so a worker waiting out an outage waits in the
call that met it: nothing else in its process moves until Redis answers or it gives up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Final, Self, TypeVar

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.commands.core import Script
from redis.retry import Retry
from redis.typing import ScriptTextT

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds before the second attempt of a failing call; each further attempt waits twice as
#: long, up to the cap: a worker notices within a second that Redis is back.
BACKOFF_BASE: Final = 0.05
BACKOFF_CAP: Final = 1.0


class OutageRetry(Retry):
    """Retries a call to Redis for up to ``timeout`` seconds, then calls ``give_up`` with the
    reason (a line naming ``url`` and ``REDIS_OUTAGE_TIMEOUT``) and raises the last error if
    ``give_up`` returns. ``recovered`` callbacks run before a call is sent again after an
    outage; their own calls are single attempts, and a failure counts as the call's."""

    def __init__(
        self,
        timeout: float,
        *,
        url: str,
        give_up: Callable[[str], object],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        super().__init__(ExponentialBackoff(cap=BACKOFF_CAP, base=BACKOFF_BASE / 2), -1)
        self.timeout = timeout
        self.url = url
        self.give_up = give_up
        self.recovered: list[Callable[[], object]] = []
        self._clock = clock
        self._sleep = sleep
        self._calls = threading.local()
        #: When the outage under way began (``clock`` time), ``None`` while Redis answers.
        self.down_since: float | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

    def call_with_retry(
        self,
        do: Callable[[], T],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        if getattr(self._calls, "depth", 0):
            return do()  # a step of a call under way: that call is retried, whole
        self._calls.depth = 1
        try:
            return self._retry(do, fail, is_retryable, with_failure_count)
        finally:
            self._calls.depth = 0

    def _retry(
        self,
        do: Callable[[], T],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None,
        with_failure_count: bool,
    ) -> T:
        failures = 0
        first_failure = 0.0
        while True:
            try:
                if self.down_since is not None:
                    for callback in self.recovered:
                        callback()
                result = do()
            except self._supported_errors as error:
                if is_retryable is not None and not is_retryable(error):
                    raise
                failures += 1
                if with_failure_count:
                    fail(error, failures)
                else:
                    fail(error)
                now = self._clock()
                if failures == 1:
                    first_failure = now
                elif self.down_since is None:
                    self.down_since = first_failure
                    logger.warning(
                        "Redis at %s does not answer (%s): retrying for up to %g s "
                        "(REDIS_OUTAGE_TIMEOUT)",
                        self.url,
                        error,
                        self.timeout,
                    )
                waited = now - first_failure
                if waited >= self.timeout:
                    self.give_up(
                        f"Redis at REDIS_URL ({self.url}) did not answer for {self.timeout:g} s "
                        f"(REDIS_OUTAGE_TIMEOUT): {error}"
                    )
                    raise
                self._sleep(min(self._backoff.compute(failures), self.timeout - waited))
                continue
            if self.down_since is not None:
                logger.warning(
                    "Redis at %s answers again, after %.1f s",
                    self.url,
                    self._clock() - self.down_since,
                )
                self.down_since = None
            return result


class WorkerRedis(Redis):
    """redis-py's client, remembering the Lua scripts registered on it, to load them again
    (``load_scripts_again``) into a Redis restarted with none: redis-py loads a pipeline's
    scripts once, before its first attempt, so a pipeline sent again after a restart would
    find them missing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._registered: dict[str, ScriptTextT] = {}

    def register_script(self, script: ScriptTextT) -> Script:
        registered = super().register_script(script)
        self._registered[registered.sha] = registered.script
        return registered

    def load_scripts_again(self) -> None:
        if not self._registered:
            return
        pipeline = self.pipeline(transaction=False)
        for script in self._registered.values():
            pipeline.script_load(script)
        pipeline.execute()
