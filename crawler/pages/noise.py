"""Advertisement and boilerplate rules as named data, compiled once into XPath.

Adding an ad shape is a one-line change to one of the tuples below. SITE.md's five shapes:
``div.ad-container`` (label + ``ins.adsbygoogle``), ``aside.advertisement``, Google Publisher Tag
slots ``div[id^=div-gpt-ad]``, a bare ``p.ad-label`` and ``div.sponsored-content``.

Class tokens are what the site prints today. The structural rules after them hold when a
redesign renames every class: an ``ins`` slot, a GPT id, a block container that opens with an ad
label, a ``nav``, a list of share links, a "Related Articles" section, a "Published" date line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.etree import XPath, _Element

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
#: Block containers that are an ad as a whole when their first text (their own, or a child's
#: own text) is only an ad label: the label, slot, promotional line and link go together,
#: whatever the container's classes are.
LABELLED_AD_CONTAINER_TAGS: tuple[str, ...] = ("div", "aside", "section", "figure")
#: Children whose text is never a label (scripts pushing ad slots, iframes...).
LABEL_SKIPPED_TAGS: tuple[str, ...] = ("script", "style", "noscript", "template", "iframe")

#: Tags of page furniture whatever their classes (breadcrumbs, pagination).
BOILERPLATE_TAGS: tuple[str, ...] = ("nav",)
#: ``href`` fragments of share buttons: a list whose every item links to one is share buttons.
SHARE_HREF_MARKERS: tuple[str, ...] = (
    "facebook.com/sharer",
    "twitter.com/intent",
    "x.com/intent",
    "reddit.com/submit",
    "pinterest.com/pin/create",
    "linkedin.com/sharing",
    "mailto:?",
)
#: Headings of related-article lists (case-insensitive): a container opening with one is
#: furniture, and outside the body it is where the related cards are read from.
RELATED_HEADINGS: frozenset[str] = frozenset({"related articles"})
#: First words of the date line ("Published <time>...</time>").
DATE_LINE_PREFIXES: tuple[str, ...] = ("Published", "Updated", "Posted")

#: Decoration printed around ad labels ("— Advertisement —").
LABEL_PUNCTUATION = " :-|\u00b7\u2013\u2014"

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
#: What the share-list, related-section and date-line rules apply to.
_LIST_TAGS = ("ul", "ol")
_SECTION_TAGS = ("section", "div", "aside")
_DATE_LINE_TAGS = ("div",)


def _class_token(token: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {token} ')"


def _any_tag(tags: tuple[str, ...]) -> str:
    return " or ".join(f"self::{tag}" for tag in tags)


def _one_of(value: str, texts: frozenset[str]) -> str:
    """``value`` (an XPath string expression) is one of ``texts``, in one comparison."""
    return f"contains('|{'|'.join(sorted(texts))}|', concat('|', {value}, '|'))"


def _folded(value: str) -> str:
    """Lower-cased, with the label punctuation removed and spaces normalised."""
    punctuation = LABEL_PUNCTUATION.replace(" ", "")
    return f"normalize-space(translate({value}, '{_UPPER}{punctuation}', '{_LOWER}'))"


def _labelled_ad_container() -> str:
    # Only direct text and children's direct text: O(children) per element, never a subtree's
    # string value (pages with 100,000 nested divs stay linear).
    first_text = (
        f"(text()[normalize-space()] | *[not({_any_tag(LABEL_SKIPPED_TAGS)})]"
        "/text()[normalize-space()])"
    )
    return (
        f"({_any_tag(LABELLED_AD_CONTAINER_TAGS)}) and "
        f"{_one_of(_folded(first_text), AD_LABEL_TEXTS)}"
    )


def _share_list() -> str:
    share_link = " or ".join(f"contains(@href, '{marker}')" for marker in SHARE_HREF_MARKERS)
    # Each item's own link or its child's: a bounded depth, so nested lists stay linear.
    return f"({_any_tag(_LIST_TAGS)}) and li and not(li[not(a[{share_link}] | */a[{share_link}])])"


def _related_section() -> str:
    heading = "*[1][self::h2 or self::h3 or self::h4]/text()[normalize-space()]"
    return f"({_any_tag(_SECTION_TAGS)}) and {_one_of(_folded(heading), RELATED_HEADINGS)}"


def _date_line() -> str:
    starts = " or ".join(
        f"starts-with(normalize-space(text()), '{prefix}')" for prefix in DATE_LINE_PREFIXES
    )
    return f"({_any_tag(_DATE_LINE_TAGS)}) and time and ({starts})"


def _noise_predicate() -> str:
    classes = " or ".join(
        _class_token(token) for token in AD_CLASS_TOKENS + BOILERPLATE_CLASS_TOKENS
    )
    ids = " or ".join(f"starts-with(@id, '{prefix}')" for prefix in AD_ID_PREFIXES)
    rules = (_labelled_ad_container(), _share_list(), _related_section(), _date_line())
    rule_tags = tuple(
        dict.fromkeys(LABELLED_AD_CONTAINER_TAGS + _LIST_TAGS + _SECTION_TAGS + _DATE_LINE_TAGS)
    )
    # Guards first: most elements of a body are paragraphs without a class, which then cost a
    # few node tests instead of every class comparison and structural rule.
    return (
        f"(@class and ({classes})) or (@id and ({ids})) or "
        f"{_any_tag(AD_TAGS + BOILERPLATE_TAGS)} or "
        f"(({_any_tag(rule_tags)}) and ({' or '.join(f'({rule})' for rule in rules)}))"
    )


#: Every ad or boilerplate element under a context node. Walkers skip each one's whole subtree,
#: so ads nested in ads need no special case (and no costly ``ancestor::`` test on deep trees).
#: libxml2 evaluates the predicate on every element (about a microsecond each): for a few
#: elements, or a walk that looks at each element anyway, :func:`is_noise` is far cheaper.
NOISE_ELEMENTS = XPath(f".//*[{_noise_predicate()}]")

_NOISE_TAGS = frozenset(AD_TAGS + BOILERPLATE_TAGS)
_NOISE_CLASS_TOKENS = frozenset(AD_CLASS_TOKENS + BOILERPLATE_CLASS_TOKENS)
#: Tags the structural rules apply to: only these can be noise without a class, id or tag rule.
_RULE_TAGS = frozenset(LABELLED_AD_CONTAINER_TAGS + _LIST_TAGS + _SECTION_TAGS + _DATE_LINE_TAGS)
#: Tags an element without any attribute can be noise by; any other such element never is, so
#: a walk can skip :func:`is_noise` for it.
NOISE_WITHOUT_ATTRIBUTES_TAGS: frozenset[str] = _NOISE_TAGS | _RULE_TAGS
#: XPath's ``normalize-space`` separates on these four characters only (not on form feed or
#: non-breaking space, as ``str.split`` would).
_XML_SPACE = str.maketrans("\t\n\r", "   ")


def class_tokens(value: str) -> list[str]:
    """The tokens of a ``class`` attribute as the CSS class selectors' XPath splits them
    (``contains(concat(' ', normalize-space(@class), ' '), ' token ')``): on XML whitespace.

    >>> class_tokens(" ad-slot\\tjs-ad\\xa0x ")
    ['', 'ad-slot', 'js-ad\\xa0x', '']
    """
    # A printable value holds no whitespace but " " (see ``text.normalize_space``), so
    # splitting on spaces is all normalize-space would do; tokens are the same either way.
    return value.split() if value.isprintable() else value.translate(_XML_SPACE).split(" ")


def has_class(element: _Element, token: str) -> bool:
    """``element`` carries the class ``token``, as CSS ``.token`` matches it."""
    value = element.get("class")
    # A lone class is the common case; the substring test rejects most others before a split.
    return value is not None and (
        value == token or (token in value and token in class_tokens(value))
    )


def is_noise(element: _Element) -> bool:
    """True for an element :data:`NOISE_ELEMENTS` would find (its ancestors are not tested).

    The tag, class and id rules first; only an element of a structural rule's tag that none
    of them matched is read further. Walks of a redesigned page (a class on every element)
    call this for each element they pass, so the class rule is written out here."""
    tag = element.tag
    if tag in _NOISE_TAGS:
        return True
    # Most elements carry no attribute at all: one call tells, where two ``get`` cost more.
    if element.keys():
        value = element.get("class")
        if value is not None and not _NOISE_CLASS_TOKENS.isdisjoint(
            value.split() if value.isprintable() else class_tokens(value)
        ):
            return True
        ident = element.get("id")
        if ident is not None and ident.startswith(AD_ID_PREFIXES):
            return True
    return tag in _RULE_TAGS and _structural_noise(element, tag)


#: The longest ad label: a longer block is a label only when padded with decoration.
LONGEST_LABEL = max(map(len, AD_LABEL_TEXTS))


def is_ad_label(text: str) -> bool:
    """True for a block that only says it is an ad.

    >>> is_ad_label("ADVERTISEMENT")
    True
    >>> is_ad_label("Advertisement helps fund this essay.")
    False
    """
    # A label is short, or padded with decoration: a paragraph is rejected before any copy.
    if (
        len(text) > LONGEST_LABEL
        and text[0] not in LABEL_PUNCTUATION
        and text[-1] not in LABEL_PUNCTUATION
    ):
        return False
    stripped = text.strip(LABEL_PUNCTUATION)
    # Lower-casing never shortens a string, so a longer one is no label.
    return len(stripped) <= LONGEST_LABEL and stripped.lower() in AD_LABEL_TEXTS


# --- the structural rules, read as the compiled XPath reads them --------------------------------
# On a redesigned page every element has a class, so each ``div`` and list a walk meets would
# cost an evaluation of the whole predicate (tens of microseconds on a body, where XPath's union
# gathers every child's text to take the first). Read here, a rule stops at what decides it.
# ``tests/pages/test_selectors.py`` holds them to NOISE_ELEMENTS on every fixture and on mutants.

#: XPath's ``translate`` in :func:`_folded`: ASCII upper case lowered, decoration removed.
_FOLD = str.maketrans(_UPPER, _LOWER, LABEL_PUNCTUATION.replace(" ", ""))
_XML_WHITESPACE = " \t\n\r"
#: What folding removes, and the whitespace normalize-space reduces to single spaces.
_FOLDED_AWAY = LABEL_PUNCTUATION + "\t\n\r"
_AWAY = "".join(map(re.escape, _FOLDED_AWAY))
_LONGER_THAN_FOLDED = re.compile(
    f"[{_AWAY}]*(?:[^{_AWAY}][{_AWAY}]*){{{max(map(len, AD_LABEL_TEXTS | RELATED_HEADINGS)) + 1}}}"
)
_LABELLED_TAGS = frozenset(LABELLED_AD_CONTAINER_TAGS)
_LABEL_SKIPPED = frozenset(LABEL_SKIPPED_TAGS)
_HEADING_TAGS = frozenset({"h2", "h3", "h4"})


def _normalize_xml_space(text: str) -> str:
    """XPath's ``normalize-space``: it splits on the four XML whitespace characters only
    (a printable text holds no whitespace but spaces, see ``text.normalize_space``)."""
    if text.isprintable():
        return " ".join(text.split())
    return " ".join(word for word in text.translate(_XML_SPACE).split(" ") if word)


def _is_one_of(text: str | None, texts: frozenset[str]) -> bool:
    """:func:`_one_of` of :func:`_folded`: a node-set's string value is its first node's
    text, the empty string when it has none (which is none of ``texts``)."""
    if text is None:
        return False
    # Folding keeps every character but decoration and whitespace: a text with more of them
    # than the longest label is none, told from its first words (the translate of a whole
    # paragraph costs tens of microseconds).
    if _LONGER_THAN_FOLDED.match(text):
        return False
    return _normalize_xml_space(text.translate(_FOLD)) in texts


def _own_texts(element: _Element) -> Iterator[str]:
    """``text()``: the element's text nodes in document order (its text, its children's
    tails; a comment's tail too)."""
    if element.text is not None:
        yield element.text
    for child in element:
        if child.tail is not None:
            yield child.tail


