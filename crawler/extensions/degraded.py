"""An article whose page lost a field: held for a template to read, not written degraded.

A redesign can leave the body where the page objects find it and move one field out of their
reach: the related cards in a new grid, the dek in a new element. Each page then still gives
a record, but one with ``related`` (or ``summary``) empty where the archive has it, and the
run would write every article again as changed, degraded. While the run may still learn a
template (``crawler.extensions.learning``), such a page is dropped with the reason
``lost_<field>`` and held, and so is a new article's page without a field (the archive cannot
say whether it lost it, and a template learned from the others would read it). Once the
crawl has nothing left to fetch, a collapse of the field's coverage (the drift alarm of
today) has a template learned, and anything less has the pages read again as they are and
written as changed, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.exceptions import DropItem

from crawler.coverage import COVERAGE_FIELDS, present
from crawler.digests import EMPTY_DIGESTS
from crawler.state import ArticleState
from crawler.stats import LOST_REASON

#: The drop reason's prefix: ``lost_related``.
LOST_PREFIX = LOST_REASON


class Degraded(DropItem):
    """An archived article's page gave a record without a field the archive has."""

    def __init__(self, url: str, field: str) -> None:
        super().__init__(f"degraded article ({field} lost): {url}", log_level="DEBUG")
        self.reason = LOST_PREFIX + field


def lost_field(record: Mapping[str, Any], known: ArticleState | None) -> str | None:
    """The first coverage field ``record`` lacks that the archived version ``known`` has;
    of an article not in the archive, the first it lacks (a new article read before a
    template is learned would be written without it).

    >>> from crawler.digests import field_digests
    >>> known = ArticleState(key="/a", url="u", version=1,
    ...     field_hashes=field_digests({"summary": None, "related": [{"url": "x"}]}))
    >>> lost_field({"summary": None, "related": []}, known)
    'related'
    >>> lost_field({"summary": None, "related": [{"url": "x"}]}, known) is None
    True
    >>> lost_field({"id": "1", "title": "T", "summary": None}, None)
    'summary'
    """
    archived = known.field_hashes if known is not None and known.live else None
    for name in COVERAGE_FIELDS:
        if present(record.get(name)):
            continue
        if archived is None:
            return name
        digest = archived.get(name)
        if digest is not None and digest not in EMPTY_DIGESTS:
            return name
    return None
