"""Learning a listing template from the previous run's category records."""

from __future__ import annotations

import pytest

from crawler.items import Category
from crawler.pages import CategoryPage
from crawler.templates.apply import listing_page_class
from crawler.templates.fields import Failure
from crawler.templates.listing import ListingExample, learn_listing
from sample_site import designs
from sample_site.large import LargeSite


def listing_examples(site: LargeSite) -> list[ListingExample]:
    found = []
    for slug, _name in site.categories:
        expected = site.expected_category(slug)
        category = Category(
            name=expected["name"], url=expected["url"], articles=expected["articles"]
        )
        page = 1
        while (answer := site.respond("GET", _path(slug, page), {})).status == 200:
            listing = CategoryPage.from_bytes(answer.body, site.origin + _path(slug, page))
            found.append(ListingExample(listing, category))
            page += 1
    return found


def _path(slug: str, page: int) -> str:
    return f"/category.php?c={slug}" + (f"&page={page}" if page > 1 else "")


@pytest.mark.parametrize("design", designs.KEEPING)
def test_a_listing_redesign_is_learned_and_reads_every_page(design: str) -> None:
    site = LargeSite(300)
    site.shutdown()
    site.set_structure(design)
    examples = listing_examples(site)
    template = learn_listing(examples)
    assert not isinstance(template, Failure), template
    page_class = listing_page_class(template)
    for example in examples:
        page = page_class(example.page.fetched_url, example.page.root)
        item = page.to_item()
        assert item is not None and item.name == example.category.name
        assert set(item.articles) <= set(example.category.articles)
        assert page.next_page() == example.next_url()
