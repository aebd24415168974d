"""Queries of the search index (``crawler.archive.index``): ranked hits with a snippet each.

A query is FTS5's syntax (words, ``"a phrase"``, ``AND`` / ``OR`` / ``NOT``, ``NEAR(...)``,
``prefix*``, ``title:word``), with one kindness: a word FTS5 would take apart, such as
``co-production`` or ``don't`` (punctuation other than FTS5's own ``"():*^+,``), is searched
as the phrase it spells. Hits are ranked by BM25
with the title weighted above the summary and the body (``crawler.archive.index_tables.RANK``); the
filters (category, published from / until) narrow the hits before ranking, not after.

Ranking has a bound. FTS5 computes BM25 for every article that matches (it cannot stop early),
1 to 1.5 µs each: a word found in all of 100,000 articles would take 150 ms. A query whose
words match more than ``RANK_LIMIT`` articles (before the filters) is therefore not ranked:
its hits come newest first (by ``published``), found through the date index with the filters
applied, and ``Results.ranked`` is false (``scrapy search`` says so, and suggests narrowing
the query). No Scrapy needed.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.archive.index_tables import WEIGHTS

#: How a snippet marks the matched words: on a terminal, bold; elsewhere, brackets.
BOLD = ("\x1b[1m", "\x1b[0m")
BRACKETS = ("[", "]")
#: Articles matching a query's words beyond which it is not ranked: ranking 4,600 took 4 ms of
#: CPU on this project's 2-core machine, plus, for BM25's document frequencies, a pass over the
#: positions of each word or phrase (7 ms for "of", in every article).
RANK_LIMIT = 5_000
#: Words of context in a snippet.
SNIPPET_WORDS = 16
ELLIPSIS = "…"
#: A chunk of a query: a quoted phrase (perhaps unterminated, which FTS5 will refuse), or a run
#: of other characters.
_CHUNK = re.compile(r'"[^"]*"?|[^\s"]+')
#: Characters that are FTS5 syntax outside a phrase; a chunk holding one is left as it is.
_SYNTAX = frozenset("():*^+,")
#: What FTS5 says of a query it cannot parse (other SQLite errors are not the query's fault).
_QUERY_ERRORS = ("fts5:", "syntax error", "unterminated string", "no such column")


class QueryError(ValueError):
    """A query FTS5 cannot parse, or a filter that cannot match."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One article that matches, best first; ``snippet`` has the matched words marked."""

    id: str
    title: str
    published: str | None
    category: str | None
    url: str
    version: int
    run: str
    snippet: str
    #: FTS5's BM25 rank: lower is better (it is negative); ``None`` for a query with too
    #: many hits to rank.
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "published": self.published,
            "category": self.category,
            "url": self.url,
            "version": self.version,
            "run": self.run,
            "snippet": self.snippet,
            "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class Results:
    hits: list[Hit]
    #: The articles that match the query and the filters, not only those returned. When
    #: ``ranked`` is false, the words alone matched more than this (``rank_limit``, where
    #: counting stopped), and the filters were not counted.
    total: int
    #: Whether the hits are ranked by BM25; if not, the query's words are in too many
    #: articles to rank in time, and the newest hits come first.
    ranked: bool = True


def fts_query(text: str) -> str:
    """``text`` as the FTS5 query to run: a word holding punctuation FTS5 would read as syntax
    or split on is quoted as a phrase; phrases, operators and FTS5 syntax are left alone.

    >>> fts_query("co-production")
    '"co-production"'
    >>> fts_query('"festival circuit" OR don\\'t')
    '"festival circuit" OR "don\\'t"'
    >>> fts_query("title:film NEAR(silent film) prefix*")
    'title:film NEAR(silent film) prefix*'
    """

    def quoted(found: re.Match[str]) -> str:
        chunk = found[0]
        plain = not chunk.startswith('"') and not _SYNTAX.intersection(chunk)
        if plain and not all(char.isalnum() or char == "_" for char in chunk):
            return f'"{chunk}"'
        return chunk

    return _CHUNK.sub(quoted, text.strip())


