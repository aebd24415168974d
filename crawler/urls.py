"""URL canonicalisation per SITE.md: one URL per article however it is linked.

Pure functions (no Scrapy); page objects use them for record URLs, spiders for scheduling.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

#: Query parameters that only track where a click came from; they never select content.
TRACKING_PARAMS: frozenset[str] = frozenset({"ref", "fbclid", "gclid"})
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)

ARTICLE_PATH = "/page.php"
CATEGORY_PATH = "/category.php"

_WHITESPACE = re.compile(r"\s+")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def netloc_of(url: str) -> str:
    """Host and non-default port, lowercased: what makes two URLs the same site.

    >>> netloc_of("HTTPS://Articles.Example:443/x")
    'articles.example'
    >>> netloc_of("http://127.0.0.1:8080/")
    '127.0.0.1:8080'
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    if port is not None and str(port) != _DEFAULT_PORTS.get(parts.scheme.lower()):
        return f"{host}:{port}"
    return host


def origin_of(url: str) -> str:
    """``scheme://netloc`` of ``url``.

    >>> origin_of("https://articles.example/page.php?p=1")
    'https://articles.example'
    """
    return f"{urlsplit(url).scheme.lower()}://{netloc_of(url)}"


def clean_href(href: str) -> str:
    """Drop every whitespace character: the site's URLs contain none, and hrefs padded or
    broken by whitespace (``" /page.php?p=1\\n"``) still name one page.

    >>> clean_href("  /page.php?p=0210900 \\n")
    '/page.php?p=0210900'
    """
    return _WHITESPACE.sub("", href)


# Every page repeats the nav and links its neighbours: a few thousand recent URLs catch those.
# Bounded small, since a full cache is memory that grows with the site (~280 bytes an entry).
@lru_cache(maxsize=1 << 12)
def canonicalize(url: str) -> str:
    """Canonical form of an absolute http(s) URL: no fragment, no tracking parameters, sorted
    query, lowercased host, no default port, and no ``page=1`` on category listings (page 1
    is the category's own URL).

    >>> canonicalize("https://articles.example/page.php?utm_source=x&p=0210900&fbclid=1#top")
    'https://articles.example/page.php?p=0210900'
    >>> canonicalize("https://articles.example/category.php?page=1&c=film-history")
    'https://articles.example/category.php?c=film-history'
    """
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    if parts.path == CATEGORY_PATH:
        query = [(k, v) for k, v in query if not (k == "page" and v.lstrip("0") in ("", "1"))]
    rebuilt = urlunsplit(
        (parts.scheme.lower(), netloc_of(url), parts.path or "/", urlencode(query), "")
    )
    return canonicalize_url(rebuilt)


def resolve(href: str, base: str) -> str | None:
    """Absolute canonical URL for ``href`` found on a page at ``base``; ``None`` for links that
    are not web pages (``mailto:``, ``javascript:``, empty) or cannot be parsed.

    >>> resolve(" //articles.example/page.php?p=0210900&ref=home ", "https://articles.example/")
    'https://articles.example/page.php?p=0210900'
    >>> resolve("https://articles.example::/", "https://articles.example/") is None
    True
    """
    cleaned = clean_href(href)
    if not cleaned or cleaned.startswith("#"):
        return None
    try:
        absolute = urljoin(base, cleaned)
        parts = urlsplit(absolute)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        parts.port  # noqa: B018 -- raises ValueError for a malformed or out-of-range port
        return canonicalize(absolute)
    except ValueError:  # malformed host or port: a broken link, not a page to follow
        return None


def path_key(url: str) -> str:
    """The canonical URL without its origin: how the crawl state names a page, so that a site
    crawled from a mirror (loopback, staging) and under its public name is one site.

    >>> path_key("https://articles.example/page.php?utm_source=x&p=0211227#top")
    '/page.php?p=0211227'
    >>> path_key("http://127.0.0.1:8000/")
    '/'
    """
    parts = urlsplit(canonicalize(url))
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def rebase(url: str, origin: str) -> str:
    """``url`` with its scheme and host replaced by ``origin``'s.

    >>> rebase("http://127.0.0.1:8000/page.php?p=1", "https://articles.example")
    'https://articles.example/page.php?p=1'
    """
    target = urlsplit(origin)
    parts = urlsplit(url)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))


def query_param(url: str, name: str) -> str | None:
    """First value of query parameter ``name``.

    >>> query_param("https://articles.example/page.php?p=0211227", "p")
    '0211227'
    """
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key == name:
            return value
    return None


def page_kind(url: str) -> str | None:
    """``"article"``, ``"category"`` or ``None``, from the URL shapes of SITE.md.

    >>> page_kind("https://articles.example/page.php?p=0211227")
    'article'
    >>> page_kind("https://articles.example/category.php?c=film-history&page=2")
    'category'
    """
    path = urlsplit(url).path
    if path == ARTICLE_PATH and query_param(url, "p"):
        return "article"
    if path == CATEGORY_PATH and query_param(url, "c"):
        return "category"
    return None


def category_page_number(url: str) -> int:
    """Listing page number of a category URL (1 when absent or malformed).

    >>> category_page_number("https://articles.example/category.php?c=x&page=3")
    3
    """
    raw = query_param(url, "page") or "1"
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def drop_param(url: str, name: str) -> str:
    """``url`` without query parameter ``name``.

    >>> drop_param("https://articles.example/category.php?c=x&page=3", "page")
    'https://articles.example/category.php?c=x'
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
