"""The page objects read SITE.md's class selectors from the lxml tree exactly as the CSS
selectors (through parsel and cssselect) read them, and the ad rules exactly as the compiled
XPath does; checked on every fixture page and on mutated ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from parsel import Selector

from crawler.pages import ArticlePage, CategoryPage
from crawler.pages.article import _is_second_link
from crawler.pages.noise import NOISE_ELEMENTS, has_class, is_noise
from crawler.pages.tree import Element
from tests.fuzz.mutations import ALL_OPS, Mutant, load_seeds, mutants

FIXTURES = Path(__file__).parent.parent / "fixtures"
ARTICLES = sorted((FIXTURES / "article").glob("*/page.html"))
CATEGORIES = sorted((FIXTURES / "category").glob("*/page.html"))
HTML = sorted((Path(__file__).parent / "html").glob("*.html"))
URL = "https://articles.example/page.php?p=0000001"
SEEDS = load_seeds()


def path_of(element: Element) -> str:
    return element.getroottree().getpath(element)


def css(root: Element, query: str) -> list[str]:
    """Where the CSS query's matches are, in document order (parsel over the same tree)."""
    return [path_of(found.root) for found in Selector(root=root, type="html").css(query)]


def paths(elements: list[Element] | Element | None) -> list[str]:
    if elements is None:
        return []
    return [path_of(e) for e in (elements if isinstance(elements, list) else [elements])]


def article_anchors_agree(page: ArticlePage) -> None:
    root = page.root
    assert paths(page._title) == css(root, "h1.post-title")[:1]
    assert paths(page.first_with_class("p", "post-summary")) == css(root, "p.post-summary")[:1]
    assert paths(page._class_body) == css(root, "div.post-body")[:1]
    assert paths(page._related_cards()) == css(root, "section.related-articles li.related-item")
    crumb = page._breadcrumb(lambda link: has_class(link, "breadcrumb-category"))
    assert paths(crumb) == css(root, "nav.breadcrumbs a.breadcrumb-category")[:1]
    second = css(root, "nav.breadcrumbs a:nth-of-type(2)")[:1]
    assert paths(page._breadcrumb(_is_second_link)) == second
    selector = Selector(root=root, type="html")
    assert (
        list(page._canonical_hrefs()) == selector.css('link[rel~="canonical"]::attr(href)').getall()
    )
    assert (
        list(page._json_ld_scripts())
        == selector.css('script[type="application/ld+json"]::text').getall()
    )
    for attribute, value in (("property", "og:title"), ("name", "description")):
        content = selector.css(f'meta[{attribute}="{value}"]::attr(content)').get()
        expected = " ".join(content.split()) or None if content is not None else None
        assert page.meta(attribute, value) == expected


def noise_agrees(root: Element) -> None:
    found = NOISE_ELEMENTS(root)
    listed = found if isinstance(found, list) else []
    noise = {path_of(e) for e in listed if isinstance(e, etree._Element)}
    for element in root.iterdescendants():
        assert is_noise(element) == (path_of(element) in noise), path_of(element)


@pytest.mark.parametrize("page", ARTICLES, ids=[page.parent.name for page in ARTICLES])
def test_article_anchors_are_the_css_selectors(page: Path) -> None:
    article_anchors_agree(ArticlePage.from_bytes(page.read_bytes(), URL))


@pytest.mark.parametrize(
    "page", ARTICLES + HTML, ids=[p.parent.name + p.name for p in ARTICLES + HTML]
)
def test_is_noise_is_the_compiled_xpath(page: Path) -> None:
    noise_agrees(ArticlePage.from_bytes(page.read_bytes(), URL).root)


@pytest.mark.parametrize("page", CATEGORIES, ids=[page.parent.name for page in CATEGORIES])
def test_category_lists_are_the_css_selectors(page: Path) -> None:
    url = (page.parent / "url.txt").read_text(encoding="utf-8").strip()
    category = CategoryPage.from_bytes(page.read_bytes(), url)
    selector = Selector(root=category.root, type="html")
    on_site = [
        link
        for href in selector.css("ul.article-list li.article-card a.card-link::attr(href)").getall()
        if (link := category.link(href)) is not None and category.is_on_site(link)
    ]
    assert category.articles() == list(dict.fromkeys(on_site))
    next_href = selector.css("nav.pagination a[rel~=next]::attr(href)").get()
    assert category.next_page() == category.link(next_href)


@settings(settings.get_profile("extract-fuzz"), max_examples=150)
@given(mutants(SEEDS, ALL_OPS, max_ops=6))
def test_anchors_and_noise_on_mutated_pages(mutant: Mutant) -> None:
    page = ArticlePage.from_bytes(mutant.body, mutant.url)
    article_anchors_agree(page)
    noise_agrees(page.root)


_CLASS_CHARACTERS = st.sampled_from([" ", "\t", "\n", "\r", "\xa0", "\u2003", "ad-label", "x"])


@given(st.lists(_CLASS_CHARACTERS, max_size=8).map("".join))
def test_has_class_splits_as_the_css_class_selector(value: str) -> None:
    element = etree.Element("p", {"class": value})
    expected = etree.XPath(
        "boolean(self::*[contains(concat(' ', normalize-space(@class), ' '), ' ad-label ')])"
    )
    assert has_class(element, "ad-label") == expected(element)
