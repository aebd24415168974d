"""What became of each article page in a run, as stats keys: the manifest's
``counts.articles``, which archivists' scripts read by these exact names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.stats import ARTICLES_PREFIX, WRITTEN_KEY

OUTCOMES: tuple[str, ...] = ("new", "changed", "unchanged", "removed")


def article_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """``{"new", "changed", "unchanged", "removed"}`` from the stats, zeros included.

    >>> article_counts({"articles/new": 3})
    {'new': 3, 'changed': 0, 'unchanged': 0, 'removed': 0}
    """
    return {outcome: int(stats.get(ARTICLES_PREFIX + outcome, 0)) for outcome in OUTCOMES}


def recounted(counters: Mapping[str, int], written: Mapping[str, int]) -> dict[str, int]:
    """A run's saved ``counters`` with its written outcomes taken from what its folder holds
    (``written``: ``new``, ``changed``, ``removed``): the folder is exact, while the counters
    of a killed process may lag behind the records it wrote after its last commit.

    >>> recounted({"articles/new": 1, "pages/ok": 5}, {"new": 3, "changed": 1})
    {'articles/new': 3, 'pages/ok': 5, 'articles/changed': 1, 'articles/removed': 0, \
'archive/articles_written': 4}
    """
    result = dict(counters)
    for outcome in ("new", "changed", "removed"):
        result[ARTICLES_PREFIX + outcome] = int(written.get(outcome, 0))
    result[WRITTEN_KEY] = result[ARTICLES_PREFIX + "new"] + result[ARTICLES_PREFIX + "changed"]
    return result
