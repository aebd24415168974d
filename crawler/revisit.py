"""When an archived article is asked for again, and how far the archive may fall behind.

The policy, as pure functions and values (no Scrapy; ``crawler.extensions.revisit`` applies
it to a crawl):

- every archived article has a next-due time. A check that finds it unchanged doubles its
  interval, a change brings the interval back to the minimum; the interval never exceeds the
  bound on staleness, so **every archived article is checked at least once every
  ``max_age_days``** (``max_age_days_trusted`` while the site's sitemap ``<lastmod>`` is
  trusted);
- a newly archived article is first due at a point spread over the bound by a hash of its
  key, so the articles of a first crawl do not all come due on one day;
- the site's lastmod is trusted from the first run that finds lastmods until an article is
  found changed while its lastmod did not move; it is trusted again after
  ``trust_recover`` clean runs.

Times are ISO 8601 strings in UTC as ``crawler.archive.manifest.iso_utc`` writes them, which
sort as the times they name.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from crawler import settings as defaults

DAY = 86_400.0
#: A run treats as due what comes due within this long of its start: a daily cron job starts
#: a few seconds later or earlier each day, and an article checked at 03:00:05 must be due
#: again at the 03:00:00 run a bound later, not a day after.
DUE_SLACK = timedelta(hours=1)

#: Why a request was made: the manifest's ``requests`` counts each.
PURPOSES: tuple[str, ...] = (
    "robots",
    "sitemap",
    "listing",
    "new",
    "lastmod",
    "due",
    "trust_sample",
    "verify_removal",
    # A stylesheet or image an archived page loads, kept for replay (WARC_PAGE_REQUISITES).
    "requisite",
    "other",
)


@dataclass(frozen=True, slots=True)
class RevisitSettings:
    """The policy's knobs (``REVISIT_*`` and ``LISTING_*`` settings)."""

    max_age_days: float = defaults.REVISIT_MAX_AGE_DAYS
    max_age_days_trusted: float = defaults.REVISIT_MAX_AGE_DAYS_TRUSTED
    min_days: float = defaults.REVISIT_MIN_DAYS
    budget: int = defaults.REVISIT_BUDGET
    trust_sample: float = defaults.REVISIT_TRUST_SAMPLE
    trust_sample_min: int = defaults.REVISIT_TRUST_SAMPLE_MIN
    trust_recover: int = defaults.REVISIT_TRUST_RECOVER
    listing_stop_after_known: int = defaults.LISTING_STOP_AFTER_KNOWN
    listing_full_sweep_days: float = defaults.LISTING_FULL_SWEEP_DAYS

    def bound(self, trusted: bool) -> float:
        """The bound on staleness, in seconds."""
        return (self.max_age_days_trusted if trusted else self.max_age_days) * DAY

    def sample_size(self, archived: int) -> int:
        """How many articles a run checks at random: a share of the archive, at least the
        minimum, never more than there are.

        >>> RevisitSettings().sample_size(3000), RevisitSettings().sample_size(30_000)
        (15, 150)
        >>> RevisitSettings().sample_size(3)
        3
        """
        return min(archived, max(self.trust_sample_min, round(archived * self.trust_sample)))


