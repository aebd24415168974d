"""Publication dates as printed on the site, to ISO ``YYYY-MM-DD``."""

from __future__ import annotations

import re
from datetime import date

_MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

#: A date printed as ISO already (``datetime="2025-08-06"``), in ASCII digits only: ``\d``
#: below also matches other scripts' digits, which the ISO form does not keep.
_PLAIN_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_MONTH_FIRST = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_FIRST = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str | None) -> str | None:
    """ISO date from a ``datetime`` attribute or printed text; ``None`` if there is none.

    >>> parse_date("2025-08-06T09:00:00+00:00")
    '2025-08-06'
    >>> parse_date("Published Aug 6, 2025")
    '2025-08-06'
    >>> parse_date("August 06, 2025")
    '2025-08-06'
    >>> parse_date("6th September 2025")
    '2025-09-06'
    >>> parse_date("soon") is None
    True
    """
    if not text:
        return None
    if _PLAIN_ISO.fullmatch(text):  # what _ISO would find, with nothing to convert
        try:
            date.fromisoformat(text)
        except ValueError:
            return None
        return text
    if match := _ISO.search(text):
        return _iso(int(match[1]), int(match[2]), int(match[3]))
    if (match := _MONTH_FIRST.search(text)) and (month := _MONTHS.get(match[1].lower())):
        return _iso(int(match[3]), month, int(match[2]))
    if (match := _DAY_FIRST.search(text)) and (month := _MONTHS.get(match[2].lower())):
        return _iso(int(match[3]), month, int(match[1]))
    return None
