"""The search index on a large synthetic archive, against ``grep -c`` over the same shards.

    python bench/bench_search.py [--articles 100000] [--queries 200] [--changes 100]
                                 [--grep-queries 20] [--work DIR]

1. An archive is written as a crawl writes it: a first run of ``--articles`` article records
   (10,000 a shard, a manifest), then a second run in which ``--changes`` of them changed (a
   paragraph rewritten) and 10 were removed. The articles are synthetic essays with a natural
   vocabulary (``search_corpus.py``: a Zipf distribution over 100,000 words, the commonest
   English function words, about 600 words an article; the generated site's 529 distinct
   words would make every word common).
2. **Full build**: ``scrapy index``'s build of the first run's index (``rebuild_index``), in
   articles per second.
3. **Update**: what the end of the second run does (``update_index``): its records only.
4. **Queries**: ``--queries`` mixed queries, seeded: single words and word pairs drawn from
   random articles' bodies (so frequent words come up as often as in the text: "the", "of"),
   3-word phrases, and words or phrases with a ``--category`` or a ``--since`` / ``--until``
   filter. Each is timed as ``scrapy search`` runs it after starting
   (``crawler.archive.search.search``: 10 hits, the total, a snippet each), best of 3; p50,
   p95 and max over the queries, and how many were too broad to rank (their words in more
   than ``RANK_LIMIT`` articles: listed newest first).
5. **The floor**: ``grep -c`` (``-F -i``: a fixed string, any case) of the first
   ``--grep-queries`` word and phrase queries over the same JSONL shards, the search a user
   falls back on without the index (and it neither ranks nor shows a snippet).

The targets (issue 15): p95 ≤ 20 ms, a full build ≥ 5,000 articles/s, the update after a
100-change run ≤ 1 s. The exit status is 1 if one is missed.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from search_corpus import CATEGORIES, Corpus  # noqa: E402

from crawler.archive.categories import write_categories  # noqa: E402
from crawler.archive.index import index_path, rebuild_index, update_index  # noqa: E402
from crawler.archive.manifest import Counts, Manifest, write_manifest  # noqa: E402
from crawler.archive.search import RANK_LIMIT, search  # noqa: E402
from crawler.archive.shards import ShardWriter  # noqa: E402
from crawler.digests import content_hash  # noqa: E402

P95_MS = 20.0
BUILD_PER_SECOND = 5_000
UPDATE_SECONDS = 1.0
REMOVED = 10
ROUNDS = 3
SHARD_ITEMS = 10_000
FIRST_RUN = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
SECOND_RUN = datetime(2026, 3, 8, 3, 0, tzinfo=UTC)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    category: str | None = None
    since: str | None = None
    until: str | None = None

    @property
    def filtered(self) -> bool:
        return (self.category, self.since, self.until) != (None, None, None)


@dataclass(frozen=True)
class Result:
    articles: int
    shard_bytes: int
    index_bytes: int
    build_seconds: float
    #: CPU seconds of this process: what the build costs on a machine other programs share.
    build_cpu: float
    update_seconds: float
    update_cpu: float
    update_records: int
    query_ms: list[float]
    query_cpu_ms: list[float]
    kinds: dict[str, list[float]]
    #: Queries whose words were in too many articles to rank (listed newest first).
    unranked: int
    grep_ms: list[float]
    index_ms_of_grepped: list[float]

    @property
    def build_rate(self) -> float:
        return self.articles / self.build_seconds

    @property
    def p95(self) -> float:
        return percentile(self.query_ms, 95)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def archived(record: dict[str, Any], version: int, fetched: datetime) -> dict[str, Any]:
    """The record as the crawl writes it."""
    return {
        **record,
        "version": version,
        "content_hash": content_hash(record),
        "fetched_at": stamp(fetched),
        "schema_version": 1,
    }


def write_run(folder: Path, records: Iterable[dict[str, Any]], started: datetime) -> int:
    folder.mkdir(parents=True)
    written = 0
    with ShardWriter(folder, max_records=SHARD_ITEMS) as writer:
        for record in records:
            writer.write(record)
            written += 1
    write_manifest(
        folder,
        Manifest(
            spider="site",
            arguments={},
            started_at=started,
            finished_at=started,
            finish_reason="finished",
            counts=Counts(articles_written=written),
            shards=writer.shards,
            categories=write_categories(folder, ()),
            settings={"ARCHIVE_SHARD_ITEMS": SHARD_ITEMS, "ARCHIVE_GZIP": False},
        ),
    )
    return written


def second_run(
    corpus: Corpus, changed: Sequence[int], removed: Sequence[int]
) -> Iterator[dict[str, Any]]:
    """The second run's records: the articles ``changed`` at their second edition, ``removed``
    gone."""
    for n in changed:
        yield {
            **archived(corpus.article(n, 2), 2, SECOND_RUN),
            "previous_hash": content_hash(corpus.article(n)),
            "changed_fields": ["body", "blocks"],
        }
    for n in removed:
        article = corpus.article(n)
        yield {
            "type": "removed",
            "url": article["url"],
            "id": article["id"],
            "status": 404,
            "last_seen": stamp(FIRST_RUN),
            "schema_version": 1,
        }


def draw_queries(
    articles: Sequence[dict[str, Any]], count: int, categories: Sequence[str], seed: int = 15
) -> list[Query]:
    draw = random.Random(seed)

    def words(n: int, *, together: bool) -> list[str]:
        tokens = _WORD.findall(draw.choice(articles)["body"].lower())
        if together:
            start = draw.randrange(len(tokens) - n)
            return tokens[start : start + n]
        return draw.sample(tokens, n)

    def day() -> str:
        return f"{draw.randrange(1990, 2026)}-{draw.randrange(1, 13):02d}-01"

    queries: list[Query] = []
    for n in range(count):
        kind = ("word", "words", "phrase", "category", "dates")[n % 5]
        if kind == "word":
            queries.append(Query(kind, words(1, together=False)[0]))
        elif kind == "words":
            queries.append(Query(kind, " ".join(words(2, together=False))))
        elif kind == "phrase":
            queries.append(Query(kind, f'"{" ".join(words(3, together=True))}"'))
        elif kind == "category":
            text = " ".join(words(draw.choice((1, 2)), together=True))
            queries.append(Query(kind, text, category=draw.choice(categories)))
        else:
            since, until = sorted((day(), day()))
            queries.append(Query(kind, words(1, together=False)[0], since=since, until=until))
    return queries


def timed_search(path: Path, query: Query) -> tuple[float, float, bool]:
    """The best of ``ROUNDS`` times of the query in ms (wall clock, then CPU), and whether it
    was ranked."""
    best = best_cpu = float("inf")
    for _ in range(ROUNDS):
        started, cpu = time.perf_counter(), time.process_time()
        results = search(
            path, query.text, category=query.category, since=query.since, until=query.until
        )
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best * 1000, best_cpu * 1000, results.ranked


def timed_grep(shards: Sequence[Path], text: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        ["grep", "-c", "-F", "-i", "--", text.strip('"'), *map(str, shards)],
        capture_output=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return (time.perf_counter() - started) * 1000


def measure(
    articles: int,
    queries: int,
    changes: int,
    grep_queries: int,
    work: Path,
    progress: Any = print,
) -> Result:
    archive = work / "archive"
    corpus = Corpus()
    progress(f"search: writing {articles:,} articles")
    sample: list[dict[str, Any]] = []
    draw = random.Random(1)
    wanted = set(draw.sample(range(articles), min(articles, 2_000)))

    def first_records() -> Iterator[dict[str, Any]]:
        for n in range(articles):
            record = corpus.article(n)
            if n in wanted:  # the articles queries are drawn from
                sample.append(record)
            yield archived(record, 1, FIRST_RUN)

    write_run(archive / "site-20260301T030000Z", first_records(), FIRST_RUN)
    progress("search: building the index of the first run")
    cpu = time.process_time()
    build = rebuild_index(archive)
    build_cpu = time.process_time() - cpu
    progress(f"search: built in {build.seconds:.1f} s; writing the second run")
    changed = draw.sample(range(articles), changes)
    removed = draw.sample(sorted(set(range(articles)) - set(changed)), REMOVED)
    update_records = write_run(
        archive / "site-20260308T030000Z", second_run(corpus, changed, removed), SECOND_RUN
    )
    cpu = time.process_time()
    update = update_index(archive)
    update_cpu = time.process_time() - cpu
    assert update.applied == ("site-20260308T030000Z",) and not update.rebuilt
    assert update.articles == articles - REMOVED

    path = index_path(archive)
    drawn = draw_queries(sample, queries, CATEGORIES)
    progress(f"search: {len(drawn)} queries, best of {ROUNDS}")
    timed = [timed_search(path, query) for query in drawn]
    times = [ms for ms, _cpu, _ranked in timed]
    kinds: dict[str, list[float]] = {}
    for query, ms in zip(drawn, times, strict=True):
        kinds.setdefault(query.kind, []).append(ms)
    shards = sorted(archive.glob("*/articles-*.jsonl"))
    plain = [(q, ms) for q, ms in zip(drawn, times, strict=True) if not q.filtered]
    plain = plain[:grep_queries]
    progress(f"search: grep -c of {len(plain)} of them over {len(shards)} shards")
    grep = [timed_grep(shards, query.text) for query, _ms in plain]
    return Result(
        articles=articles,
        shard_bytes=sum(shard.stat().st_size for shard in shards),
        index_bytes=path.stat().st_size,
        build_seconds=build.seconds,
        build_cpu=build_cpu,
        update_seconds=update.seconds,
        update_cpu=update_cpu,
        update_records=update_records,
        query_ms=times,
        kinds=kinds,
        query_cpu_ms=[cpu for _ms, cpu, _ranked in timed],
        unranked=sum(not ranked for _ms, _cpu, ranked in timed),
        grep_ms=grep,
        index_ms_of_grepped=[ms for _q, ms in plain],
    )


def passed(result: Result) -> bool:
    return (
        result.p95 <= P95_MS
        and result.build_rate >= BUILD_PER_SECOND
        and result.update_seconds <= UPDATE_SECONDS
    )


def report_lines(result: Result) -> list[str]:
    def ms(values: Sequence[float]) -> str:
        return (
            f"{statistics.median(values):.2f} / {percentile(values, 95):.2f} / {max(values):.2f} ms"
        )

    grep_median = statistics.median(result.grep_ms)
    index_median = statistics.median(result.index_ms_of_grepped)
    lines = [
        f"{result.articles:,} articles, {result.shard_bytes / 1e6:,.0f} MB of JSONL shards; "
        f"index {result.index_bytes / 1e6:,.0f} MB",
        "",
        "| what | measured | target |",
        "| --- | ---: | ---: |",
        f"| full build | {result.build_seconds:.1f} s ({result.build_cpu:.1f} s CPU), "
        f"{result.build_rate:,.0f} articles/s | ≥ {BUILD_PER_SECOND:,} articles/s |",
        f"| update after a run of {result.update_records} records "
        f"({result.update_records - REMOVED} changed, {REMOVED} removed) "
        f"| {result.update_seconds * 1000:.0f} ms ({result.update_cpu * 1000:.0f} ms CPU) "
        f"| ≤ {UPDATE_SECONDS:.0f} s |",
        f"| {len(result.query_ms)} queries: p50 / p95 / max | {ms(result.query_ms)} "
        f"| p95 ≤ {P95_MS:.0f} ms |",
        f"| … their CPU time: p50 / p95 / max | {ms(result.query_cpu_ms)} | |",
    ]
    for kind, values in result.kinds.items():
        lines.append(f"| … {len(values)} {kind} queries: p50 / p95 / max | {ms(values)} | |")
    lines.append(
        f"| … of which too broad to rank (words in more than {RANK_LIMIT:,} articles: newest "
        f"first) | {result.unranked} | |"
    )
    lines += [
        f"| `grep -c -F -i` over the shards, {len(result.grep_ms)} of the word and phrase "
        f"queries: p50 / p95 / max | {ms(result.grep_ms)} | the floor |",
        f"| the same queries through the index: p50 | {index_median:.2f} ms "
        f"| {grep_median / index_median:,.0f}× faster than grep |",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--grep-queries", type=int, default=20)
    parser.add_argument("--work", type=Path, help="keep the archive here (default: a temp dir)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        result = measure(
            args.articles,
            args.queries,
            args.changes,
            args.grep_queries,
            work,
            lambda line: print(line, file=sys.stderr, flush=True),
        )
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(report_lines(result)))
    return 0 if passed(result) else 1


if __name__ == "__main__":
    raise SystemExit(main())
