"""Field coverage: on what share of a run's article pages each record field was found.

A site that changes its template without notice shows up here first: the field whose markup
moved drops from (nearly) every page to none. The validation pipeline counts, the manifest
reports, the crawl state keeps each run's figures, and the drift alarms compare them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from crawler.contract import ARTICLE_FIELDS
from crawler.digests import EMPTY_DIGESTS
from crawler.stats import FIELD_PREFIX, PAGES_KEY

#: The record fields whose presence is counted (``type`` and ``url`` are always there).
COVERAGE_FIELDS: tuple[str, ...] = tuple(
    name for name in ARTICLE_FIELDS if name not in ("type", "url")
)


def present(value: object) -> bool:
    """A field is present when it has a value that is not empty.

    >>> present("x"), present(""), present(None), present([]), present([1])
    (True, False, False, False, True)
    """
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return value is not None


@dataclass(frozen=True, slots=True)
class Coverage:
    """Share (0 to 1) of ``pages`` article pages on which each field was found."""

    pages: int
    fields: Mapping[str, float]

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any]) -> Coverage:
        """From the counters the validation pipeline keeps.

        >>> Coverage.from_stats({PAGES_KEY: 4, FIELD_PREFIX + "title": 3}).fields["title"]
        0.75
        """
        pages = int(stats.get(PAGES_KEY, 0))
        return cls(
            pages,
            {
                name: round(int(stats.get(FIELD_PREFIX + name, 0)) / pages, 4) if pages else 0.0
                for name in COVERAGE_FIELDS
            },
        )

    @classmethod
    def from_field_hashes(cls, articles: Iterable[Mapping[str, str]]) -> Coverage:
        """Of archived articles, from the field digests the crawl state keeps (a field
        missing from the digests, as ``id`` is, counts as present: every record has it).

        >>> from crawler.digests import field_digests
        >>> full = field_digests({"title": "A", "summary": "S", "related": [1]})
        >>> empty = field_digests({"title": "B", "summary": None, "related": []})
        >>> Coverage.from_field_hashes([full, empty]).fields["summary"]
        0.5
        """
        pages = 0
        found: Counter[str] = Counter()
        for hashes in articles:
            pages += 1
            found.update(name for name in COVERAGE_FIELDS if hashes.get(name) not in EMPTY_DIGESTS)
        return cls(
            pages,
            {name: round(found[name] / pages, 4) if pages else 0.0 for name in COVERAGE_FIELDS},
        )

    def to_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "fields": dict(sorted(self.fields.items()))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Coverage:
        return cls(int(data["pages"]), {str(k): float(v) for k, v in data["fields"].items()})

    @classmethod
    def merge(cls, parts: Iterable[Coverage]) -> Coverage:
        """One run's coverage from its parts' (a distributed crawl's workers): pages add up,
        shares are weighted by pages.

        >>> Coverage.merge([Coverage(3, {"title": 1.0}), Coverage(1, {"title": 0.0})])
        Coverage(pages=4, fields={'title': 0.75})
        """
        parts = list(parts)
        pages = sum(part.pages for part in parts)
        names = sorted({name for part in parts for name in part.fields})
        return cls(
            pages,
            {
                name: round(sum(p.fields.get(name, 0.0) * p.pages for p in parts) / pages, 4)
                if pages
                else 0.0
                for name in names
            },
        )
