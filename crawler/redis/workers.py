"""The workers of a distributed crawl: who is alive, who works on which run, how a run ends.

Several processes share one state (``crawler.redis.state.RedisState``), each one a *worker*
with an id it holds by its heartbeat (``crawler.redis.heartbeat``: a key that expired is a
dead worker). What one SQLite crawl never needs, they coordinate here:

- **A run has parts.** The first worker begins a run; later ones with the same spider and
  arguments join it. Each worker's share of it (its run folder, its counters, its process's
  resumes) is its *part*; ``Run.run_dir``, ``Run.counters`` and ``Run.resumes`` are this
  worker's part. A run is done when its queue is empty, no worker has a request in flight and
  none is still going through its start requests; finished when every part is settled
  (its worker wrote its manifest, or another worker took it over).
- **A dead worker's part is taken over once** (``crawler.redis.takeover``): a taker locks the
  part for a while, if its worker's heartbeat is still absent and no outage just ended
  (``grace``); a worker restarted meanwhile with the same id waits for the takeover to end. A
  folder no live worker can see is kept as an *orphan* until one can.
  One worker of the run writes its categories, the first to ask.

A class of its own, held by the state (``RedisState.workers``): the state is what a crawl
reads and writes, the same for one worker or ten; this is what only a crowd needs. Its
methods name the run they are about, so a worker settles or takes over a run other than the
one it is bound to as easily as its own. Nothing here depends on Scrapy; the steps other
workers must not see half-done are Lua scripts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from crawler.coverage import Coverage
from crawler.redis.heartbeat import TAKEOVER_LOCK
from crawler.redis.keys import Keys
from crawler.redis.stored import nonce, text
from crawler.state import Run
from crawler.state.lock import StateBusy

if TYPE_CHECKING:
    from redis import Redis
    from redis.client import Pipeline

#: A run's status: workers work on it, its work is complete (workers are closing), every part
#: is settled, or a crawl with other arguments gave it up.
ACTIVE, DONE, FINISHED, GIVEN_UP = "active", "done", "finished", "given_up"
#: A part's status: its worker works on it (or stopped, or died, until someone takes it over),
#: it wrote its manifest, or another worker took it over.
LOST = "lost"
#: Seconds between two tries of a worker joining a run while its previous part is taken over.
JOIN_WAIT = 0.1

_BEGIN = """
local prefix, worker = ARGV[1], ARGV[5]
local function join(id)
  local base = prefix .. ':run:' .. id
  local part = base .. ':part:' .. worker
  local resumed = 0
  if redis.call('HGET', part, 'status') == 'active' then
    resumed = 1
  else
    redis.call('DEL', part)
    redis.call('HSET', part, 'status', 'active', 'resumes', '[]', 'counters', '{}')
  end
  redis.call('SADD', base .. ':parts', worker)
  redis.call('SADD', base .. ':starting', worker)
  return resumed
end
local given_up = ''
local current = redis.call('GET', KEYS[1])
if current then
  local info = prefix .. ':run:' .. current
  if redis.call('HGET', info, 'status') == 'active' then
    if redis.call('HGET', info, 'spider') == ARGV[2]
        and redis.call('HGET', info, 'arguments') == ARGV[3] then
      if redis.call('EXISTS', info .. ':takeover:' .. worker) == 1 then
        return {'wait', current, 0, ''}
      end
      return {'joined', current, join(current), ''}
    end
    local outage = redis.call('EXISTS', prefix .. ':outage') == 1
    for _, w in ipairs(redis.call('SMEMBERS', info .. ':parts')) do
      if w ~= worker and (outage or redis.call('EXISTS', prefix .. ':worker:' .. w) == 1) then
        return {'busy', current, 0, w}
      end
    end
    redis.call('HSET', info, 'status', 'given_up', 'finished_at', ARGV[4])
    given_up = current
  end
