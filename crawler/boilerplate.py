"""Advertisement and boilerplate rules as named data, compiled once into XPath.

Adding an ad shape is a one-line change to one of the tuples below. SITE.md's five shapes:
``div.ad-container`` (label + ``ins.adsbygoogle``), ``aside.advertisement``, Google Publisher Tag
slots ``div[id^=div-gpt-ad]``, a bare ``p.ad-label`` and ``div.sponsored-content``.
"""

from __future__ import annotations

from lxml.etree import XPath

#: Class tokens that mark an element (and everything inside it) as an advertisement.
AD_CLASS_TOKENS: tuple[str, ...] = (
    "ad-container",
    "advertisement",
    "ad-label",
    "ad-slot",
    "adsbygoogle",
    "sponsored-content",
    "sponsored",
    "promoted-content",
)
#: Class tokens of page furniture that is never article text, should a template print it inside
#: the body (share buttons, breadcrumbs, the related list, the date line).
BOILERPLATE_CLASS_TOKENS: tuple[str, ...] = (
    "share-buttons",
    "breadcrumbs",
    "related-articles",
    "post-meta",
)
#: Id prefixes of ad slots (Google Publisher Tag).
AD_ID_PREFIXES: tuple[str, ...] = ("div-gpt-ad",)
#: Tags that are ads whatever their attributes.
AD_TAGS: tuple[str, ...] = ("ins",)
#: A block whose whole text is one of these (case-insensitive) is an ad label, not content.
AD_LABEL_TEXTS: frozenset[str] = frozenset(
    {"advertisement", "ad", "ads", "sponsored", "sponsored content", "promoted", "paid content"}
)


#: Decoration printed around ad labels ("— Advertisement —").
LABEL_PUNCTUATION = " :-|\u00b7\u2013\u2014"


def _class_token(token: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {token} ')"


def _noise_predicate() -> str:
    tests = [_class_token(token) for token in AD_CLASS_TOKENS + BOILERPLATE_CLASS_TOKENS]
    tests += [f"starts-with(@id, '{prefix}')" for prefix in AD_ID_PREFIXES]
    tests += [f"self::{tag}" for tag in AD_TAGS]
    return " or ".join(tests)


#: Every ad or boilerplate element under a context node. Walkers skip each one's whole subtree,
#: so ads nested in ads need no special case (and no costly ``ancestor::`` test on deep trees).
NOISE_ELEMENTS = XPath(f".//*[{_noise_predicate()}]")


def is_ad_label(text: str) -> bool:
    """True for a block that only says it is an ad.

    >>> is_ad_label("ADVERTISEMENT")
    True
    >>> is_ad_label("Advertisement helps fund this essay.")
    False
    """
    return text.strip(LABEL_PUNCTUATION).lower() in AD_LABEL_TEXTS
