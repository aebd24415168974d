"""Search and history on a real archive: two crawls of the bundled sample site, 5 articles
edited and 3 removed between them (``tests.sample_archive``), whose index the crawls kept up
to date at the end of each run.

- 50 phrases drawn at random (seeded) from the archive's articles: each finds its article, at
  rank 1 or behind articles holding the same phrase;
- ``--category`` and ``--since`` keep exactly the hits they should;
- a removed article is never a hit;
- ``scrapy history`` of an edited article shows its 2 versions and exactly the edited sentence;
- Datasette serves the index and finds a phrase through its JSON API.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import time
import unicodedata
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.archive import iter_records
from crawler.archive.index import index_path, rebuild_index
from crawler.archive.search import search
from tests.commands.as_typed import ROOT, scrapy
from tests.folders import archive_folders
from tests.redis_server import free_port
from tests.sample_archive import ADDED, TwoRuns, two_run_archive
from tests.test_docs import wait_for_port

pytestmark = pytest.mark.e2e

PHRASES = 50
PHRASE_WORDS = 4
EDIT = ADDED.decode().removeprefix("<p>").removesuffix("</p>")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    """A copy of the session's two-run archive, index and all (tests here write to it)."""
    shared = two_run_archive(tmp_path_factory)
    copy = tmp_path_factory.mktemp("search") / "archive"
    shutil.copytree(shared.archive, copy)
    return TwoRuns(copy, shared.changed, shared.removed)


@pytest.fixture(scope="module")
def articles(built: TwoRuns) -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in iter_records(built.archive)}


def words(text: str) -> list[str]:
    """Text as FTS5's unicode61 tokenizer sees it: letters and digits, case and accents
    folded."""
    folded = "".join(
        char
        for char in unicodedata.normalize("NFKD", text.lower())
        if not unicodedata.combining(char)
    )
    return re.findall(r"[^\W_]+", folded)


def holds(record: dict[str, Any], phrase: list[str]) -> bool:
    for field in ("title", "summary", "body"):
        tokens = words(record.get(field) or "")
        if any(tokens[i : i + len(phrase)] == phrase for i in range(len(tokens))):
            return True
    return False


def test_the_crawls_kept_the_index_as_a_rebuild_makes_it(built: TwoRuns) -> None:
    def dump() -> list[tuple[object, ...]]:
        import sqlite3

        db = sqlite3.connect(index_path(built.archive))
        rows = sorted(db.execute("SELECT id, version, content_hash, run, position FROM articles"))
        db.close()
        return rows

    kept = dump()
    assert len(kept) == 237
    rebuild_index(built.archive)
    assert dump() == kept


def test_a_phrase_from_an_article_finds_it(
    built: TwoRuns, articles: dict[str, dict[str, Any]]
) -> None:
    draw = random.Random(15)
    for article_id in draw.sample(sorted(articles), PHRASES):
        tokens = words(articles[article_id]["body"])
        start = draw.randrange(len(tokens) - PHRASE_WORDS)
        phrase = tokens[start : start + PHRASE_WORDS]
        results = search(index_path(built.archive), f'"{" ".join(phrase)}"', limit=1000)
        found = [hit.id for hit in results.hits]
        assert article_id in found, phrase
        rank = found.index(article_id)
        # At rank 1, or behind articles that hold the same phrase.
        assert all(holds(articles[other], phrase) for other in found[: rank + 1]), phrase


def test_category_and_since_keep_exactly_their_hits(
    built: TwoRuns, articles: dict[str, dict[str, Any]]
) -> None:
    path = index_path(built.archive)
    everything = [hit.id for hit in search(path, "film", limit=1000).hits]
    categories = {articles[i]["category"] for i in everything}
    assert len(categories) >= 3
    for category in categories:
        hits = search(path, "film", category=category, limit=1000).hits
        assert [hit.id for hit in hits] == [
            i for i in everything if articles[i]["category"] == category
        ]
    since = sorted(articles[i]["published"] for i in everything)[len(everything) // 2]
    later = [hit.id for hit in search(path, "film", since=since, limit=1000).hits]
    assert later == [i for i in everything if articles[i]["published"] >= since]
    assert 0 < len(later) < len(everything)


def test_a_removed_article_is_never_a_hit(built: TwoRuns) -> None:
    first_run = archive_folders(built.archive)[0]
    gone = {r["id"]: r for r in iter_records(first_run) if r["id"] in built.removed}
    assert sorted(gone) == sorted(built.removed)
    path = index_path(built.archive)
    for record in gone.values():
        for query in (record["title"], " ".join(words(record["body"])[:PHRASE_WORDS])):
            hits = search(path, f'"{" ".join(words(query))}"', limit=1000).hits
            assert record["id"] not in {hit.id for hit in hits}


def test_history_of_an_edited_article_shows_the_edited_sentence(built: TwoRuns) -> None:
    article_id = built.changed[0]
    shown = scrapy(ROOT, "history", article_id, "--diff", "--archive", str(built.archive))
    as_json = scrapy(
        ROOT, "history", article_id, "--diff", "--json", "--archive", str(built.archive)
    )

    assert shown.returncode == as_json.returncode == 0, shown.stderr
    first, second = (json.loads(line) for line in as_json.stdout.splitlines())
    assert (first["version"], second["version"]) == (1, 2)
    assert second["changed_fields"] == ["body", "blocks"]
    [body] = second["diff"]
    [hunk] = body["hunks"]
    assert [segment for segment in hunk if segment[0] != "="] == [["+", EDIT]]
    lines = shown.stdout.splitlines()
    assert len(lines) == 6 and lines[0].endswith(": 2 version(s)")
    assert lines[4:6] == ["    body:", f"      {{+{EDIT}+}} " + hunk[1][1]]


def test_scrapy_search_on_the_sample_archive(built: TwoRuns) -> None:
    result = scrapy(
        ROOT, "search", "co-production", "--json", "--limit", "3", "--archive", str(built.archive)
    )
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(hits) == 3
    assert all("[co-production]" in hit["snippet"].lower() for hit in hits)


@pytest.fixture(scope="module")
def datasette(built: TwoRuns, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("datasette") / "datasette.log"
    command = [
        str(Path(sys.executable).parent / "datasette"),
        "serve",
        str(index_path(built.archive)),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        if not wait_for_port(str(port), 30):
            pytest.fail(f"datasette did not start: {log.read_text()[-2000:]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def get_json(url: str) -> Any:
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_datasette_searches_and_facets_the_index(
    built: TwoRuns, articles: dict[str, dict[str, Any]], datasette: str
) -> None:
    article_id = built.changed[0]
    phrase = " ".join(words(articles[article_id]["title"]))
    query = urllib.parse.urlencode({"_search": phrase, "_shape": "objects"})
    found = get_json(f"{datasette}/index/articles.json?{query}")
    assert article_id in {row["id"] for row in found["rows"]}
    faceted = get_json(f"{datasette}/index/articles.json?_facet=category&_size=0")
    counts = {
        item["value"]: item["count"] for item in faceted["facet_results"]["category"]["results"]
    }
    expected: dict[str, int] = {}
    for record in articles.values():
        expected[record["category"]] = expected.get(record["category"], 0) + 1
    assert counts == expected
