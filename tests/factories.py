"""Small builders for test items: valid by default, any field overridable, no HTML."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crawler.items import Article, Block, ListingPage, RelatedLink

ORIGIN = "https://articles.example"


def article_url(n: int) -> str:
    return f"{ORIGIN}/page.php?p={n:07d}"


def category_url(slug: str, page: int = 1) -> str:
    suffix = "" if page == 1 else f"&page={page}"
    return f"{ORIGIN}/category.php?c={slug}{suffix}"


def make_article(n: int = 1, /, **overrides: Any) -> Article:
    """A valid article numbered ``n``; distinct ``n`` give distinct URL, title and body."""
    blocks = [
        Block("heading", f"Part {n}"),
        Block("paragraph", f"Essay {n} opens with a long shot."),
    ]
    fields: dict[str, Any] = {
        "url": article_url(n),
        "id": f"{n:07d}",
        "title": f"Essay {n}.",
        "summary": f"Summary of essay {n}.",
        "published": "2025-08-06",
        "category": "National cinemas",
        "body": "\n\n".join(block.text for block in blocks),
        "blocks": blocks,
        "related": [RelatedLink(article_url(n + 1), "National cinemas", "Next.", "2025-08-07")],
    }
    fields.update(overrides)
    return Article(**fields)


def article_dict(n: int = 1, /, **overrides: Any) -> dict[str, Any]:
    """The same article as a plain dict, as another spider or a feed might produce it."""
    record = make_article(n).to_record()
    record.update(overrides)
    return record


def make_category_page(
    slug: str = "national-cinemas",
    page: int = 1,
    articles: Sequence[int] = (1, 2),
    name: str = "National cinemas",
) -> ListingPage:
    return ListingPage(
        name=name,
        url=category_url(slug, page),
        page=page,
        articles=[article_url(n) for n in articles],
    )
