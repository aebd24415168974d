"""Merging a category's listing pages, which arrive in any order, into one record each."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Container, Iterable, Mapping
from pathlib import Path
from typing import Any

from crawler.archive.atomic import atomic_write
from crawler.archive.shards import DataFile, encode_record
from crawler.items import Category, ListingPage
from crawler.schema import with_schema_version
from crawler.urls import canonicalize, drop_param

CATEGORIES_FILE = "categories.jsonl"


def first_page_url(url: str) -> str:
    """The category's own URL for any of its listing pages: ``page`` dropped, canonical.

    Category pages already carry this URL; normalising again keeps the grouping right for
    items built elsewhere with the listing page's own URL.

    >>> first_page_url("https://articles.example/category.php?c=film-history&page=3")
    'https://articles.example/category.php?c=film-history'
    """
    return canonicalize(drop_param(url, "page"))


def merge_category_pages(pages: Iterable[ListingPage]) -> list[Category]:
    """One ``Category`` per first-page URL, sorted by that URL.

    Pages are taken in page-number order (arrival order breaks ties, so a page seen twice adds
    nothing new); each article URL is kept once, at its first position. The name is the one
    printed on the lowest-numbered page.
    """
    groups: dict[str, list[ListingPage]] = {}
    for page in pages:
        groups.setdefault(first_page_url(page.url), []).append(page)
    merged = []
    for url in sorted(groups):
        ordered = sorted(groups[url], key=lambda page: page.page)  # stable: ties keep arrival
        articles = dict.fromkeys(link for page in ordered for link in page.articles)
        merged.append(Category(name=ordered[0].name, url=url, articles=list(articles)))
    return merged


def complete_categories(
    pages: Iterable[ListingPage],
    previous: Mapping[str, Category],
    removed: Container[str] = frozenset(),
) -> list[Category]:
    """The run's categories when its listings may have stopped early: each category's pages
    from page 1 on without a gap, then the rest of the category as the last run recorded it,
    less the articles since removed, listed again here, or seen in another category now.
    Articles new to the category that a later page shows (a periodic sweep) go right after
    the article they follow there. Listings are newest first, so what a run did not fetch
    only moved down: the order stays the site's. A category no page of which the run fetched
    has no record in it (a run of the article spider lists no category).

    >>> before = {"c": Category(name="C", url="c", articles=["a", "b", "x", "d"])}
    >>> fresh = [ListingPage(name="C", url="c", page=1, articles=["n", "a"])]
    >>> [category.articles for category in complete_categories(fresh, before, {"x"})]
    [['n', 'a', 'b', 'd']]
    """
    groups: dict[str, list[ListingPage]] = {}
    for page in pages:
        groups.setdefault(first_page_url(page.url), []).append(page)
    seen_anywhere = {link for group in groups.values() for page in group for link in page.articles}
    merged = []
    for url in sorted(groups):
        ordered = sorted(groups.get(url, []), key=lambda page: page.page)
        head: dict[str, None] = {}
        later: list[ListingPage] = []
        expected, gap = 1, False
        for page in ordered:
            # Pages 1, 2, ... without a gap (a page seen twice adds nothing new).
            if not gap and page.page <= expected:
                head.update(dict.fromkeys(page.articles))
                expected = max(expected, page.page + 1)
            else:
                gap = True
                later.append(page)
        own = {link for page in ordered for link in page.articles}
        rest = [
            link
            for link in (previous[url].articles if url in previous else [])
            if link not in head
            and link not in removed
            and (link in own or link not in seen_anywhere)
        ]
        tail = list(rest)
        for page in later:
            tail = _place_new(tail, [link for link in page.articles if link not in head])
        name = ordered[0].name
        merged.append(Category(name=name, url=url, articles=[*head, *tail]))
    return merged


def _place_new(links: list[str], page: list[str]) -> list[str]:
    """``links`` with the articles of ``page`` it lacks placed as the page orders them: after
    the known article they follow there, or before the first known one when they open the
    page; at the end when the page shows no known article.

    >>> _place_new(["a", "b", "c"], ["x", "b", "y", "c"])
    ['a', 'x', 'b', 'y', 'c']
    """
    known = set(links)
    result = list(links)
    waiting: list[str] = []
    anchor: str | None = None
    for link in page:
        if link in known:
            position = result.index(link)
            if anchor is None:
                result[position:position] = waiting  # new ones opening the page
            waiting, anchor = [], link
        elif anchor is None:
            waiting.append(link)
        else:
            result.insert(result.index(anchor) + 1, link)
            anchor = link
        known.add(link)
    return result + waiting


def category_record(category: Category) -> dict[str, Any]:
    """A category as ``categories.jsonl`` holds it: its fields, then ``schema_version``.

    >>> category_record(Category(name="Film", url="https://a.example/c", articles=[]))
    {'type': 'category', 'name': 'Film', 'url': 'https://a.example/c', 'articles': [], \
'schema_version': 1}
    """
    return with_schema_version(dataclasses.asdict(category))


def write_categories(run_dir: Path, categories: Iterable[Category]) -> DataFile:
    """Publish ``categories.jsonl`` atomically (written even when empty, so every complete run
    has the same files) and describe it for the manifest."""
    lines = [encode_record(category_record(category)) for category in categories]
    data = b"".join(lines)
    atomic_write(run_dir / CATEGORIES_FILE, data)
    return DataFile(CATEGORIES_FILE, len(lines), hashlib.sha256(data).hexdigest())
