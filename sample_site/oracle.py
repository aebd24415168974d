"""Expected records, computed from the model alone.

Nothing here parses HTML: a record is what the generator *meant* the page to say, so comparing
it with what the crawler extracts tests the crawler, not a copy of it. URLs carry the origin
placeholder until ``expected`` substitutes it.
"""

from __future__ import annotations

from typing import Any

from sample_site.model import Article, Listing, Site, inline_text, normalize
from sample_site.placeholders import ORIGIN

Record = dict[str, Any]


def article_url(article_id: str) -> str:
    return f"{ORIGIN}/page.php?p={article_id}"


def category_url(slug: str, page: int = 1) -> str:
    base = f"{ORIGIN}/category.php?c={slug}"
    return base if page == 1 else f"{base}&page={page}"


def _summary(article: Article) -> str | None:
    if article.summary is not None:
        return inline_text(article.summary)
    if article.meta_description is not None:
        return normalize(article.meta_description)
    return None


def article_record(article: Article) -> Record | None:
    """The record SITE.md asks for, or ``None`` for a page that is not an article."""
    if not article.is_record:
        return None
    blocks = article.blocks
    return {
        "type": "article",
        "url": f"{ORIGIN}{article.url_path}",
        "id": article.id,
        "title": article.title_text,
        "summary": _summary(article),
        "published": article.published.isoformat(),
        "category": article.category.name,
        "body": "\n\n".join(text for _, text in blocks),
        "blocks": [{"kind": kind, "text": text} for kind, text in blocks],
        "related": [
            {
                "url": article_url(card.article_id),
                "category": card.category.name,
                "summary": normalize(card.summary),
                "published": card.published.isoformat(),
            }
            for card in article.related or ()
        ],
    }


def listing_urls(listing: Listing, page: int | None = None) -> list[str]:
    """Canonical article URLs of one page, or of all pages in order, each once."""
    pages = listing.pages if page is None else (listing.pages[page - 1],)
    urls = [article_url(card.article_id) for cards in pages for card in cards]
    return list(dict.fromkeys(urls))


def category_record(listing: Listing) -> Record:
    """The per-run category record SITE.md describes."""
    return {
        "type": "category",
        "name": listing.category.name,
        "url": category_url(listing.category.slug),
        "articles": listing_urls(listing),
    }


def next_url(listing: Listing, page: int) -> str | None:
    """Canonical URL the ``next`` link of ``page`` points to; a loop points at page 1."""
    if page < len(listing.pages):
        return category_url(listing.category.slug, page + 1)
    return None if listing.loop == "none" else category_url(listing.category.slug)


def category_page_record(listing: Listing, page: int) -> Record:
    """What a category fixture expects from listing page ``page``."""
    return {
        "name": listing.category.name,
        "url": category_url(listing.category.slug),
        "page": page,
        "articles": listing_urls(listing, page),
        "next": next_url(listing, page),
    }


def site_summary(site: Site) -> Record:
    """``expected/site.json``: which pages must, and must not, become records."""
    records = {a.id: article_record(a) for a in site.articles}
    republished = {copy for _, copy in site.duplicates}
    variants: dict[str, list[str]] = {}
    for article in (*site.articles, *site.private_pages):
        for variant in article.variants:
            variants.setdefault(variant, []).append(article.id)
    return {
        "origin_placeholder": ORIGIN,
        "archived_ids": sorted(i for i, r in records.items() if r and i not in republished),
        "duplicates": [list(pair) for pair in site.duplicates],
        "not_article_ids": sorted(i for i, r in records.items() if r is None),
        "not_found_ids": list(site.not_found_ids),
        "flaky_ids": list(site.flaky_ids),
        "sitemap_only_ids": list(site.sitemap_only_ids),
        "redirects": [{"from": r.source, "to": r.target, "status": 301} for r in site.redirects],
        "disallowed_paths": [
            *(page.url_path for page in site.private_pages),
            *site.search_paths,
        ],
        "windows_1252_ids": sorted(a.id for a in site.articles if a.encoding != "utf-8"),
        "categories": [
            {
                "slug": listing.category.slug,
                "name": listing.category.name,
                "pages": len(listing.pages),
                "loops_to_first_page": listing.loop != "none",
            }
            for listing in site.listings
        ],
        "variants": {name: sorted(ids) for name, ids in sorted(variants.items())},
    }
