"""Pages that could not be used, counted as ``pages/failed/<cause>``: one definition shared by
the spiders' errback, the middlewares that refuse pages, and the manifest that reports them."""

from __future__ import annotations

import logging
from typing import Protocol

from crawler.stats import PAGES_FAILED_PREFIX


class Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


def count_page_failure(
    stats: Stats,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
    cause: str,
    url: str,
    detail: str = "",
) -> None:
    """Count a failed page under ``pages/failed/<cause>`` (an HTTP status or an error name) and
    log it once, naming the URL."""
    stats.inc_value(PAGES_FAILED_PREFIX + cause)
    logger.warning("page failed (%s): %s%s", cause, url, f" ({detail})" if detail else "")
