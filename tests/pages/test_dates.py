from __future__ import annotations

import pytest

from crawler.pages.dates import parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-08-06", "2025-08-06"),
        ("2025-08-06T09:00:00+00:00", "2025-08-06"),
        ("August 06, 2025", "2025-08-06"),
        ("Published Aug 6, 2025", "2025-08-06"),
        ("Published Sept. 30, 2025", "2025-09-30"),
        ("6 August 2025", "2025-08-06"),
        ("Published on 1st March 2024", "2024-03-01"),
        ("  Published\n  December 31,\n 2024 ", "2024-12-31"),
    ],
)
def test_printed_dates(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", [None, "", "Published", "Smarch 3, 2025", "2025-02-30", "13/13/2025"]
)
def test_no_date(text: str | None) -> None:
    assert parse_date(text) is None
