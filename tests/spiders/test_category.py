from __future__ import annotations

import pytest
from scrapy import Request

from crawler.items import ListingPage
from crawler.spiders.base import SpiderArgumentError
from crawler.spiders.category import CategorySpider
from tests.spiders.conftest import make_spider, response

LOCAL = "http://127.0.0.1:8000"
FIRST = f"{LOCAL}/category.php?c=national-cinemas"


def test_follows_own_pagination_and_cards_only() -> None:
    spider = make_spider(CategorySpider, url=FIRST)
    results = list(spider.parse(response("category-national-cinemas-page-1.html", FIRST)))
    assert len([r for r in results if isinstance(r, ListingPage)]) == 1
    found = [r for r in results if isinstance(r, Request)]
    listings = [r.url for r in found if r.callback == spider.parse]
    articles = [r.url for r in found if r.callback == spider.parse_article]
    assert listings == [f"{FIRST}&page=2", f"{FIRST}&page=3"]
    assert len(articles) == 12
    assert "film-history" not in " ".join(r.url for r in found)  # the nav is not followed


@pytest.mark.parametrize("bad", ["http://127.0.0.1:8000/page.php?p=1", "nope", ""])
def test_url_must_be_a_category(bad: str) -> None:
    with pytest.raises(SpiderArgumentError, match="url"):
        make_spider(CategorySpider, url=bad)
