"""Archival crawler for an evergreen-essay site.

``extract_article(body, url)`` turns saved HTML into the archived record without Scrapy
running; the Scrapy project (spiders, pipelines, settings) lives in the subpackages.
"""

from crawler.extract import extract_article

__version__ = "0.1.0"

__all__ = ["__version__", "extract_article"]
