"""Queries of the search index: ranking, phrases, filters, snippets and refused queries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.archive.index import index_path, update_index
from crawler.archive.search import BOLD, QueryError, fts_query, search
from tests.archive.reader_runs import article, write_run


def essay(n: int, title: str, body: str, **fields: Any) -> dict[str, Any]:
    return article(n, title=title, body=body, **fields)


@pytest.fixture
def index(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    records = [
        essay(1, "Silent comedy", "The zeppelin appears once, late in the film."),
        essay(2, "Zeppelin", "A film about airships."),
        essay(3, "The festival circuit", "How the festival circuit shaped distribution."),
        essay(4, "Circuit training", "A festival of sport; the circuit of the city."),
        essay(5, "Co-production treaties", "Treaties that made co-production possible.",
              category="Film history", published="2019-03-02"),
        essay(6, "Café culture", "Screenings in a café, don't miss them.",
              category="Film history", published="2021-11-30"),
    ]  # fmt: skip
    write_run(root, "site-20261121T030000Z", records)
    update_index(root)
    return index_path(root)


def ids(results: object) -> list[str]:
    return [hit.id for hit in results.hits]  # type: ignore[attr-defined]


def test_a_word_in_the_title_outranks_it_in_the_body(index: Path) -> None:
    assert ids(search(index, "zeppelin")) == ["0000002", "0000001"]


def test_a_phrase_finds_the_words_together_only(index: Path) -> None:
    assert ids(search(index, '"festival circuit"')) == ["0000003"]
    assert sorted(ids(search(index, "festival circuit"))) == ["0000003", "0000004"]


def test_hyphens_apostrophes_and_accents(index: Path) -> None:
    assert ids(search(index, "co-production")) == ["0000005"]
    assert ids(search(index, "don't")) == ["0000006"]
    assert ids(search(index, "cafe")) == ["0000006"]


def test_filters_narrow_before_ranking(index: Path) -> None:
    assert (
        ids(search(index, "film", category="film HISTORY")) == []
    )  # its essays say "film" nowhere
    either = "treaties OR screenings"
    assert sorted(ids(search(index, either, category="film HISTORY"))) == ["0000005", "0000006"]
    assert ids(search(index, either, since="2021-11-30")) == ["0000006"]
    assert ids(search(index, either, until="2021-11-29")) == ["0000005"]
    assert ids(search(index, either, since="2019-03-03", until="2021-11-29")) == []


def test_limit_and_total(index: Path) -> None:
    results = search(index, "film", limit=1)
    assert len(results.hits) == 1 and results.total == 2


def test_the_snippet_marks_the_match(index: Path) -> None:
    [hit] = search(index, '"festival circuit"', category="National cinemas").hits[:1]
    assert "[festival circuit]" in hit.snippet
    [bold] = search(index, "airships", markers=BOLD).hits
    assert f"{BOLD[0]}airships{BOLD[1]}" in bold.snippet


def test_each_hit_says_what_and_where(index: Path) -> None:
    [hit] = search(index, "airships").hits
    assert hit.to_dict() | {"score": 0} == {
        "id": "0000002",
        "title": "Zeppelin",
        "published": "2025-08-06",
        "category": "National cinemas",
        "url": "https://articles.example/page.php?p=0000002",
        "version": 1,
        "run": "site-20261121T030000Z",
        "snippet": "A film about [airships].",
        "score": 0,
    }
    assert hit.score is not None and hit.score < 0  # BM25 as FTS5 ranks it: lower is better


@pytest.mark.parametrize("query", ['"unterminated', "film AND", "(film", "nosuchcolumn:film"])
def test_a_query_fts5_cannot_parse(index: Path, query: str) -> None:
    with pytest.raises(QueryError, match="cannot parse the query"):
        search(index, query)


def test_an_unknown_category_names_the_known_ones(index: Path) -> None:
    with pytest.raises(QueryError, match=r"'Westerns' \(categories: Film history, National"):
        search(index, "film", category="Westerns")


def test_an_empty_query(index: Path) -> None:
    with pytest.raises(QueryError, match="empty query"):
        search(index, "  ")


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("festival circuit", "festival circuit"),
        ('"festival circuit"', '"festival circuit"'),
        ("2019-03", '"2019-03"'),
        ("title:zeppelin OR body:airship*", "title:zeppelin OR body:airship*"),
        ('NEAR("silent comedy" zeppelin, 5)', 'NEAR("silent comedy" zeppelin, 5)'),
        ("Ελληνικά", "Ελληνικά"),
    ],
)
def test_fts_query(text: str, query: str) -> None:
    assert fts_query(text) == query


def test_a_query_in_too_many_articles_lists_the_newest_first(index: Path) -> None:
    """Past the rank limit (5,000 articles in use; 3 here) ranking would cost too long."""
    broad = search(index, "the OR a OR film", rank_limit=3)
    assert not broad.ranked and broad.total == 3
    published = [str(hit.published) for hit in broad.hits]
    assert published == sorted(published, reverse=True) and len(published) == 5
    assert [hit.id for hit in broad.hits][:4] == ["0000004", "0000003", "0000002", "0000001"]
    assert all(hit.score is None for hit in broad.hits)
    filtered = search(index, "the OR a OR film", category="film history", rank_limit=3)
    assert [hit.id for hit in filtered.hits] == ["0000006"] and not filtered.ranked
    assert search(index, "the OR a OR film", rank_limit=5).ranked
