"""Category listing pages (``/category.php?c=<slug>[&page=N]``)."""

from __future__ import annotations

from collections.abc import Iterator

from crawler import urls
from crawler.items import ListingPage
from crawler.pages.base import Page
from crawler.pages.noise import class_tokens, has_class
from crawler.pages.tree import Element


class CategoryPage(Page):
    def name(self) -> str | None:
        return self.first_text("h1", "category-title")

    def url(self) -> str:
        """The category's own URL: its first page's canonical URL."""
        return urls.canonicalize(urls.drop_param(self.canonical_url, "page"))

    def page(self) -> int:
        return urls.category_page_number(self.canonical_url)

    def articles(self) -> list[str]:
        """On-site article links of the listing, in listing order
        (``ul.article-list li.article-card a.card-link``)."""
        return self._on_site(
            link.get("href")
            for card in self._under("ul", "article-list", "li")
            if has_class(card, "article-card")
            # A card inside a card yields its links twice, later: the URLs are kept once.
            for link in card.iterdescendants("a")
            if has_class(link, "card-link")
        )

    def next_page(self) -> str | None:
        """``nav.pagination a[rel~=next]``: the first such link's URL."""
        for link in self._under("nav", "pagination", "a"):
            rel, href = link.get("rel"), link.get("href")
            if rel is not None and href is not None and "next" in class_tokens(rel):
                return self.link(href)
        return None

    def pages(self) -> list[str]:
        """Every listing page the pagination links to, next link included."""
        return self._on_site(link.get("href") for link in self._under("nav", "pagination", "a"))

    def to_item(self) -> ListingPage | None:
        name = self.name()
        if name is None:
            return None
        return ListingPage(name=name, url=self.url(), page=self.page(), articles=self.articles())

    def _under(self, tag: str, token: str, descendant: str) -> Iterator[Element]:
        """CSS ``tag.token descendant``: each ``descendant`` under a ``tag.token`` once, in
        document order (a container inside another adds none of its own)."""
        outer: Element | None = None
        for container in self.elements(tag):
            if not has_class(container, token):
                continue
            if outer is not None and any(up is outer for up in container.iterancestors(tag)):
                continue
            outer = container
            yield from container.iterdescendants(descendant)

    def _on_site(self, hrefs: Iterator[str | None]) -> list[str]:
        found: dict[str, None] = {}
        for href in hrefs:
            url = self.link(href)
            if url is not None and self.is_on_site(url):
                found.setdefault(url, None)
        return list(found)