def to_iso(moment: datetime) -> str:
    """``moment`` as the state keeps times.

    >>> to_iso(datetime(2026, 3, 1, 3, 0, 0, 999, tzinfo=UTC))
    '2026-03-01T03:00:00Z'
    """
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def from_iso(text: str) -> datetime:
    """A time the state keeps, back as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def spread(key: str) -> float:
    """A fraction in (0, 1] fixed for ``key``: where in a period its schedule falls.

    >>> 0 < spread("/page.php?p=1") <= 1, spread("/page.php?p=1") == spread("/page.php?p=1")
    (True, True)
    """
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 1) / 2**64


def first_due(key: str, now: datetime, bound: float) -> tuple[str, float]:
    """``(due_at, interval)`` of an article archived for the first time: due somewhere within
    the bound, where its key puts it."""
    return to_iso(now + timedelta(seconds=bound * spread(key))), bound


def after_check(
    interval: float, *, changed: bool, now: datetime, bound: float, minimum: float
) -> tuple[str, float]:
    """``(due_at, interval)`` after a check: the interval doubles when the article was
    unchanged, returns to ``minimum`` when it changed, and stays within ``[minimum, bound]``.

    >>> now = datetime(2026, 3, 1, tzinfo=UTC)
    >>> after_check(2 * DAY, changed=False, now=now, bound=30 * DAY, minimum=DAY)
    ('2026-03-05T00:00:00Z', 345600.0)
    >>> after_check(20 * DAY, changed=False, now=now, bound=30 * DAY, minimum=DAY)[1] / DAY
    30.0
    >>> after_check(20 * DAY, changed=True, now=now, bound=30 * DAY, minimum=DAY)[1] / DAY
    1.0
    """
    minimum = min(minimum, bound)
    following = minimum if changed else min(bound, max(interval, minimum) * 2)
    return to_iso(now + timedelta(seconds=following)), following


def sweep_due(url: str, page: int, now: datetime, period: float, *, first: bool) -> str:
    """When a listing page is next swept: a period after it was seen, or, the first time, at a
    point within the period its URL puts it (so no run pays for every sweep)."""
    offset = period * spread(f"{url}#{page}") if first else period
    return to_iso(now + timedelta(seconds=offset))


_W3C = re.compile(
    r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2}))?)?)?",
    re.ASCII,
)


def parse_lastmod(text: str | None) -> str | None:
    """A sitemap ``<lastmod>`` (any W3C datetime form) in UTC as the state keeps times;
    ``None`` for a missing or malformed value.

    >>> parse_lastmod("2025-08-06T09:00:00+02:00"), parse_lastmod("2025-08-06")
    ('2025-08-06T07:00:00Z', '2025-08-06T00:00:00Z')
    >>> parse_lastmod("2025"), parse_lastmod("2025-08-06T09:30Z"), parse_lastmod("yesterday")
    ('2025-01-01T00:00:00Z', '2025-08-06T09:30:00Z', None)
    """
    if not text:
        return None
    found = _W3C.fullmatch(text.strip())
    if found is None:
        return None
    parts = found.groupdict()
    zone = parts["tz"]
    offset = (
        timedelta(0)
        if zone in (None, "Z")
        else (1 if zone[0] == "+" else -1) * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:]))
    )
    try:
        moment = datetime(
            int(parts["y"]),
            int(parts["m"] or 1),
            int(parts["d"] or 1),
            int(parts["H"] or 0),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
            tzinfo=UTC,
        )
        return to_iso(moment - offset)
    except (ValueError, OverflowError):  # 2025-13-40, or past year 9999 once in UTC
        return None


TRUST_META = "lastmod_trust"
RUN_META = "revisit_run"


@dataclass(slots=True)
class RunFacts:
    """What the processes of one run (the workers of a distributed crawl, or a killed process
    and the one that resumed it) learned about the site's lastmods, kept in the state so that
    each judges the run as a whole: whether a sitemap answered, whether it gave lastmods, and
    which articles changed while their lastmod stood still."""

    run: str
    sitemaps: bool = False
    lastmods: bool = False
    contradicted: list[str] = field(default_factory=list)

    @classmethod
    def loads(cls, text: str | None, run: str) -> RunFacts:
        """The facts of ``run`` (none yet when the state holds another run's)."""
        data = json.loads(text) if text else {}
        if data.get("run") != run:
            return cls(run)
        return cls(
            run,
            bool(data.get("sitemaps")),
            bool(data.get("lastmods")),
            [str(url) for url in data.get("contradicted", [])],
        )

    def merged(self, *, sitemaps: bool, lastmods: bool, contradicted: list[str]) -> RunFacts:
        """These facts and one process's.

        >>> RunFacts("r", lastmods=True).merged(sitemaps=True, lastmods=False,
        ...     contradicted=["u"])
        RunFacts(run='r', sitemaps=True, lastmods=True, contradicted=['u'])
        """
        return RunFacts(
            self.run,
            self.sitemaps or sitemaps,
            self.lastmods or lastmods,
            sorted({*self.contradicted, *contradicted}),
        )

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(slots=True)
class Trust:
    """Whether the site's lastmod is believed, kept in the state between runs.

    ``state`` is ``"unknown"`` until a run finds lastmods, then ``"trusted"`` until a check
    contradicts it, then ``"untrusted"`` for ``clean_runs`` runs in a row without one.
    """

    state: str = "unknown"
    clean_runs: int = 0
    since: str | None = None
    #: Articles of the run that lost the trust: found changed while their lastmod stood still.
    contradicted: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return self.state == "trusted"

    @classmethod
    def loads(cls, text: str | None) -> Trust:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            state=str(data.get("state", "unknown")),
            clean_runs=int(data.get("clean_runs", 0)),
            since=data.get("since"),
            contradicted=[str(url) for url in data.get("contradicted", [])],
        )

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def after_run(
        self, *, found_lastmods: bool, contradicted: list[str], now: str, recover: int
    ) -> Trust:
        """The trust a finished run leaves.

        >>> t = Trust().after_run(found_lastmods=True, contradicted=[], now="t1", recover=2)
        >>> t.state
        'trusted'
        >>> t = t.after_run(found_lastmods=True, contradicted=["u"], now="t2", recover=2)
        >>> t.state, t.since
        ('untrusted', 't2')
        >>> t = t.after_run(found_lastmods=True, contradicted=[], now="t3", recover=2)
        >>> t.state, t.clean_runs
        ('untrusted', 1)
        >>> t.after_run(found_lastmods=True, contradicted=[], now="t4", recover=2).state
        'trusted'
        """
        if contradicted:
            return Trust("untrusted", 0, now, list(contradicted))
        if self.state == "unknown":
            return Trust("trusted", 0, now) if found_lastmods else Trust()
        if self.state == "untrusted":
            clean = self.clean_runs + 1
            if clean >= recover:
                return Trust("trusted", 0, now)
            return Trust("untrusted", clean, self.since, self.contradicted)
        return Trust(self.state, self.clean_runs, self.since)
