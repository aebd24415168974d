"""The run table, the latest crawl's categories, and a crawl's closing summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.archive.report import load_runs, report, run_table, summary
from crawler.archive.shards import ShardWriter
from tests.factories import make_article


def write_run(archive: Path, name: str, **counts: Any) -> Path:
    """A finished run folder: a shard of ``counts["new"]`` article records, categories,
    and a manifest with ``counts``."""
    run = archive / name
    run.mkdir(parents=True)
    with ShardWriter(run) as writer:
        for n in range(counts.get("new", 0)):
            writer.write({**make_article(n + 1).to_record(), "version": 1})
    (run / "categories.jsonl").write_text(
        json.dumps({"type": "category", "name": "National cinemas", "articles": ["a", "b"]}) + "\n"
    )
    articles = {k: counts.get(k, 0) for k in ("new", "changed", "unchanged", "removed")}
    manifest = {
        "spider": "site",
        "started_at": name.split("-")[1],
        "finish_reason": "finished",
        "alarms": counts.get("alarms", []),
        "counts": {
            "articles": articles,
            "categories_written": 1,
            "duplicates": {"url": 0, "content": 1},
            "dropped": {"missing_title": 2},
            "pages_failed": counts.get("pages_failed", {}),
        },
    }
    for key in ("requests", "freshness", "lastmod", "coverage", "archive_coverage"):
        if key in counts:
            manifest[key] = counts[key]
    (run / "manifest.json").write_text(json.dumps(manifest))
    return run


REQUESTS = {
    "robots": 2, "sitemap": 1, "listing": 30, "new": 0, "lastmod": 0, "due": 103,
    "trust_sample": 15, "verify_removal": 0, "other": 3,
}  # fmt: skip
FRESHNESS = {"bound_days": 30.0, "oldest_verified": "x", "oldest_age_days": 7.0, "overdue": 0}


def test_runs_are_tabled_oldest_first_with_their_outcomes(tmp_path: Path) -> None:
    write_run(tmp_path, "site-20250807T000000Z", changed=10, unchanged=90, removed=5)
    write_run(tmp_path, "site-20250806T000000Z", new=3, pages_failed={"404": 2, "503": 1})
    (tmp_path / "site-20250808T000000Z").mkdir()  # running, or stopped

    header, _rule, *rows = run_table(load_runs(tmp_path))
    assert header.split() == [
        "run", "started", "spider", "new", "changed", "unchanged", "removed", "failed", "alarms"
    ]  # fmt: skip
    assert [row.split()[3:] for row in rows] == [
        ["3", "0", "0", "0", "3", "0"],
        ["0", "10", "90", "5", "0", "0"],
        ["-", "-", "-", "-", "-", "unfinished"],
    ]


def test_the_latest_crawl_is_counted_by_category(tmp_path: Path) -> None:
    write_run(tmp_path, "site-20250806T000000Z", new=3)
    lines = report(tmp_path)
    at = lines.index("categories of the latest crawl, site-20250806T000000Z:")
    assert lines[at + 3].split() == ["National", "cinemas", "2", "3", "0"]


def test_a_finished_crawl_is_summed_up_in_a_few_lines(tmp_path: Path) -> None:
    run = write_run(tmp_path, "site-20250806T000000Z", new=2, alarms=["the site moved"])
    lines = summary(run, "finished")
    assert lines[0] == (
        "run site-20250806T000000Z finished: 2 new, 0 changed, 0 unchanged, 0 removed "
        "articles; 1 categories"
    )
    assert "items dropped: missing_title: 2" in lines[1]
    assert lines[-1] == "  alarm: the site moved"


def test_a_stopped_crawl_says_it_can_be_resumed(tmp_path: Path) -> None:
    run = tmp_path / "site-20250806T000000Z"
    run.mkdir()
    [line] = summary(run, "shutdown")
    assert "stopped (shutdown)" in line and "resumes it" in line


def test_an_empty_archive_says_so(tmp_path: Path) -> None:
    assert report(tmp_path) == [f"{tmp_path} is an empty archive: 0 runs"]


def test_each_run_s_requests_and_freshness_are_tabled(tmp_path: Path) -> None:
    write_run(tmp_path, "site-20250806T000000Z", new=3)  # a manifest without them: no row
    write_run(
        tmp_path,
        "site-20250807T000000Z",
        unchanged=118,
        requests=REQUESTS,
        freshness=FRESHNESS,
        lastmod={"state": "trusted"},
    )
    lines = report(tmp_path)
    start = lines.index("requests by purpose, and freshness after each run:")
    header, _rule, row = lines[start + 1 : start + 4]
    assert header.split()[:3] == ["run", "requests", "robots"]
    assert row.split() == [
        "site-20250807T000000Z", "154", "2", "1", "30", "0", "0", "103", "15", "0", "0", "3",
        "7.0", "0", "30", "trusted",
    ]  # fmt: skip


def test_a_finished_crawl_s_summary_says_what_it_cost(tmp_path: Path) -> None:
    run = write_run(tmp_path, "site-20250807T000000Z", requests=REQUESTS, freshness=FRESHNESS)
    lines = summary(run, "finished")
    assert (
        "  requests: 154 (robots 2, sitemap 1, listing 30, due 103, trust_sample 15, "
        + ("other 3)")
        in lines
    )
    assert "  freshness: oldest check 7.0 days ago, 0 overdue (bound 30 days)" in lines