end
local id = tostring(redis.call('INCR', KEYS[3]))
redis.call('HSET', prefix .. ':run:' .. id, 'spider', ARGV[2], 'arguments', ARGV[3],
  'started_at', ARGV[4], 'status', 'active')
redis.call('SET', KEYS[1], id)
redis.call('RPUSH', KEYS[2], id)
return {'new', id, join(id), given_up}
"""

_CHECK_DONE = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'active' then return {status or 'gone', ''} end
if redis.call('ZCARD', KEYS[4]) > 0 then return {'busy', ''} end
local outage = redis.call('EXISTS', ARGV[2] .. ':outage') == 1
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HGET', ARGV[1] .. ':part:' .. w, 'status') == 'active' then
    if w ~= ARGV[3] and not outage and redis.call('EXISTS', ARGV[2] .. ':worker:' .. w) == 0 then
      return {'dead', w}
    end
    if redis.call('HLEN', ARGV[1] .. ':inflight:' .. w) > 0 then return {'busy', w} end
    if redis.call('SISMEMBER', KEYS[3], w) == 1 then return {'busy', w} end
  end
end
redis.call('HSET', KEYS[1], 'status', 'done')
return {'done', ''}
"""

# ARGV[2] empty: no part to settle, only whether the run is complete.
_SETTLE = """
if ARGV[2] ~= '' then
  local part = ARGV[1] .. ':part:' .. ARGV[2]
  if redis.call('HGET', part, 'status') ~= 'active' then return -1 end
  redis.call('HSET', part, 'status', ARGV[3], 'coverage', ARGV[4], 'reason', ARGV[5])
end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'done' and status ~= 'given_up' then return 0 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HGET', ARGV[1] .. ':part:' .. w, 'status') == 'active' then return 0 end
end
if status == 'done' then
  redis.call('HSET', KEYS[1], 'status', 'finished', 'finished_at', ARGV[6])
end
return 1
"""

# A part another worker has settled (taken this one for dead) is not written to any more.
_UPDATE_PART = """
if redis.call('HGET', KEYS[1], 'status') == 'active' then
  redis.call('HSET', KEYS[1], unpack(ARGV))
end
"""

_FORGET_CURRENT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@dataclass(slots=True, kw_only=True)
class Part:
    """One worker's share of a run."""

    run_id: int
    worker: str
    status: str = ACTIVE
    run_dir: str | None = None
    resumes: list[datetime] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    coverage: Coverage | None = None
    #: Why its process last stopped (Scrapy's finish reason), if it stopped rather than died.
    reason: str | None = None


