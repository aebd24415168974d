from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy import Request
from scrapy.utils.request import fingerprint

from crawler.fingerprint import CanonicalRequestFingerprinter
from crawler.urls import canonicalize

URLS = [
    "https://articles.example/page.php?p=0211227",
    "https://articles.example/page.php?utm_source=x&p=0211227#related",
    "HTTP://Articles.Example/category.php?c=national-cinemas&page=1",
    "https://articles.example/category.php?page=3&c=film-history",
    "https://articles.example/",
    "https://articles.example/search?q=caf%C3%A9+noir&q=%E2%9C%93",
    "https://articles.example/p%61ge.php?p=1&fbclid=abc",
]


@pytest.mark.parametrize("url", URLS)
def test_the_fingerprint_is_scrapys_of_the_canonical_url(url: str) -> None:
    request = Request(url)
    expected = fingerprint(Request(canonicalize(url)))
    assert CanonicalRequestFingerprinter().fingerprint(request) == expected


def test_method_and_body_count_as_in_scrapy() -> None:
    url = URLS[0]
    post = Request(url, method="POST", body=b"a=1")
    ours = CanonicalRequestFingerprinter()
    assert ours.fingerprint(post) == fingerprint(Request(url, method="POST", body=b"a=1"))
    assert ours.fingerprint(post) != ours.fingerprint(Request(url))


def test_tracked_and_clean_links_share_a_fingerprint() -> None:
    ours = CanonicalRequestFingerprinter()
    assert ours.fingerprint(Request(URLS[1])) == ours.fingerprint(Request(URLS[0]))


@given(
    path=st.text(alphabet="abcXYZ019-_./%é", max_size=12),
    query=st.lists(
        st.tuples(st.sampled_from(["p", "c", "page", "utm_medium", "q"]), st.text(max_size=6)),
        max_size=4,
    ),
)
def test_equal_to_scrapys_for_any_link(path: str, query: list[tuple[str, str]]) -> None:
    url = f"https://articles.example/{path}?{urlencode(query)}"
    expected = fingerprint(Request(canonicalize(url)))
    assert CanonicalRequestFingerprinter().fingerprint(Request(url)) == expected
