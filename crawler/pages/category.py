"""Category listing pages (``/category.php?c=<slug>[&page=N]``)."""

from __future__ import annotations

from crawler import urls
from crawler.items import CategoryPage as CategoryPageItem
from crawler.pages.base import Page


class CategoryPage(Page):
    def name(self) -> str | None:
        return self.first_text("h1.category-title")

    def url(self) -> str:
        """The category's own URL: its first page's canonical URL."""
        return urls.canonicalize(urls.drop_param(self.canonical_url, "page"))

    def page(self) -> int:
        return urls.category_page_number(self.canonical_url)

    def articles(self) -> list[str]:
        """On-site article links of the listing, in listing order."""
        found: dict[str, None] = {}
        for href in self.selector.css("ul.article-list li.article-card a.card-link::attr(href)"):
            url = self.link(href.get())
            if url is not None and self.is_on_site(url):
                found.setdefault(url, None)
        return list(found)

    def next_page(self) -> str | None:
        return self.link(self.selector.css("nav.pagination a[rel~=next]::attr(href)").get())

    def pages(self) -> list[str]:
        """Every listing page the pagination links to, next link included."""
        found: dict[str, None] = {}
        for href in self.selector.css("nav.pagination a[href]::attr(href)").getall():
            url = self.link(href)
            if url is not None and self.is_on_site(url):
                found.setdefault(url, None)
        return list(found)

    def to_item(self) -> CategoryPageItem | None:
        name = self.name()
        if name is None:
            return None
        return CategoryPageItem(
            name=name, url=self.url(), page=self.page(), articles=self.articles()
        )
