"""Page objects that read a learned template instead of the hand-written rules.

:func:`article_page_class` and :func:`listing_page_class` make ``ArticlePage`` and
``CategoryPage`` subclasses bound to one template: the spider builds them as it builds the
page objects, and they give the same items. What a template does not cover (the URL, the id)
is read as the page objects read it, from the head's canonical link.
"""

from __future__ import annotations

from lxml import etree

from crawler.items import Block, RelatedLink
from crawler.pages import ArticlePage, CategoryPage
from crawler.pages.text import is_non_text, normalize_space, raw_text
from crawler.pages.tree import Element
from crawler.templates.model import ArticleTemplate, Body, ListingTemplate, Related
from crawler.templates.select import read_field, select_all, select_first


def body_blocks(root: Element, body: Body) -> list[Block] | None:
    """The blocks of ``body`` on the page ``root``; ``None`` when it has no container."""
    container = select_first(root, body.container)
    if container is None:
        return None
    return container_blocks(container, body)


def container_blocks(container: Element, body: Body) -> list[Block]:
    # Sets of the elements themselves, never of their id(): lxml makes a Python proxy per
    # access and frees it after, so an id can come back as another element's.
    dropped = {e for css in body.drop for e in select_all(container, css, inside=True)}
    kinds: dict[Element, str] = {}
    # The first rule that matches an element gives its kind.
    for rule in reversed(body.blocks):
        for element in select_all(container, rule.select, inside=True):
            kinds[element] = rule.kind
    blocks: list[Block] = []

    def skip(element: Element) -> bool:
        return element in dropped

    walker = etree.iterwalk(container, events=("start",))
    for _event, element in walker:
        if element is container:
            continue
        if is_non_text(element) or skip(element):
            walker.skip_subtree()
            continue
        kind = kinds.get(element)
        if kind is not None:
            walker.skip_subtree()
            if text := normalize_space(raw_text(element, skip)):
                blocks.append(Block("heading" if kind == "heading" else "paragraph", text))
    return blocks


def related_links(page: ArticlePage, related: Related | None) -> list[RelatedLink]:
    if related is None:
        return []
    cards = []
    for card in select_all(page.root, related.item):
        values = {
            name: read_field(card, rule, page.link, inside=True)
            for name, rule in related.fields.items()
        }
        if (url := values["url"]) is not None:
            cards.append(
                RelatedLink(url, values["category"], values["summary"], values["published"])
            )
    return cards


class TemplateArticlePage(ArticlePage):
    """An article page read by a learned template (``template`` is set by the subclass
    :func:`article_page_class` makes)."""

    template: ArticleTemplate

    def _field(self, name: str) -> str | None:
        return read_field(self.root, self.template.fields[name], self.link)

    def title(self) -> str | None:
        return self._field("title")

    def summary(self) -> str | None:
        return self._field("summary")

    def published(self) -> str | None:
        return self._field("published")

    def category(self) -> str | None:
        return self._field("category")

    def blocks(self) -> list[Block]:
        return body_blocks(self.root, self.template.body) or []

    def related(self) -> list[RelatedLink]:
        return related_links(self, self.template.related)


class TemplateCategoryPage(CategoryPage):
    """A listing page read by a learned template."""

    template: ListingTemplate

    def name(self) -> str | None:
        return read_field(self.root, self.template.name, self.link)

    def articles(self) -> list[str]:
        return self._on_site(
            link.get("href") for link in select_all(self.root, self.template.cards)
        )

    def next_page(self) -> str | None:
        if self.template.next is None:
            return None
        found = select_first(self.root, self.template.next)
        return self.link(found.get("href")) if found is not None else None

    def pages(self) -> list[str]:
        found = self.next_page()
        return [found] if found is not None else []


def article_page_class(template: ArticleTemplate) -> type[TemplateArticlePage]:
    return type("LearnedArticlePage", (TemplateArticlePage,), {"template": template})


def listing_page_class(template: ListingTemplate) -> type[TemplateCategoryPage]:
    return type("LearnedCategoryPage", (TemplateCategoryPage,), {"template": template})
