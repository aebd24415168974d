"""The labelled pages learning reads: held pages of archived articles, with their records.

For an archived, unchanged article the archive holds the exact record its new page must
give; the page's head (JSON-LD headline, description, datePublished) proves which article it
is (``crawler.templates.learn.same_article``). Listing pages are labelled by the previous
run's category records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scrapy.http import HtmlResponse

from crawler.archive.reader import iter_records
from crawler.items import Category
from crawler.pages import ArticlePage, CategoryPage
from crawler.state import CrawlState
from crawler.templates.held import HeldPage, HeldPages
from crawler.templates.learn import Example, same_article
from crawler.templates.listing import ListingExample
from crawler.urls import path_key

Responder = Callable[[HeldPage], HtmlResponse | None]


def archived_examples(
    held: HeldPages,
    state: CrawlState,
    archive_dir: str,
    sample: int,
    response_of: Responder,
    origin: str | None,
) -> list[Example]:
    """Held pages of archived articles (an even spread of up to ``sample``), with their
    archived records, whose head says they are those articles."""
    known = []
    for page in held.pages("article"):
        article = state.article(path_key(page.url))
        if article is not None and article.live and article.id and page.stored:
            known.append((page, article.id, article.content_hash))
    known.sort(key=lambda entry: entry[1])
    step = max(1, len(known) // sample) if sample else 1
    chosen = known[::step][:sample]
    records = archived_records(archive_dir, {ident: digest for _p, ident, digest in chosen})
    examples = []
    for page, ident, _digest in chosen:
        response = response_of(page)
        record = records.get(ident)
        if response is None or record is None:
            continue
        article_page = ArticlePage.from_response(response, origin)
        if same_article(article_page, record):
            examples.append(Example(article_page, record))
    return examples


def listing_examples_of(
    held: HeldPages, state: CrawlState, response_of: Responder, origin: str | None
) -> list[ListingExample]:
    previous: Mapping[str, Category] = state.previous_categories()
    examples = []
    for page in held.pages("listing"):
        response = response_of(page)
        if response is None:
            continue
        listing = CategoryPage.from_response(response, origin)
        category = previous.get(listing.url())
        if category is not None:
            examples.append(ListingExample(listing, category))
    return examples


def archived_records(
    archive_dir: str, wanted: Mapping[str, str | None]
) -> dict[str, dict[str, Any]]:
    """The archived record of each wanted article id, the version with that content hash."""
    found: dict[str, dict[str, Any]] = {}
    try:
        for record in iter_records(archive_dir, latest=False):
            ident = str(record.get("id"))
            if ident in wanted and record.get("content_hash") == wanted[ident]:
                found[ident] = record
                if len(found) == len(wanted):
                    break
    except (FileNotFoundError, NotADirectoryError):
        pass
    return found
