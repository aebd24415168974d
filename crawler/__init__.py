"""Archival crawler for an evergreen-essay site.

``extract_article(body, url)`` turns saved HTML into the archived record without Scrapy
running; the Scrapy project (spiders, pipelines, settings) lives in the subpackages.

``extract_article`` is imported on first use (PEP 562), not with the package: it needs lxml,
and readers of an archive (``crawler.archive``) import this package without parsing any HTML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.extract import extract_article

from crawler.version import __version__

__all__ = ["__version__", "extract_article"]


def __getattr__(name: str) -> Any:
    if name == "extract_article":
        from crawler.extract import extract_article

        return extract_article
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
