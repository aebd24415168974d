"""The article record contract of SITE.md, as one check shared by the validation pipeline and
``extract_article``: a record either satisfies every rule or is not an article."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: Keys every article record carries (SITE.md, "The article record").
ARTICLE_FIELDS: tuple[str, ...] = (
    "type",
    "url",
    "id",
    "title",
    "summary",
    "published",
    "category",
    "body",
    "blocks",
    "related",
)
RELATED_FIELDS: tuple[str, ...] = ("url", "category", "summary", "published")
BLOCK_KINDS: frozenset[str] = frozenset({"heading", "paragraph"})

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HTTP_URL = re.compile(r"https?://[^\s/]+/\S*")


def _nonempty_str(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def violation(record: Mapping[str, Any]) -> str | None:
    """The first way ``record`` breaks the contract, as a short stats-key-safe reason
    (``"missing_title"``, ``"bad_published"``...), or ``None`` when it is a valid article.

    >>> violation({"type": "article"})
    'missing_url'
    """
    for key in ARTICLE_FIELDS:
        if key not in record:
            return f"missing_{key}"
    if record["type"] != "article":
        return "bad_type"
    for key in ("url", "id", "title", "published", "category", "body"):
        if not _nonempty_str(record[key]):
            return f"missing_{key}"
    if not _HTTP_URL.fullmatch(record["url"]):
        return "bad_url"
    if not _ISO_DATE.fullmatch(record["published"]):
        return "bad_published"
    if record["summary"] is not None and not isinstance(record["summary"], str):
        return "bad_summary"
    return _blocks_violation(record["blocks"], record["body"]) or _related_violation(
        record["related"]
    )


def _blocks_violation(blocks: object, body: str) -> str | None:
    if not isinstance(blocks, list) or not blocks:
        return "missing_blocks"
    texts = _valid_block_texts(blocks)
    if texts is not None:
        return None if "\n\n".join(texts) == body else "body_blocks_mismatch"
    texts = []
    for block in blocks:
        if not isinstance(block, Mapping) or block.get("kind") not in BLOCK_KINDS:
            return "bad_blocks"
        if not _nonempty_str(block.get("text")):
            return "bad_blocks"
        texts.append(block["text"])
    if "\n\n".join(texts) != body:
        return "body_blocks_mismatch"
    return None


def _valid_block_texts(blocks: list[Any]) -> list[str] | None:
    """The texts of ``blocks`` when every block is a plain dict of a known kind and a
    non-blank ``str`` text (what extraction builds), else ``None`` for the per-block loop to
    name the fault. Passes in C over a body of thousands of blocks, where the loop's
    ``Mapping`` check alone cost more than building them."""
    if set(map(type, blocks)) != {dict}:
        return None
    try:
        kinds = {block.get("kind") for block in blocks}
    except TypeError:  # an unhashable kind: the loop meets it in its place
        return None
    texts = [block.get("text") for block in blocks]
    if not kinds <= BLOCK_KINDS or set(map(type, texts)) != {str}:
        return None
    return texts if all(map(str.strip, texts)) else None


def _related_violation(related: object) -> str | None:
    if not isinstance(related, list):
        return "bad_related"
    for link in related:
        if not isinstance(link, Mapping) or any(key not in link for key in RELATED_FIELDS):
            return "bad_related"
        if not _nonempty_str(link["url"]):
            return "bad_related"
        if link["published"] is not None and not _ISO_DATE.fullmatch(str(link["published"])):
            return "bad_related"
    return None
