"""What makes two versions of an article the same: digests of the record's content fields.

The crawl state keeps these digests, not the pages, so a rerun can tell a changed article from
an unchanged one (and say which fields changed) whatever happened to the page's markup: a
redesign that keeps the text gives the same digests. Pure functions, no Scrapy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from crawler.contract import ARTICLE_FIELDS

#: The fields whose values make an article's content; ``type``, ``url`` and ``id`` name the
#: article and the version fields describe the record, so neither is content.
CONTENT_FIELDS: tuple[str, ...] = tuple(
    name for name in ARTICLE_FIELDS if name not in ("type", "url", "id")
)


def _canonical_json(value: Any) -> bytes:
    # Sorted keys and no whitespace: the same value always gives the same bytes.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _blank_as_empty(value: Any) -> Any:
    # A value of only white space is no value (``crawler.coverage.present``): it digests as
    # the empty string, so the archive's coverage and a run's agree on it.
    return "" if isinstance(value, str) and not value.strip() else value


def content_digests(record: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """The record's content hash and each content field's digest, from one encoding of each
    field (the hash is over the JSON list of the fields, which is their encodings joined).

    >>> whole, fields = content_digests({"title": "A"})
    >>> whole == content_hash({"title": "A"}), fields == field_digests({"title": "A"})
    (True, True)
    """
    parts = [_canonical_json(_blank_as_empty(record.get(name))) for name in CONTENT_FIELDS]
    whole = hashlib.sha256(b"[" + b",".join(parts) + b"]").hexdigest()
    return whole, {name: _digest(part) for name, part in zip(CONTENT_FIELDS, parts, strict=True)}


def _digest(part: bytes) -> str:
    return hashlib.blake2b(part, digest_size=8).hexdigest()


#: The digests of a field without a value (``None``, ``""``, ``[]``): coverage tells a present
#: field from a missing one by its digest alone.
_EMPTY_VALUES: tuple[Any, ...] = (None, "", [])
EMPTY_DIGESTS: frozenset[str] = frozenset(_digest(_canonical_json(v)) for v in _EMPTY_VALUES)


def field_digests(record: Mapping[str, Any]) -> dict[str, str]:
    """A short digest of each content field's value (64 bits: enough to tell one article's
    versions apart, and small enough to keep for every article of a large site).

    >>> field_digests({"title": "A", "summary": None})["title"]
    '11c3c44c1653c09c'
    """
    return content_digests(record)[1]


def content_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the record's content fields: of the JSON list of their values, in
    ``CONTENT_FIELDS`` order, keys sorted, no whitespace (a value of only white space counts
    as the empty string).

    >>> content_hash({"title": "A"}) == content_hash({"title": "A", "url": "https://x/"})
    True
    >>> content_hash({"title": "A"}) == content_hash({"title": "B"})
    False
    """
    return content_digests(record)[0]


def changed_fields(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Content fields whose digests differ, in ``CONTENT_FIELDS`` order; a field missing from
    ``before`` (state written by an older version) counts as changed.

    >>> changed_fields({"title": "1", "body": "2"}, {"title": "1", "body": "3"})
    ['body']
    """
    return [name for name in CONTENT_FIELDS if before.get(name) != after.get(name)]


def url_key(url: str) -> bytes:
    """Digest of a canonical URL: how deduplication claims a URL."""
    return hashlib.sha256(url.encode("utf-8")).digest()


def content_key(title: str, body: str) -> bytes:
    """Digest of what makes two articles the same essay (SITE.md: identical title and body).

    The NUL separator keeps ``("ab", "c")`` and ``("a", "bc")`` apart.
    """
    return hashlib.sha256(f"{title}\0{body}".encode()).digest()
