"""The record contract's block rules: the reason each fault is named by, whichever way the
check reads the blocks (the bulk pass for plain dicts, the per-block loop for the rest)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from crawler.contract import violation

PARAGRAPH = {"kind": "paragraph", "text": "One."}
HEADING = {"kind": "heading", "text": "Two"}


def record(blocks: object, body: str = "One.\n\nTwo") -> dict[str, Any]:
    return {
        "type": "article",
        "url": "https://articles.example/page.php?p=0000001",
        "id": "0000001",
        "title": "A title",
        "summary": None,
        "published": "2025-08-06",
        "category": "Film",
        "body": body,
        "blocks": blocks,
        "related": [],
    }


@pytest.mark.parametrize(
    ("blocks", "reason"),
    [
        ([PARAGRAPH, HEADING], None),
        ([PARAGRAPH, MappingProxyType(HEADING)], None),
        ([], "missing_blocks"),
        ((PARAGRAPH, HEADING), "missing_blocks"),
        ([PARAGRAPH, ["heading", "Two"]], "bad_blocks"),
        ([PARAGRAPH, {"kind": "quote", "text": "Two"}], "bad_blocks"),
        ([PARAGRAPH, {"text": "Two"}], "bad_blocks"),
        ([PARAGRAPH, {"kind": "heading", "text": 2}], "bad_blocks"),
        ([PARAGRAPH, {"kind": "heading", "text": " \n"}], "bad_blocks"),
        ([PARAGRAPH, {"kind": "heading"}], "bad_blocks"),
        # The blank text comes first: its fault is named before the unhashable kind is met.
        ([{"kind": "paragraph", "text": ""}, {"kind": [], "text": "Two"}], "bad_blocks"),
        ([PARAGRAPH, {"kind": "heading", "text": "Three"}], "body_blocks_mismatch"),
    ],
    ids=[
        "valid",
        "valid-mapping",
        "empty",
        "tuple",
        "not-a-mapping",
        "unknown-kind",
        "no-kind",
        "text-not-str",
        "blank-text",
        "no-text",
        "blank-before-unhashable",
        "body-differs",
    ],
)
def test_a_block_fault_is_named(blocks: object, reason: str | None) -> None:
    assert violation(record(blocks)) == reason
