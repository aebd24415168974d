"""The article body: ``div.post-body`` read into ordered heading/paragraph blocks."""

from __future__ import annotations

from typing import Final, Literal

from crawler.items import Block
from crawler.pages.noise import (
    LABEL_PUNCTUATION,
    LONGEST_LABEL,
    NOISE_WITHOUT_ATTRIBUTES_TAGS,
    is_ad_label,
    is_noise,
)
from crawler.pages.text import NON_TEXT_TAGS, normalize_space, raw_text
from crawler.pages.tree import Element

HEADING_TAGS: frozenset[str] = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Elements whose whole text is one paragraph block; a list's items are one block each.
PARAGRAPH_TAGS: frozenset[str] = frozenset({"p", "li", "pre", "dt", "dd", "figcaption"})
#: Elements that flow inside a line of text: loose text around them stays in one block.
INLINE_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em",
        "font", "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong",
        "sub", "sup", "time", "u", "var", "wbr",
    }
)  # fmt: skip

Role = Literal["skip", "heading", "paragraph", "inline", "container"]
#: What each known tag is to the walk; any other tag is a container.
_ROLES: Final[dict[str, Role]] = {
    **dict.fromkeys(INLINE_TAGS, "inline"),
    **dict.fromkeys(HEADING_TAGS, "heading"),
    **dict.fromkeys(PARAGRAPH_TAGS, "paragraph"),
    **dict.fromkeys(NON_TEXT_TAGS, "skip"),
}
#: The block tags, as spelled, by which an element without attributes is never noise (none
#: is an ad tag or a structural rule's).
_LEAF_ROLES: Final[dict[object, Role]] = {
    tag: role
    for tag, role in _ROLES.items()
    if role in ("heading", "paragraph") and tag not in NOISE_WITHOUT_ATTRIBUTES_TAGS
}


def body_blocks(body: Element) -> list[Block]:
    """Blocks of ``body`` in page order, without ads, ad labels, page furniture or non-text
    elements.

    One pass over the body. Text that no block element wraps (loose text left by malformed
    markup, e.g. after a list that closed an unclosed ``<p>``) becomes a paragraph of its own,
    as a browser would show it. Each element is looked at once: its tag gives its role, and
    :func:`~crawler.pages.noise.is_noise` whether it is an ad or furniture, skipped whole.
    Containers are descended with an explicit stack, never recursion.

    This loop runs for every element of bodies of thousands of paragraphs, so the common
    steps are written out here rather than called: a plain paragraph (no attribute, no child)
    costs no call but ``Block`` itself.
    """
    blocks: list[Block] = []
    loose: list[str] = []

    def flush() -> None:
        text = normalize_space("".join(loose))
        loose.clear()
        if text and not is_ad_label(text):
            blocks.append(Block("paragraph", text))

    if (text := body.text) and not text.isspace():
        loose.append(text)
    stack = [iter(body)]
    containers: list[Element] = []
    while stack:
        for element in stack[-1]:
            tag = element.tag
            # A block element without attributes or children (nearly every paragraph of a
            # long body) is never noise and its text is its own: none of the tests below.
            if (
                (role := _LEAF_ROLES.get(tag)) is not None
                and not len(element)
                and not element.keys()
            ):
                text = element.text or ""
            else:
                role = _role(element, tag)
                if role == "container":
                    if loose:
                        flush()
                    if (text := element.text) and not text.isspace():
                        loose.append(text)
                    containers.append(element)
                    stack.append(iter(element))
                    break
                text = raw_text(element, is_noise) if role != "skip" else ""
            if role == "inline":
                loose.append(text)
            elif role == "paragraph" or role == "heading":
                if loose:
                    flush()
                # normalize_space, written out.
                if text.isprintable() and "  " not in text:
                    text = text.strip(" ")
                else:
                    text = " ".join(text.split())
                # is_ad_label's first test written out: a long line without decoration.
                if text and (
                    (
                        len(text) > LONGEST_LABEL
                        and text[0] not in LABEL_PUNCTUATION
                        and text[-1] not in LABEL_PUNCTUATION
                    )
                    or not is_ad_label(text)
                ):
                    blocks.append(Block(role, text))
            # Whitespace before any other loose text vanishes when that is normalised: not
            # keeping it spares a join and split for the newline after every paragraph.
            if (tail := element.tail) and (loose or not tail.isspace()):
                loose.append(tail)
        else:
            stack.pop()
            if containers:  # the end of a container ends the loose text inside it
                if loose:
                    flush()
                if (tail := containers.pop().tail) and (loose or not tail.isspace()):
                    loose.append(tail)
    if loose:
        flush()
    return blocks


def _role(element: Element, tag: object) -> Role:
    """What ``element`` is to the walk: comments and processing instructions (whose tags are
    not strings) are skipped but for their tails, and so are ads and furniture."""
    if not isinstance(tag, str):
        return "skip"
    role = _ROLES.get(tag) or _ROLES.get(tag.lower(), "container")
    if (
        role != "skip"
        and (tag in NOISE_WITHOUT_ATTRIBUTES_TAGS or element.keys())
        and is_noise(element)
    ):
        return "skip"
    return role
