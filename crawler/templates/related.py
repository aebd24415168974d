"""Learning the related cards: the repeated element whose items carry the archived related
URLs, categories, summaries and dates, in order.

Each archived card is found by its URL: a link to it, and around the link the outermost
element that links to no other card's URL. The card selector must find exactly those
elements on every page (none on a page without related cards); then each of the card's
fields is learned inside the cards, as a page's fields are inside the page.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from crawler.pages.base import Page
from crawler.pages.tree import Element
from crawler.templates.candidates import content_elements, ranked, selectors_for
from crawler.templates.fields import Failure, Scope, learn_field
from crawler.templates.model import RELATED_FIELDS, Field, Read, Related
from crawler.templates.select import select_all

_READS: dict[str, Read] = {
    "url": "href",
    "category": "text",
    "summary": "text",
    "published": "date",
}


def _cards(page: Page, related: Sequence[Mapping[str, Any]]) -> list[Element] | None:
    """The element of each archived card on ``page``, in order; ``None`` if one is missing."""
    wanted = [str(card["url"]) for card in related]
    links: dict[str, Element] = {}
    targets: dict[Element, str] = {}
    for element in content_elements(page.root):
        if element.tag == "a" and (url := page.link(element.get("href"))) in wanted:
            links.setdefault(url, element)
            targets[element] = url
    cards = []
    for url in wanted:
        link = links.get(url)
        if link is None:
            return None
        card = link
        for ancestor in link.iterancestors():
            others = {targets.get(e) for e in ancestor.iter("a")} - {None, url}
            if others or ancestor.tag in ("body", "html"):
                break
            card = ancestor
        cards.append(card)
    return cards


def learn_related(
    examples: Sequence[tuple[Page, Sequence[Mapping[str, Any]]]],
) -> Related | Failure | None:
    """The related template, ``None`` when no example has related cards."""
    located = []
    for page, related in examples:
        cards = _cards(page, related) if related else []
        if cards is None:
            return Failure("related", 0, len(examples), "archived related URLs not on the page")
        located.append((page, related, cards))
    with_cards = [entry for entry in located if entry[2]]
    if not with_cards:
        return None
    candidates = ranked(
        itertools.chain.from_iterable(
            selectors_for(card) for _p, _r, cards in with_cards[:2] for card in cards[:2]
        )
    )

    def finds_cards(css: str) -> bool:
        for page, _related, cards in located:
            found = select_all(page.root, css)
            if len(found) != len(cards) or any(
                a is not b for a, b in zip(found, cards, strict=True)
            ):
                return False
        return True

    item = next((css for css in candidates if finds_cards(css)), None)
    if item is None:
        return Failure("related", 0, len(examples), "no selector finds the related cards")
    fields: dict[str, Field] = {}
    for name in RELATED_FIELDS:
        scoped = [
            (Scope(card, page.link, inside=True), card_record.get(name))
            for page, related, cards in with_cards
            for card, card_record in zip(cards, related, strict=True)
        ]
        learned = learn_field(f"related.{name}", scoped, _READS[name])
        if isinstance(learned, Failure):
            return Failure(
                "related",
                learned.matched,
                learned.pages,
                f"the cards' {name}, counted by card",
                unit="related cards",
            )
        fields[name] = learned
    return Related(item, fields)
