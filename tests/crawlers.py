"""Crawlers for unit tests, with the project's settings as ``scrapy crawl`` has them."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler import settings as project

#: Settings that name components: a unit test builds the one component it tests.
COMPONENTS = {
    "ADDONS",
    "DOWNLOADER_MIDDLEWARES",
    "EXTENSIONS",
    "ITEM_PIPELINES",
    "REQUEST_FINGERPRINTER_CLASS",
    "SCHEDULER",
    "SPIDER_MIDDLEWARES",
    "TWISTED_REACTOR",
}


def project_settings() -> dict[str, Any]:
    """The values of ``crawler.settings``: components read their settings without a
    fallback, since every default is declared there once."""
    return {
        name: getattr(project, name)
        for name in dir(project)
        if name.isupper() and name not in COMPONENTS
    }


def project_crawler(
    spidercls: type[Spider] | None = None, settings_dict: dict[str, Any] | None = None
) -> Crawler:
    """``scrapy.utils.test.get_crawler`` over the project's settings, ``settings_dict`` on top."""
    return get_crawler(spidercls, {**project_settings(), **(settings_dict or {})})
