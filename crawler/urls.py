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
    # ``str.split`` separates on exactly the characters ``\\s`` matches in a str pattern, and
    # is several times cheaper than a regex substitution on short strings.
    return "".join(href.split())


def canonicalize(url: str) -> str:
    """Canonical form of an absolute http(s) URL: no fragment, no tracking parameters, sorted
    query, lowercased host, no default port, and no ``page=1`` on category listings (page 1
    is the category's own URL).

    >>> canonicalize("https://articles.example/page.php?utm_source=x&p=0210900&fbclid=1#top")
    'https://articles.example/page.php?p=0210900'
    >>> canonicalize("https://articles.example/category.php?page=1&c=film-history")
    'https://articles.example/category.php?c=film-history'
    """
    # Most URLs a crawl meets are canonical already: recognised without the round trip.
    return url if is_canonical_url(url) else _canonicalize(url)


# Every page repeats the nav and links its neighbours: a few thousand recent URLs catch those.
# Bounded small, since a full cache is memory that grows with the site (~280 bytes an entry).
@lru_cache(maxsize=1 << 12)
def _canonicalize(url: str) -> str:
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
    # An absolute href that is canonical already is its own resolution, whatever the base:
    # urljoin returns it as it is, and it passes every check below.
    if is_canonical_url(cleaned):
        return cleaned
    return _resolve_cleaned(cleaned, base)


def _resolve_cleaned(cleaned: str, base: str) -> str | None:
    """:func:`resolve` by ``urllib``, for an href :func:`clean_href` has cleaned."""
    if not cleaned or cleaned.startswith("#"):
        return None
    try:
        absolute = urljoin(base, cleaned)
        parts = urlsplit(absolute)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        parts.port  # noqa: B018 -- raises ValueError for a malformed or out-of-range port
        return _canonicalize(absolute)
    except ValueError:  # malformed host or port: a broken link, not a page to follow
        return None


# --- recognising canonical URLs without canonicalising them -----------------------------------

_SEGMENT = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*"
_PARAM = r"[A-Za-z0-9._~-]+=[A-Za-z0-9._~-]*"
#: A path and query whose every character canonicalisation keeps as is: RFC 3986's unreserved
#: characters; path segments neither empty nor ``.`` or ``..`` (none may start with a dot);
#: query parameters each with an ``=``. Nothing to percent-encode or decode.
_PLAIN_REFERENCE = re.compile(
    rf"(/(?:{_SEGMENT}(?:/{_SEGMENT})*/?)?)(?:\?({_PARAM}(?:&{_PARAM})*))?"
)
#: An http(s) URL with a plain lower-case host (no user, no port), split into scheme, host and
#: the rest; whether that host is kept as is is asked of the real canonicaliser, once a host.
_PLAIN_URL = re.compile(r"(https?)://([a-z0-9.-]+)(/.*)")


def is_canonical_reference(reference: str) -> bool:
    """True when ``reference`` (a path, and perhaps a query) is what :func:`canonicalize` makes
    of it on any origin: plain characters, no dot segments, parameters sorted, none tracking,
    no ``page=1`` on a category listing.

    >>> is_canonical_reference("/page.php?p=0210900")
    True
    >>> is_canonical_reference("/page.php?p=0210900&utm_source=x")
    False
    >>> is_canonical_reference("/category.php?page=2&c=film-history")
    False
    """
    match = _PLAIN_REFERENCE.fullmatch(reference)
    if match is None:
        return False
    path, query = match.groups()
    if query is None:
        return True
    previous: tuple[str, str] | None = None
    for param in query.split("&"):
        name, _, value = param.partition("=")
        if _is_tracking(name) or (
            path == CATEGORY_PATH and name == "page" and value.lstrip("0") in ("", "1")
        ):
            return False
        # canonicalize sorts the parameters by name, then value.
        if previous is not None and previous > (name, value):
            return False
        previous = name, value
    return True


def is_canonical_url(url: str) -> bool:
    """True when :func:`canonicalize` returns ``url`` as it is: a plain http(s) URL on an
    origin the canonicaliser keeps, with a canonical path and query
    (:func:`is_canonical_reference`).

    >>> is_canonical_url("https://articles.example/page.php?p=0210900")
    True
    >>> is_canonical_url("https://articles.example/page.php?p=0210900#top")
    False
    """
    match = _PLAIN_URL.fullmatch(url)
    return (
        match is not None
        and is_canonical_reference(match[3])
        and _is_canonical_origin(match[1], match[2])
    )


@lru_cache(maxsize=256)
def _is_canonical_origin(scheme: str, host: str) -> bool:
    """Whether the full resolution keeps ``scheme://host/`` as it is (host handling does not
    depend on the path or query): asked once per origin a crawl meets."""
    root = f"{scheme}://{host}/"
    return _resolve_cleaned(root, root) == root


class SiteLinks:
    """Canonical URLs of the hrefs on one page: :func:`resolve` against the page's URL, and
    links to the site itself (any of ``site_netlocs``) named on its public ``origin``.

    Most hrefs on the site's pages are absolute on that origin or root-relative, and already
    canonical: those are recognised by :func:`is_canonical_reference` alone, without
    ``urljoin`` and ``urlsplit``; every other href takes the general path. The shortcuts are
    enabled only where the general path agrees with them on the page's origin and base.
    """

    def __init__(self, base: str, origin: str, site_netlocs: frozenset[str]) -> None:
        self._base = base
        self._origin = origin
        self._site_netlocs = site_netlocs
        try:
            base_parts = urlsplit(base)
        except ValueError:  # a malformed base: no shortcut
            self._absolute_root, self._relative_ok = None, False
            return
        absolute_ok, self._relative_ok = _site_shortcuts(
            base_parts.scheme, base_parts.netloc, origin, site_netlocs
        )
        self._absolute_root = f"{origin}/" if absolute_ok else None

    def resolve(self, href: str) -> str | None:
        cleaned = clean_href(href)
        if cleaned[:1] == "/":
            if self._relative_ok and cleaned[1:2] != "/" and is_canonical_reference(cleaned):
                return self._origin + cleaned
        elif (
            self._absolute_root is not None
            and cleaned.startswith(self._absolute_root)
            and is_canonical_reference(cleaned[len(self._origin) :])
        ):
            return cleaned
        return _site_link(href, self._base, self._origin, self._site_netlocs)


def _site_link(href: str, base: str, origin: str, site_netlocs: frozenset[str]) -> str | None:
    """The general path of :class:`SiteLinks`."""
    resolved = resolve(href, base)
    if resolved and netloc_of(resolved) in site_netlocs:
        return rebase(resolved, origin)
    return resolved


@lru_cache(maxsize=256)
def _site_shortcuts(
    scheme: str, netloc: str, origin: str, site_netlocs: frozenset[str]
) -> tuple[bool, bool]:
    """Whether the general path names ``origin/`` and the root-relative ``/`` as
    ``origin/`` on a page fetched from ``scheme://netloc``: then it names every canonical
    reference on it ``origin + reference`` (urljoin reads nothing else of the base, and host
    handling nothing of the path). Asked once per site a crawl meets."""
    base = urlunsplit((scheme, netloc, "/", "", ""))
    root = f"{origin}/"
    return (
        _site_link(root, base, origin, site_netlocs) == root,
        _site_link("/", base, origin, site_netlocs) == root,
    )


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
