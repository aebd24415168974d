"""Which record an item is, for dataclass items and plain dicts alike."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from crawler.contract import ARTICLE_FIELDS
from crawler.items import Article, ListingPage, PageGone, Removed
from crawler.schema import with_schema_version

#: ``type`` value a plain-dict ``ListingPage`` carries (the dataclass has no ``type`` field,
#: since it is never written as is).
CATEGORY_PAGE_TYPE = "category_page"


def _type_of(item: Any) -> object:
    return ItemAdapter(item).get("type") if ItemAdapter.is_item(item) else None


def is_article(item: Any) -> bool:
    """``Article`` instances, and dicts with ``"type": "article"``.

    >>> is_article({"type": "article"}), is_article({"type": "category"})
    (True, False)
    """
    return isinstance(item, Article) or _type_of(item) == "article"


def is_category_page(item: Any) -> bool:
    """``ListingPage`` instances, and dicts with ``"type": "category_page"``."""
    return isinstance(item, ListingPage) or _type_of(item) == CATEGORY_PAGE_TYPE


def is_page_gone(item: Any) -> bool:
    return isinstance(item, PageGone)


def is_removed(item: Any) -> bool:
    """``Removed`` instances, and dicts with ``"type": "removed"``."""
    return isinstance(item, Removed) or _type_of(item) == "removed"


def article_record(item: Any) -> dict[str, Any]:
    """An article item as its JSON record, keys in contract order, extra keys after them."""
    if isinstance(item, Article):
        return item.to_record()
    record = ItemAdapter(item).asdict()
    ordered = {key: record[key] for key in ARTICLE_FIELDS if key in record}
    ordered.update(record)
    return ordered


def archive_record(item: Any) -> dict[str, Any]:
    """An article or removed item as the archive writes it: its record, then
    ``schema_version`` (``crawler.schema``). Extraction (``extract_article``) stops at
    ``article_record``; this is what the schema validates and the shard stores."""
    record = article_record(item) if is_article(item) else ItemAdapter(item).asdict()
    return with_schema_version(record)


def category_page(item: Any) -> ListingPage:
    """A category-page item, dataclass or dict, as a ``ListingPage``."""
    if isinstance(item, ListingPage):
        return item
    adapter = ItemAdapter(item)
    return ListingPage(
        name=str(adapter["name"]),
        url=str(adapter["url"]),
        page=int(adapter["page"]),
        articles=[str(url) for url in adapter.get("articles") or ()],
    )
