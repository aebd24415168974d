"""Expected records of the bundled sample site, with the origin filled in, for tests.

``expected_records(origin)`` is what the archive must hold after crawling the site served at
``origin`` (or under that public alias). Republished copies are left out: the archive keeps
whichever member of a pair it meets first, so tests accept either (``expected_duplicates``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sample_site.placeholders import check_origin, substitute_text

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "data" / "sample_site"

Record = dict[str, Any]


def _fill(value: Any, origin: str) -> Any:
    # Walk the parsed JSON instead of editing its text, so no origin can break the quoting.
    if isinstance(value, str):
        return substitute_text(value, origin)
    if isinstance(value, list):
        return [_fill(item, origin) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, origin) for key, item in value.items()}
    return value


def _records(folder: Path, origin: str) -> dict[str, Record]:
    origin = check_origin(origin)
    return {
        path.stem: _fill(json.loads(path.read_text(encoding="utf-8")), origin)
        for path in sorted(folder.glob("*.json"))
    }


def expected_records(origin: str, root: Path = DEFAULT_ROOT) -> dict[str, Record]:
    """Article id -> the exact record the crawler must write for it."""
    return _records(root / "expected" / "articles", origin)


def expected_duplicates(origin: str, root: Path = DEFAULT_ROOT) -> dict[str, Record]:
    """Republished id -> its record, should the crawler meet the copy before the original."""
    return _records(root / "expected" / "duplicates", origin)


def expected_categories(origin: str, root: Path = DEFAULT_ROOT) -> dict[str, Record]:
    """Canonical page-1 URL -> the category record, in navigation order."""
    origin = check_origin(origin)
    lines = (root / "expected" / "categories.jsonl").read_text(encoding="utf-8").splitlines()
    records = [_fill(json.loads(line), origin) for line in lines if line]
    return {record["url"]: record for record in records}


def site_summary(root: Path = DEFAULT_ROOT) -> dict[str, Any]:
    """``expected/site.json``: ids by role (archived, duplicates, 404, flaky...) and variant."""
    data: dict[str, Any] = json.loads((root / "expected" / "site.json").read_text("utf-8"))
    return data
