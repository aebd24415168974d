from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from crawler.spiders.article import ArticleSpider
from crawler.spiders.base import SpiderArgumentError
from tests.spiders.conftest import make_spider

A = "http://127.0.0.1:8000/page.php?p=0000001"
B = "http://127.0.0.1:8000/page.php?p=0000002"


def start_urls(spider: ArticleSpider) -> list[str]:
    async def collect() -> list[str]:
        return [r.url async for r in spider.start()]

    return asyncio.run(collect())


def test_comma_separated_urls() -> None:
    spider = make_spider(ArticleSpider, url=f"{A}, {B}")
    assert start_urls(spider) == [A, B]


def test_urls_file_skips_blanks_and_comments(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# saved list\n{A}\n\n  {B}  \n", encoding="utf-8")
    spider = make_spider(ArticleSpider, urls_file=str(listing))
    assert start_urls(spider) == [A, B]


def test_unreadable_urls_file(tmp_path: Path) -> None:
    with pytest.raises(SpiderArgumentError, match="cannot read urls_file"):
        make_spider(ArticleSpider, urls_file=str(tmp_path / "missing.txt"))


def test_needs_some_url() -> None:
    with pytest.raises(SpiderArgumentError, match="url"):
        make_spider(ArticleSpider)


def test_rejects_non_http_url() -> None:
    with pytest.raises(SpiderArgumentError, match="http"):
        make_spider(ArticleSpider, url="file:///etc/passwd")
