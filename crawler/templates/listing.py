"""Learning a listing template: a category page's name, its cards' links and its next page.

The labels are the previous run's category records: a listing page's name is its category's
name; its cards are the links to the category's known articles, in the category's order
(links to articles the record does not know yet are welcome: new articles); its next page is
the link to the same category's following page, where the page has one. Validated on
held-out pages as article templates are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from crawler import urls
from crawler.items import Category
from crawler.pages import CategoryPage
from crawler.pages.tree import Element
from crawler.templates.candidates import content_elements, ranked, selectors_for
from crawler.templates.fields import Failure, Scope, learn_field
from crawler.templates.learn import MIN_SHARE
from crawler.templates.model import ListingTemplate
from crawler.templates.select import read_field, select_all, select_first

#: Listing pages learned from; the rest validate.
LEARN_PAGES: Final = 5
#: Links per page whose selectors are tried.
SOURCE_LINKS: Final = 3


@dataclass(frozen=True, slots=True)
class ListingExample:
    page: CategoryPage
    category: Category

    def next_url(self) -> str | None:
        """The URL of the category's following page, if the page links to it."""
        wanted = self.page.url() + f"&page={self.page.page() + 1}"
        for element in content_elements(self.page.root):
            if element.tag == "a" and self.page.link(element.get("href")) == wanted:
                return wanted
        return None

    def known_links(self) -> list[Element]:
        known = set(self.category.articles)
        return [
            e
            for e in content_elements(self.page.root)
            if e.tag == "a" and self.page.link(e.get("href")) in known
        ]


def _cards_right(example: ListingExample, css: str) -> bool:
    page = example.page
    selected = page._on_site(e.get("href") for e in select_all(page.root, css))
    known = {page.link(e.get("href")) for e in example.known_links()}
    if not known <= set(selected) or not selected:
        return False
    if any(urls.page_kind(url) != "article" for url in selected):
        return False
    order = {url: n for n, url in enumerate(example.category.articles)}
    ranks = [order[url] for url in selected if url in order]
    return ranks == sorted(ranks)


def _next_right(example: ListingExample, css: str | None) -> bool:
    found = select_first(example.page.root, css) if css is not None else None
    url = example.page.link(found.get("href")) if found is not None else None
    return url == example.next_url()


def _learn(examples: Sequence[ListingExample]) -> ListingTemplate | Failure:
    name = learn_field(
        "listing name",
        [(Scope(e.page.root, e.page.link), e.category.name) for e in examples],
        "text",
    )
    if isinstance(name, Failure):
        return name
    tried = ranked(
        s
        for e in examples[:2]
        for link in e.known_links()[:SOURCE_LINKS]
        for s in selectors_for(link)
    )
    cards = next((css for css in tried if all(_cards_right(e, css) for e in examples)), None)
    if cards is None:
        right = max((sum(_cards_right(e, css) for e in examples) for css in tried), default=0)
        return Failure("listing cards", right, len(examples))
    with_next = [e for e in examples if e.next_url() is not None]
    if not with_next:
        return ListingTemplate(name, cards, None)
    wanted = {e.next_url() for e in with_next}
    nexts = ranked(
        s
        for e in with_next[:2]
        for link in content_elements(e.page.root)
        if link.tag == "a" and e.page.link(link.get("href")) in wanted
        for s in selectors_for(link)
    )
    following = next((css for css in nexts if all(_next_right(e, css) for e in examples)), None)
    if following is None:
        right = max((sum(_next_right(e, css) for e in examples) for css in nexts), default=0)
        return Failure("listing next page", right, len(examples))
    return ListingTemplate(name, cards, following)


def listing_right(template: ListingTemplate, example: ListingExample) -> bool:
    page = example.page
    return (
        read_field(page.root, template.name, page.link) == example.category.name
        and _cards_right(example, template.cards)
        and _next_right(example, template.next)
    )


def learn_listing(examples: Sequence[ListingExample]) -> ListingTemplate | Failure:
    """Learned from the first :data:`LEARN_PAGES` pages (of as many categories as there are
    first), validated on the rest."""
    ordered = _spread(examples)
    learning, held_out = ordered[:LEARN_PAGES], ordered[LEARN_PAGES:]
    template = _learn(learning)
    if isinstance(template, Failure):
        return template
    right = sum(listing_right(template, e) for e in held_out)
    if held_out and right < MIN_SHARE * len(held_out):
        return Failure("listing", right, len(held_out), "held-out listing pages")
    return template


def _spread(examples: Sequence[ListingExample]) -> list[ListingExample]:
    """One page of each category in turn: a name selector must hold across categories."""
    by_category: dict[str, list[ListingExample]] = {}
    for example in examples:
        by_category.setdefault(example.category.url, []).append(example)
    spread: list[ListingExample] = []
    queues = list(by_category.values())
    while any(queues):
        for queue in queues:
            if queue:
                spread.append(queue.pop(0))
    return spread
