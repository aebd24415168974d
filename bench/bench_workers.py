"""A distributed crawl's speed: one worker against two, on a generated site and a local Redis.

    python bench/bench_workers.py [--articles 3000] [--rounds 3] [--site-process] [--no-sqlite]

Each round crawls the site with one worker and with two (``REDIS_URL`` set, a fresh Redis
key prefix each time), in alternating order so that drift weighs on both alike, and by
default once with the SQLite state for reference. Pages are the crawl's own responses
(``downloader/response_count`` summed over workers). Two figures per crawl:

- *wall* pages/s: from starting the processes to the last one exiting (Scrapy's start-up of
  a second or two included, which a crawl of a real site amortises);
- *crawl* pages/s: over the crawl itself (the longest ``elapsed_time_seconds`` of the
  workers, which start together).

The ratio compares the best round of each (the least disturbed). The site is served from this
process (one more Python thread pool on the same cores) or, with ``--site-process``, from a
process of its own. ``redis-server`` must be installed (Debian: ``apt-get install
redis-server``). Shared machines are noisy: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_site.large import LargeSite  # noqa: E402
from tests.redis_server import MISSING as MISSING  # noqa: E402
from tests.redis_server import RedisServer, free_port  # noqa: E402

FAST = {"AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "INFO"}
#: Every core this benchmark may use, read before ``bench/run.py`` pins itself to one of them.
CPUS = frozenset(os.sched_getaffinity(0))
_RESPONSES = re.compile(r"'downloader/response_count': (\d+)")
_ELAPSED = re.compile(r"'elapsed_time_seconds': ([\d.]+)")


@dataclass(frozen=True)
class Crawl:
    workers: int
    pages: int
    wall_seconds: float
    crawl_seconds: float
    cpu_seconds: float

    @property
    def wall_rate(self) -> float:
        return self.pages / self.wall_seconds

    @property
    def crawl_rate(self) -> float:
        return self.pages / self.crawl_seconds


@contextmanager
def served(articles: int, separate: bool) -> Iterator[str]:
    """The site's base URL, served in this process or in one of its own."""
    if not separate:
        with LargeSite(articles) as site:
            yield site.base_url
        return
    port = free_port()
    command = [sys.executable, "-m", "sample_site.large", "--articles", str(articles)]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # "serving http://127.0.0.1:<port>/" once it listens
        yield line.split()[-1]
    finally:
        server.terminate()
        server.wait()


def _any_core() -> None:
    """A worker may run on any core, not only on the one the caller may be pinned to."""
    os.sched_setaffinity(0, CPUS)


def crawl(base_url: str, work: Path, workers: int, redis_url: str | None) -> Crawl:
    work.mkdir(parents=True)
    logs = [work / f"worker-{n}.log" for n in range(workers)]
    processes = []
    started = time.monotonic()
    for n, log in enumerate(logs):
        settings = {**FAST, "ARCHIVE_DIR": str(work / "archive"), "LOG_FILE": str(log)}
        if redis_url is None:
            settings["STATE_DIR"] = str(work / "state")
        else:
            # A fresh state each crawl: the key prefix names the crawl's folder.
            settings |= {
                "REDIS_URL": redis_url,
                "REDIS_KEY_PREFIX": f"bench:{work.name}",
                "REDIS_WORKER_ID": f"w{n}",
            }
        args = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={base_url}"]
        for name, value in settings.items():
            args += ["-s", f"{name}={value}"]
        processes.append(
            subprocess.Popen(args, cwd=ROOT, stderr=subprocess.DEVNULL, preexec_fn=_any_core)
        )
    cpu = 0.0
    for process in processes:
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"a crawl exited {process.returncode}; see {work}")
        cpu += usage.ru_utime + usage.ru_stime
    wall = time.monotonic() - started
    texts = [log.read_text() for log in logs]
    pages = sum(int(m[1]) for text in texts for m in _RESPONSES.finditer(text))
    elapsed = max(float(m[1]) for text in texts for m in _ELAPSED.finditer(text))
    return Crawl(workers, pages, wall, elapsed, cpu)


def measure(articles: int, rounds: int, *, separate: bool, sqlite: bool) -> dict[str, list[Crawl]]:
    """Alternated rounds of one worker and two (and one SQLite crawl) on one generated site."""
    if MISSING:
        raise RuntimeError(MISSING)
    results: dict[str, list[Crawl]] = {"sqlite, 1 process": [], "1 worker": [], "2 workers": []}
    modes: list[tuple[str, int]] = [("1 worker", 1), ("2 workers", 2)]
    with (
        tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp,
        RedisServer() as redis,
        served(articles, separate) as base_url,
    ):
        for round_ in range(rounds):
            order = modes if round_ % 2 == 0 else modes[::-1]
            for name, workers in order:
                folder = Path(tmp) / f"{round_}-{workers}"
                results[name].append(crawl(base_url, folder, workers, redis.url))
                shutil.rmtree(folder)
            if sqlite:
                folder = Path(tmp) / f"{round_}-sqlite"
                results["sqlite, 1 process"].append(crawl(base_url, folder, 1, None))
                shutil.rmtree(folder)
            print(f"workers: round {round_ + 1} of {rounds} done", file=sys.stderr, flush=True)
    return results


def report_lines(
    results: dict[str, list[Crawl]], articles: int, rounds: int, *, separate: bool
) -> list[str]:
    where = "a process of its own" if separate else "the benchmark's process"
    lines = [
        f"{articles:,} articles, {rounds} rounds, site served from {where}, {len(CPUS)} CPUs",
        "",
        "| crawl | pages | wall pages/s (each round) | crawl pages/s (each round) | CPU s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, crawls in results.items():
        if not crawls:
            continue
        walls = ", ".join(f"{c.wall_rate:.0f}" for c in crawls)
        rates = ", ".join(f"{c.crawl_rate:.0f}" for c in crawls)
        cpu = statistics.median(c.cpu_seconds for c in crawls)
        lines.append(f"| {name} | {crawls[0].pages} | {walls} | {rates} | {cpu:.1f} |")
    one, two = results["1 worker"], results["2 workers"]
    wall = max(c.wall_rate for c in two) / max(c.wall_rate for c in one)
    rate = max(c.crawl_rate for c in two) / max(c.crawl_rate for c in one)
    pairs = [b.crawl_rate / a.crawl_rate for a, b in zip(one, two, strict=True)]
    lines += [
        "",
        f"two workers / one worker, best of each: {rate:.2f}x crawl pages/s, {wall:.2f}x wall "
        f"pages/s (crawl pages/s ratio per round: {', '.join(f'{r:.2f}' for r in pairs)})",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--site-process", action="store_true", help="serve the site apart")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite reference")
    args = parser.parse_args(argv)
    if MISSING:
        parser.error(MISSING)
    results = measure(
        args.articles, args.rounds, separate=args.site_process, sqlite=not args.no_sqlite
    )
    print("\n".join(report_lines(results, args.articles, args.rounds, separate=args.site_process)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
