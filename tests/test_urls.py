from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler import urls

ORIGIN = "https://articles.example"
ARTICLE = f"{ORIGIN}/page.php?p=0210900"


def test_doctests() -> None:
    assert doctest.testmod(urls).failed == 0


@pytest.mark.parametrize(
    "href",
    [
        "https://articles.example/page.php?p=0210900",
        "/page.php?p=0210900",
        "page.php?p=0210900",
        "//articles.example/page.php?p=0210900",
        "  /page.php?p=0210900 \n",
        "/page.php?p=0210900#comments",
        "/page.php?p=0210900&utm_source=newsletter&utm_medium=email",
        "/page.php?utm_campaign=x&p=0210900&ref=home",
        "/page.php?p=0210900&fbclid=IwAR0abc&gclid=Cj0K",
        "HTTPS://ARTICLES.EXAMPLE:443/page.php?p=0210900",
        "/page.php?p=\n0210900",
    ],
)
def test_every_way_of_linking_an_article_resolves_to_one_url(href: str) -> None:
    assert urls.resolve(href, f"{ORIGIN}/page.php?p=0211227") == ARTICLE


@pytest.mark.parametrize("href", ["mailto:a@b.c", "javascript:void(0)", "", "   ", "#top"])
def test_non_page_links_resolve_to_none(href: str) -> None:
    assert urls.resolve(href, ARTICLE) is None


def test_category_first_page_has_no_page_parameter() -> None:
    first = f"{ORIGIN}/category.php?c=film-history"
    assert urls.canonicalize(f"{first}&page=1") == first
    assert urls.canonicalize(f"{ORIGIN}/category.php?page=01&c=film-history") == first
    assert urls.canonicalize(f"{first}&page=2") == f"{first}&page=2"


def test_page_param_is_kept_outside_category_listings() -> None:
    assert urls.canonicalize(f"{ORIGIN}/search.php?page=1") == f"{ORIGIN}/search.php?page=1"


def test_rebase_keeps_path_and_query() -> None:
    assert urls.rebase("http://127.0.0.1:9/page.php?p=1", ORIGIN) == f"{ORIGIN}/page.php?p=1"


@given(
    st.text(alphabet="0123456789", min_size=1, max_size=9),
    st.lists(st.sampled_from(["utm_source=a", "utm_term=b", "ref=c", "fbclid=d", "gclid=e"])),
    st.sampled_from(["", "#frag", "#"]),
    st.sampled_from(["", " ", "\n", "\t "]),
)
def test_tracking_fragment_and_padding_never_change_the_article(
    article_id: str, tracking: list[str], fragment: str, pad: str
) -> None:
    query = "&".join([f"p={article_id}", *tracking])
    href = f"{pad}/page.php?{query}{fragment}{pad}"
    assert urls.resolve(href, ORIGIN + "/") == f"{ORIGIN}/page.php?p={article_id}"


@given(
    st.from_regex(r"https?://[a-z]{1,8}\.example(:[0-9]{2,4})?/[a-z./?=&0-9]{0,20}", fullmatch=True)
)
def test_canonicalize_is_idempotent(url: str) -> None:
    once = urls.canonicalize(url)
    assert urls.canonicalize(once) == once