def _filters(
    category: str | None, since: str | None, until: str | None
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    values: list[object] = []
    if category is not None:
        clauses.append("a.category = ?")  # the column's collation is NOCASE
        values.append(category)
    if since is not None:
        clauses.append("a.published >= ?")
        values.append(since)
    if until is not None:
        clauses.append("a.published <= ?")
        values.append(until)
    return "".join(f" AND {clause}" for clause in clauses), values


def categories(db: sqlite3.Connection) -> list[str]:
    """The categories of the indexed articles, by name."""
    rows = db.execute(
        "SELECT DISTINCT category FROM articles WHERE category IS NOT NULL ORDER BY category"
    )
    return [str(name) for (name,) in rows]


def search(
    path: Path,
    query: str,
    *,
    category: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 10,
    markers: tuple[str, str] = BRACKETS,
    rank_limit: int | None = None,
) -> Results:
    """The ``limit`` best hits of ``query`` in the index at ``path`` and how many there are
    in all; ``since`` and ``until`` are ``YYYY-MM-DD`` bounds on ``published``, both included.
    A query whose words match more than ``rank_limit`` (default ``RANK_LIMIT``) articles,
    before the filters, is not ranked: its newest hits come first.
    ``QueryError`` for a query FTS5 cannot parse or a category no article has."""
    match = fts_query(query)
    if not match:
        raise QueryError("empty query")
    rank_limit = RANK_LIMIT if rank_limit is None else rank_limit
    db = sqlite3.connect(path, isolation_level=None)
    try:
        # One read transaction: every statement sees the same index, however a crawl's update
        # commits meanwhile (WAL: neither waits for the other).
        db.execute("BEGIN")
        if (
            category is not None
            and not db.execute(
                "SELECT 1 FROM articles WHERE category = ? LIMIT 1", (category,)
            ).fetchone()
        ):
            known = ", ".join(categories(db)) or "none"
            raise QueryError(f"no article in category {category!r} (categories: {known})")
        where, values = _filters(category, since, until)
        try:
            # The words first, counted no further than the limit (a count of a word found in
            # most articles would cost as much as ranking them).
            found = db.execute(_COUNT_WORDS, (match, rank_limit + 1)).fetchone()[0]
            ranked = found <= rank_limit
            if ranked and where:
                total = db.execute(_COUNT.format(where=where), (match, *values)).fetchone()[0]
            else:
                total = min(found, rank_limit)
            if ranked:
                source = _FILTERED if where else "FROM articles_fts"
                sql = _RANKED.format(source=source, where=where)
            else:
                sql = _NEWEST.format(where=where)
            snippets = (*markers, ELLIPSIS, SNIPPET_WORDS, match)
            rows = db.execute(sql, (*snippets, *values, limit)).fetchall() if found else []
            hits = [_hit(row) for row in rows]
        except sqlite3.OperationalError as exc:
            if any(sign in str(exc) for sign in _QUERY_ERRORS):
                raise QueryError(f"cannot parse the query {query!r}: {exc}") from None
            raise
    finally:
        db.close()
    return Results(hits, int(total), ranked)


_COLUMNS = "a.pk, a.id, a.title, a.published, a.category, a.url, a.version, a.run"
#: The hit's snippet, computed in the query that finds the hits and only for those returned:
#: apart, each would be a query of its own, which finds the words' positions in the index
#: again (a millisecond a hit for a phrase of common words). Parameters 1 to 5.
_SNIPPET = "snippet(articles_fts, -1, ?1, ?2, ?3, ?4)"
_MATCH = "articles_fts MATCH ?5"
_COUNT_WORDS = (
    "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)"
)
#: The matches that pass the filters, which read a small index (``articles_filters``) rather
#: than the table's rows.
_FILTERED = (
    "FROM articles_fts CROSS JOIN articles AS a INDEXED BY articles_filters "
    "ON a.pk = articles_fts.rowid"
)
_COUNT = f"SELECT count(*) {_FILTERED} WHERE articles_fts MATCH ?{{where}}"
#: BM25 over every match (FTS5 has no early stop for ranks), sorted by SQLite; the articles'
#: rows are read for the hits returned only. Not FTS5's ``ORDER BY rank``: reading its
#: ``rank`` column computes BM25 again, on a cursor of its own, which first counts the
#: articles of every phrase of the query once more (the whole position lists of its words).
_BM25 = f"bm25(articles_fts, {', '.join(map(str, WEIGHTS))})"
_RANKED = (
    f"SELECT {_COLUMNS}, hit.score, hit.snippet FROM (SELECT articles_fts.rowid AS pk, "
    f"{_BM25} AS score, {_SNIPPET} AS snippet {{source}} WHERE {_MATCH}{{where}} "
    "ORDER BY score, pk LIMIT ?) AS hit CROSS JOIN articles AS a ON a.pk = hit.pk "
    "ORDER BY hit.score, hit.pk"
)
#: The articles by date, newest first (an index), each checked against the query: stops at
#: the limit, however many articles match.
_NEWEST = (
    f"SELECT {_COLUMNS}, NULL, {_SNIPPET} FROM articles AS a CROSS JOIN articles_fts "
    f"ON articles_fts.rowid = a.pk WHERE {_MATCH}{{where}} "
    "ORDER BY a.published DESC, a.pk DESC LIMIT ?"
)


def _hit(row: tuple[Any, ...]) -> Hit:
    return Hit(
        id=row[1],
        title=row[2] or "",
        published=row[3],
        category=row[4],
        url=row[5] or "",
        version=int(row[6] or 0),
        run=row[7],
        # On one line (a body's paragraphs are separated by blank lines).
        snippet=" ".join(str(row[9] or "").split()),
        score=None if row[8] is None else float(row[8]),
    )