class Workers:
    """The runs under ``keys`` and their parts, as worker ``worker`` takes part in them.
    Writes to its own part are buffered in ``pipeline``, the state's, sent at its commit."""

    def __init__(self, client: Redis, keys: Keys, worker: str, pipeline: Pipeline) -> None:
        self.client = client
        self.keys = keys
        self.worker = worker
        self._pipeline = pipeline
        self._begin = client.register_script(_BEGIN)
        self._check_done = client.register_script(_CHECK_DONE)
        self._settle = client.register_script(_SETTLE)
        self._update_part = client.register_script(_UPDATE_PART)
        self._forget_current = client.register_script(_FORGET_CURRENT)
        self._lock_part = client.register_script(TAKEOVER_LOCK)

    # -- runs ---------------------------------------------------------------------------------

    def join(
        self, spider: str, arguments: Mapping[str, str], now: datetime
    ) -> tuple[int, bool, int | None]:
        """Join the current run if it has the same spider and arguments, else begin a new
        run, giving up a current run of other arguments if none of its workers is alive
        (``StateBusy`` while one is). Returns the run's id, whether this worker's part of it
        was resumed (it had one that no one took over), and the id of the run given up."""
        while True:
            outcome, run_id, resumed, other = self._begin(
                keys=[self.keys.current, self.keys.runs, self.keys.run_seq],
                args=[
                    self.keys.prefix,
                    spider,
                    json.dumps(dict(arguments), sort_keys=True),
                    _iso(now),
                    self.worker,
                ],
            )
            outcome, other_text = text(outcome), text(other) or ""
            if outcome != "wait":
                break
            time.sleep(JOIN_WAIT)  # this id's previous part is being taken over
        if outcome == "busy":
            raise StateBusy(
                f"the crawl state {self.keys.prefix} is in use by a run of other arguments "
                f"(run {int(run_id)}, worker {other_text} is alive); wait for it to finish, or "
                "give this crawl another REDIS_KEY_PREFIX"
            )
        given_up = int(other_text) if outcome == "new" and other_text else None
        return int(run_id), bool(int(resumed)), given_up

    def current_run(self) -> int | None:
        found = self.client.get(self.keys.current)
        return int(found) if found is not None else None

    def run_status(self, run_id: int) -> str | None:
        return text(self.client.hget(self.keys.run(run_id).info, "status"))

    def started(self, run_id: int) -> None:
        """This worker's spider has gone through its start requests."""
        self.client.srem(self.keys.run(run_id).starting, self.worker)

    def check_done(self, run_id: int) -> tuple[str, str | None]:
        """Whether the run's work is complete: ``("done", None)`` (now or before: the run is
        no longer active), ``("busy", worker or None)``, or ``("dead", worker)``: a worker
        that died with a part unsettled, to be taken over first."""
        keys = self.keys.run(run_id)
        status, worker = self._check_done(
            keys=[keys.info, keys.parts, keys.starting, keys.queue],
            args=[keys.base, self.keys.prefix, self.worker],
        )
        outcome = text(status) or ""
        named = text(worker) or None
        if outcome in ("busy", "dead"):
            return outcome, named
        return "done", None

    def settle(
        self,
        run_id: int,
        worker: str,
        status: str,
        coverage: Coverage | None,
        reason: str | None,
        now: datetime,
    ) -> bool:
        """Settle ``worker``'s part (``""``: none, only check) and finish the run if that was
        the last; return whether the run is complete now."""
        keys = self.keys.run(run_id)
        complete = self._settle(
            keys=[keys.info, keys.parts],
            args=[
                keys.base,
                worker,
                status,
                json.dumps(coverage.to_dict()) if coverage is not None else "",
                reason or "",
                _iso(now),
            ],
        )
        if int(complete) != 1:
            return False
        self._complete(run_id)
        return True

    def clear_run(self, run_id: int) -> None:
        """Delete a run's scratch keys once nothing needs them (an orphan recovered late)."""
        if self.run_status(run_id) in (FINISHED, GIVEN_UP):
            self._complete(run_id)

    def _complete(self, run_id: int) -> None:
        """The run has no part left to settle: keep its merged coverage (a finished run) and
        delete its scratch keys; the next ``begin_run`` starts a new run."""
        keys = self.keys.run(run_id)
        if self.run_status(run_id) == FINISHED:
            covered = [p.coverage for p in self.parts(run_id) if p.coverage is not None]
            self.client.hset(keys.info, "coverage", json.dumps(Coverage.merge(covered).to_dict()))
        self._forget_current(keys=[self.keys.current], args=[run_id])
        scratch = keys.scratch()
        for pattern in (f"{keys.in_flight_prefix}*", f"{keys.base}:claims:*"):
            scratch += [text(key) or "" for key in self.client.scan_iter(match=pattern)]
        self.client.unlink(*scratch)

    # -- parts --------------------------------------------------------------------------------

    def alive(self, worker: str) -> bool:
        """Whether ``worker`` holds its heartbeat, or may still renew it (an outage just
        ended: ``grace``)."""
        return bool(self.client.exists(self.keys.worker(worker), self.keys.outage))

    def grace(self, seconds: float) -> None:
        """No worker is taken for dead for ``seconds``: Redis answers again after an outage,
        and every live worker renews its heartbeat meanwhile."""
        self.client.set(self.keys.outage, self.worker, px=int(seconds * 1000))

    def part(self, run_id: int, worker: str) -> Part | None:
        found = self.client.hgetall(self.keys.run(run_id).part(worker))
        if not found:
            return None
        values = {text(key) or "": text(value) or "" for key, value in found.items()}
        coverage = values.get("coverage")
        return Part(
            run_id=run_id,
            worker=worker,
            status=values.get("status", ACTIVE),
            run_dir=values.get("run_dir") or None,
            resumes=[
                datetime.fromisoformat(moment)
                for moment in json.loads(values.get("resumes") or "[]")
            ],
            counters={
                str(k): int(v) for k, v in json.loads(values.get("counters") or "{}").items()
            },
            coverage=Coverage.from_dict(json.loads(coverage)) if coverage else None,
            reason=values.get("reason") or None,
        )

    def parts(self, run_id: int) -> list[Part]:
        workers = sorted(text(w) or "" for w in self.client.smembers(self.keys.run(run_id).parts))
        return [part for w in workers if (part := self.part(run_id, w)) is not None]

    def dead_parts(self, run_id: int, *, mine: bool = False) -> list[Part]:
        """Unsettled parts of ``run_id`` whose workers are not alive (this worker's own only
        with ``mine``): theirs to take over."""
        return [
            part
            for part in self.parts(run_id)
            if part.status == ACTIVE
            and (part.worker != self.worker or mine)
            and (part.worker == self.worker or not self.alive(part.worker))
        ]

    def save_part(self, run: Run) -> None:
        """Store this worker's part of ``run`` (its folder, resumes, counters); buffered."""
        self._update_part(
            keys=[self.keys.run(run.id).part(self.worker)],
            args=[
                "run_dir",
                run.run_dir or "",
                "resumes",
                json.dumps([_iso(moment) for moment in run.resumes]),
                "counters",
                json.dumps(run.counters, sort_keys=True),
            ],
            client=self._pipeline,
        )

    def note_reason(self, run_id: int, reason: str) -> None:
        """Why this worker's process stopped (Scrapy's finish reason): the manifest of its
        folder says so if another worker takes it over."""
        self._update_part(keys=[self.keys.run(run_id).part(self.worker)], args=["reason", reason])

    # -- takeover bookkeeping -----------------------------------------------------------------

    def lock_part(self, run_id: int, worker: str, seconds: float) -> bool:
        """Take the right to take over ``worker``'s part for ``seconds`` (one taker at a time),
        if ``worker`` is still dead (another's part) or it is this worker's own."""
        taken = self._lock_part(
            keys=[
                self.keys.run(run_id).takeover(worker),
                self.keys.worker(worker),
                self.keys.outage,
            ],
            args=[f"{self.worker} {nonce()}", int(seconds * 1000), int(worker == self.worker)],
        )
        return bool(taken)

    def unlock_part(self, run_id: int, worker: str) -> None:
        self.client.delete(self.keys.run(run_id).takeover(worker))

    def add_orphan(self, run_id: int, worker: str, run_dir: str) -> None:
        """A lost worker's folder no live worker could see: recovered when one can."""
        self.client.hset(self.keys.orphans, run_dir, json.dumps({"run": run_id, "worker": worker}))

    def orphans(self) -> dict[str, tuple[int, str]]:
        found = self.client.hgetall(self.keys.orphans)
        result = {}
        for run_dir, value in found.items():
            data = json.loads(value)
            result[text(run_dir) or ""] = (int(data["run"]), str(data["worker"]))
        return result

    def drop_orphan(self, run_dir: str) -> None:
        self.client.hdel(self.keys.orphans, run_dir)

    def claim_categories(self, run_id: int) -> bool:
        """Whether this worker writes the run's categories (the first to ask does)."""
        keys = self.keys.run(run_id)
        self.client.set(keys.categories_writer, self.worker, nx=True)
        return text(self.client.get(keys.categories_writer)) == self.worker

    def categories_writer(self, run_id: int) -> str | None:
        return text(self.client.get(self.keys.run(run_id).categories_writer))
