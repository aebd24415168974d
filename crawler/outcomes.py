"""What became of each article page in a run, as stats keys: the manifest's
``counts.articles``, which archivists' scripts read by these exact names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.stats import ARTICLES_PREFIX

OUTCOMES: tuple[str, ...] = ("new", "changed", "unchanged", "removed")


def article_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """``{"new", "changed", "unchanged", "removed"}`` from the stats, zeros included.

    >>> article_counts({"articles/new": 3})
    {'new': 3, 'changed': 0, 'unchanged': 0, 'removed': 0}
    """
    return {outcome: int(stats.get(ARTICLES_PREFIX + outcome, 0)) for outcome in OUTCOMES}
