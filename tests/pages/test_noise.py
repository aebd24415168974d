"""The structural ad and furniture rules as ``is_noise`` reads them, held to the compiled
XPath on small generated fragments: the labelled container, the share list, the related
section and the date line, around whitespace XPath does not split on, comments, skipped
children, decoration and case."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

from crawler.pages.noise import NOISE_ELEMENTS, is_noise
from crawler.pages.tree import parse_html

_TEXTS = st.sampled_from(
    [
        "",
        " ",
        "\n",
        "\xa0",
        "\x0c",
        "\t \r",
        "Advertisement",
        " — ADVERTISEMENT — ",
        "ad",
        "Ad:",
        "Sponsored  content",
        "Related Articles",
        "related\narticles",
        "Published",
        " Published  on",
        "Updated 2025",
        "A paragraph of prose.",
    ]
)
_HREFS = st.sampled_from(["https://www.facebook.com/sharer/x", "mailto:?subject=x", "/p?p=1"])


def _element(tag: str, inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return inner.map(lambda text: f"<{tag}>{text}</{tag}>")


#: What a rule looks at: text nodes, comments, skipped children, headings, links, times, items.
_LEAVES = st.one_of(
    _TEXTS,
    _TEXTS.map(lambda text: f"<!--{text}-->"),
    *(_element(tag, _TEXTS) for tag in ("script", "iframe", "span", "p", "h2", "h4", "time")),
    st.tuples(_HREFS, _TEXTS).map(lambda pair: f'<a href="{pair[0]}">{pair[1]}</a>'),
)
_ITEMS = st.lists(_LEAVES, max_size=3).map("".join)
_CHILDREN = st.one_of(_LEAVES, _element("li", _ITEMS), _element("li", _element("span", _ITEMS)))
_CONTAINERS = st.sampled_from(["div", "aside", "section", "figure", "ul", "ol"])


@st.composite
def _fragments(draw: st.DrawFn) -> str:
    """A rule tag's element holding a few of the parts its rule reads."""
    tag = draw(_CONTAINERS)
    children = "".join(draw(st.lists(_CHILDREN, max_size=4)))
    return f"<{tag}>{children}</{tag}>"


@settings(max_examples=600)
@given(_fragments())
# Shapes the draws rarely reach: the date line's first text node after a comment, one share
# item among others, a heading after a comment, spaces str.split splits on and XPath does not.
@example("<div><!--x-->Published <time>1</time></div>")
@example('<ul><li><a href="mailto:?s">m</a></li><li><a href="/p?p=1">x</a></li></ul>')
@example("<section><!--x--><h2>Related Articles</h2><ul><li>a</li></ul></section>")
@example("<div>\xa0Published <time>1</time></div>")
@example("<div><p>ad\x0c</p></div>")
@example("<div>\xa0<p>Advertisement</p></div>")
@example("<div><span>\xa0</span><p>Advertisement</p></div>")
def test_is_noise_is_the_compiled_xpath_on_fragments(fragment: str) -> None:
    root = parse_html(f"<html><body>{fragment}</body></html>")
    found = NOISE_ELEMENTS(root)
    noise = {
        id(e) for e in (found if isinstance(found, list) else []) if isinstance(e, etree._Element)
    }
    elements = list(root.iterdescendants())
    for element in elements:
        assert is_noise(element) == (id(element) in noise), etree.tostring(element)
