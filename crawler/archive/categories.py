"""Merging a category's listing pages, which arrive in any order, into one record each."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crawler.archive.atomic import atomic_write
from crawler.archive.shards import ShardInfo, encode_record
from crawler.items import Category, CategoryPage
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


def merge_category_pages(pages: Iterable[CategoryPage]) -> list[Category]:
    """One ``Category`` per first-page URL, sorted by that URL.

    Pages are taken in page-number order (arrival order breaks ties, so a page seen twice adds
    nothing new); each article URL is kept once, at its first position. The name is the one
    printed on the lowest-numbered page.
    """
    groups: dict[str, list[CategoryPage]] = {}
    for page in pages:
        groups.setdefault(first_page_url(page.url), []).append(page)
    merged = []
    for url in sorted(groups):
        ordered = sorted(groups[url], key=lambda page: page.page)  # stable: ties keep arrival
        articles = dict.fromkeys(link for page in ordered for link in page.articles)
        merged.append(Category(name=ordered[0].name, url=url, articles=list(articles)))
    return merged


def category_record(category: Category) -> dict[str, Any]:
    """A category as ``categories.jsonl`` holds it: its fields, then ``schema_version``.

    >>> category_record(Category(name="Film", url="https://a.example/c", articles=[]))
    {'type': 'category', 'name': 'Film', 'url': 'https://a.example/c', 'articles': [], \
'schema_version': 1}
    """
    return with_schema_version(dataclasses.asdict(category))


def write_categories(run_dir: Path, categories: Iterable[Category]) -> ShardInfo:
    """Publish ``categories.jsonl`` atomically (written even when empty, so every complete run
    has the same files) and describe it for the manifest."""
    lines = [encode_record(category_record(category)) for category in categories]
    data = b"".join(lines)
    atomic_write(run_dir / CATEGORIES_FILE, data)
    return ShardInfo(CATEGORIES_FILE, len(lines), hashlib.sha256(data).hexdigest())