def _first_visible_text(element: _Element) -> str | None:
    """The first of ``text()[normalize-space()]``, ``*[not(label-skipped)]/text()
    [normalize-space()]`` in document order."""
    if element.text is not None and element.text.strip(_XML_WHITESPACE):
        return element.text
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _LABEL_SKIPPED:
            for text in _own_texts(child):
                if text.strip(_XML_WHITESPACE):
                    return text
        if child.tail is not None and child.tail.strip(_XML_WHITESPACE):
            return child.tail
    return None


def _is_share_link(link: _Element) -> bool:
    href = link.get("href")
    return href is not None and any(marker in href for marker in SHARE_HREF_MARKERS)


def _is_share_item(item: _Element) -> bool:
    """``a[share] | */a[share]``: a share link among its children or grandchildren."""
    if any(_is_share_link(link) for link in item.iterchildren("a")):
        return True
    return any(
        _is_share_link(link)
        for child in item
        if isinstance(child.tag, str)
        for link in child.iterchildren("a")
    )


def _structural_noise(element: _Element, tag: str) -> bool:
    """The structural rules of :func:`_noise_predicate` for an element of their tags."""
    if tag in _LABELLED_TAGS and _is_one_of(_first_visible_text(element), AD_LABEL_TEXTS):
        return True
    if tag in _LIST_TAGS:
        items = list(element.iterchildren("li"))
        if items and all(_is_share_item(item) for item in items):
            return True
    if tag in _SECTION_TAGS:
        first = next((child for child in element if isinstance(child.tag, str)), None)
        if first is not None and first.tag in _HEADING_TAGS:
            heading = next(
                (text for text in _own_texts(first) if text.strip(_XML_WHITESPACE)), None
            )
            if _is_one_of(heading, RELATED_HEADINGS):
                return True
    if tag in _DATE_LINE_TAGS:
        text = next(_own_texts(element), "")
        if (
            _normalize_xml_space(text).startswith(DATE_LINE_PREFIXES)
            and element.find("time") is not None
        ):
            return True
    return False
