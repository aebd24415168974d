"""What the crawl benchmarks share: one core for the crawl, another for the site, and the crawl
process's own CPU time and peak RSS from ``wait4``.

The site (``LargeSite``) runs in the benchmark's process, pinned with :func:`pin_site`; each
crawl is a subprocess started with ``preexec_fn=pin_crawl``, so neither takes CPU from the other
and the CPU seconds measured are the crawler's alone.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Settings every benchmarked crawl runs with: no AutoThrottle (the site is on loopback), and
#: no log output to format or write.
FAST = {"AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING", "LOG_FILE": os.devnull}

#: With two cores or more, the site (this process) and the crawl run on separate cores, so
#: the crawl's CPU time is not inflated by sharing one with the server.
PINNED = len(os.sched_getaffinity(0)) >= 2
SITE_CPU, CRAWL_CPU = sorted(os.sched_getaffinity(0))[:2] if PINNED else (0, 0)


@dataclass(frozen=True)
class Crawl:
    """One crawl process, as ``wait4`` saw it end."""

    returncode: int
    user_seconds: float
    system_seconds: float
    peak_rss_mib: float
    wall_seconds: float

    @property
    def cpu_seconds(self) -> float:
        return self.user_seconds + self.system_seconds


def pin_site() -> None:
    """Pin this process (the site's server threads) to its core."""
    if PINNED:
        os.sched_setaffinity(0, {SITE_CPU})


def pin_crawl() -> None:
    """``preexec_fn`` of a crawl: run it on the other core."""
    if PINNED:
        os.sched_setaffinity(0, {CRAWL_CPU})


def finish(process: subprocess.Popen[bytes], started: float) -> Crawl:
    """Reap ``process`` with ``wait4``: its own user and system time and peak RSS."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Crawl(
        process.returncode,
        usage.ru_utime,
        usage.ru_stime,
        usage.ru_maxrss / 1024,  # kilobytes on Linux
        time.monotonic() - started,
    )


def run_pinned(
    args: Sequence[str],
    cwd: Path = ROOT,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
) -> Crawl:
    """Run one crawl command on the crawl core and measure it; its stdout and stderr go to
    ``log`` when given."""
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        output = None if log is None else stack.enter_context(log.open("wb"))
        process = subprocess.Popen(
            list(args),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdout=output,
            stderr=output,
            preexec_fn=pin_crawl,
        )
        return finish(process, started)
