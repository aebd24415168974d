from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse, Request, TextResponse

from tests.crawlers import project_crawler

HTML = Path(__file__).parent / "html"
S = TypeVar("S", bound=Spider)


def response(name: str, url: str) -> TextResponse:
    body = (HTML / name).read_bytes()
    cls = HtmlResponse if name.endswith(".html") else TextResponse
    return cls(url=url, body=body, encoding="utf-8", request=Request(url))


def make_spider(spider_cls: type[S], settings: dict[str, Any] | None = None, **kwargs: str) -> S:
    crawler = project_crawler(spider_cls, settings)
    spider = spider_cls.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    return spider


@pytest.fixture
def html_dir() -> Path:
    return HTML
