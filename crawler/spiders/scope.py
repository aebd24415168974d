"""Which host a crawl may fetch from, and how the site's own names for itself map onto it."""

from __future__ import annotations

from crawler import urls


class SiteScope:
    """The crawl fetches only from the start URL's origin. A site served from one host may call
    itself by another (its canonical links and robots.txt ``Sitemap:`` name the public origin
    of a mirror); links to such an alias are fetched from the start origin, never the alias.

    >>> scope = SiteScope("http://127.0.0.1:8000/")
    >>> scope.add_alias("https://articles.example/page.php?p=1")
    >>> scope.to_fetch("https://articles.example/page.php?p=2")
    'http://127.0.0.1:8000/page.php?p=2'
    >>> scope.to_fetch("https://elsewhere.example/") is None
    True
    >>> scope.public_origin
    'https://articles.example'
    """

    def __init__(self, start_url: str) -> None:
        self.fetch_origin = urls.origin_of(start_url)
        self.netlocs: set[str] = {urls.netloc_of(start_url)}
        #: The origin the site calls itself by, once a page or robots.txt has named one other
        #: than the fetch origin; records of pages without a canonical link use it too.
        self.public_origin: str | None = None

    def add_alias(self, url: str) -> None:
        netloc = urls.netloc_of(url)
        self.netlocs.add(netloc)
        if self.public_origin is None and urls.origin_of(url) != self.fetch_origin:
            self.public_origin = urls.origin_of(url)

    def is_alias(self, url: str) -> bool:
        """True for a URL on a host the site calls itself by, other than the fetch host."""
        netloc = urls.netloc_of(url)
        return netloc in self.netlocs and netloc != urls.netloc_of(self.fetch_origin)

    def revisit(self, url: str) -> str:
        """The URL to request for a page an earlier crawl of this site archived, under
        whatever name the site had then (a mirror's port changes between runs).

        >>> SiteScope("http://127.0.0.1:8001/").revisit("https://articles.example/page.php?p=1")
        'http://127.0.0.1:8001/page.php?p=1'
        """
        return urls.rebase(url, self.fetch_origin)

    def to_fetch(self, url: str) -> str | None:
        """The URL to request for the canonical URL ``url``, or ``None`` when it is off-site."""
        if urls.netloc_of(url) not in self.netlocs:
            return None
        return urls.rebase(url, self.fetch_origin)
