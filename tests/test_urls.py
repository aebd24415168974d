from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler import urls

ORIGIN = "https://articles.example"
ARTICLE = f"{ORIGIN}/page.php?p=0210900"


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


# --- the shortcuts give what the urllib round trip gives ------------------------------------------

#: Pieces of hrefs and URLs: plain ones the shortcuts take, and every kind they must refuse
#: (dot segments, escapes, ports, upper case, tracking and page parameters, fragments...).
_PIECES = st.sampled_from(
    [
        "/", "page.php", "category.php", "a", "Z", "0", "-", "_", "~", ".", "..", "%20", "%2f",
        "?", "&", "=", "p=1", "c=film-history", "page=1", "page=02", "utm_source=x", "REF=y",
        "#", "#top", ";", ":", "@", "+", " ", "\n", "é", "//", "http:", "https:", "HTTPS:",
        "articles.example", "Articles.Example", "127.0.0.1:8000", ":443", ":99999", "[", "]",
    ]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=10).map("".join)
_ORIGINS = ("https://articles.example", "http://127.0.0.1:8000", "http://[::1]:8080")
_HREFS = st.one_of(
    _TEXT,
    st.builds(lambda path: "/" + path, _TEXT),
    st.builds(lambda origin, path: f"{origin}/{path}", st.sampled_from(_ORIGINS), _TEXT),
    st.builds(lambda path: "//articles.example/" + path, _TEXT),
)


@settings(max_examples=500)
@given(_HREFS, st.sampled_from([f"{origin}/page.php?p=1" for origin in _ORIGINS]))
def test_resolve_is_the_urllib_round_trip(href: str, base: str) -> None:
    assert urls.resolve(href, base) == urls._resolve_cleaned(urls.clean_href(href), base)


@settings(max_examples=500)
@given(st.builds(lambda origin, path: f"{origin}/{path}", st.sampled_from(_ORIGINS), _TEXT))
def test_canonicalize_is_the_urllib_round_trip(url: str) -> None:
    assert urls.canonicalize(url) == urls._canonicalize(url)


#: (fetched URL, public origin): a page of the site, and one served from a mirror.
_SITES = (
    (f"{ORIGIN}/page.php?p=1", ORIGIN),
    ("http://127.0.0.1:8000/page.php?p=1", ORIGIN),
    (f"{ORIGIN}/page.php?p=1", "http://127.0.0.1:8000"),
)


@settings(max_examples=500)
@given(_HREFS, st.sampled_from(_SITES))
def test_site_links_are_the_general_path(href: str, site: tuple[str, str]) -> None:
    base, origin = site
    netlocs = frozenset({urls.netloc_of(base), urls.netloc_of(origin)})
    links = urls.SiteLinks(base, origin, netlocs)
    assert links.resolve(href) == urls._site_link(href, base, origin, netlocs)


def test_clean_href_drops_what_the_whitespace_regex_drops() -> None:
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    assert urls.clean_href(everything) == re.sub(r"\s+", "", everything)
