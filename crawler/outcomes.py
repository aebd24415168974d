"""What became of each article page in a run, as stats keys: the manifest's
``counts.articles``, which archivists' scripts read by these exact names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OUTCOMES: tuple[str, ...] = ("new", "changed", "unchanged", "removed")
PREFIX = "articles/"
NEW_KEY = PREFIX + "new"
CHANGED_KEY = PREFIX + "changed"
UNCHANGED_KEY = PREFIX + "unchanged"
REMOVED_KEY = PREFIX + "removed"
#: Article records the archive wrote (new and changed ones).
WRITTEN_KEY = "archive/articles_written"


def article_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """``{"new", "changed", "unchanged", "removed"}`` from the stats, zeros included.

    >>> article_counts({"articles/new": 3})
    {'new': 3, 'changed': 0, 'unchanged': 0, 'removed': 0}
    """
    return {outcome: int(stats.get(PREFIX + outcome, 0)) for outcome in OUTCOMES}
