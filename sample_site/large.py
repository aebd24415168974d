"""A large generated article site on the loopback interface, rendered on the fly.

``LargeSite(30_000)`` serves 30,000 articles in the real site's markup (SITE.md, the specimen)
without building anything first: every page is rendered per request from the article's index,
the seed, the article's edition and the template design, out of text pools drawn once from the
seed. Tests and benchmarks crawl it, re-crawl it with conditional requests, mutate it in between
and count what the crawler fetched::

    with LargeSite(3000) as site:
        crawl(site.base_url)
        site.change(site.article_ids()[:10])
        site.reset_counts()
        crawl(site.base_url)  # conditional requests
        assert site.article_fetches(200) == 10
        assert site.article_fetches(304) == 2990

:meth:`LargeSite.expected_record` is the record the crawler must archive for an article, derived
from the same data the page is rendered from. ``python -m sample_site.large --articles
3000`` serves one from the shell until interrupted.

Incremental crawls trust what the site says changed, so the site can also say it wrongly or not
at all: ``change(ids, announce=False)`` edits articles while their sitemap ``<lastmod>`` and
``Last-Modified`` keep the old date; ``lastmod=False`` drops ``<lastmod>`` from the sitemaps;
:meth:`LargeSite.publish` adds articles on top of the listings, the home page and the sitemaps.
Sitemaps answer conditional requests like articles, and index entries carry their child's
``<lastmod>``; ``crawl_delay`` puts a ``Crawl-delay`` in robots.txt.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import json
import re
import signal
import socket
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from random import Random
from types import FrameType, TracebackType
from typing import Any, Final, Literal, NamedTuple, Self
from urllib.parse import parse_qsl, urlsplit

from sample_site import corpus, designs
from sample_site.prose import Prose, pick_subject
from sample_site.server import Response, entity_tag, etag_matches

#: Article ``i`` has id ``ARTICLE_ID_BASE + i``: always 7 digits, like the real site's ids.
ARTICLE_ID_BASE: Final = 2_000_000
MAX_ARTICLES: Final = 9_999_999 - ARTICLE_ID_BASE + 1
#: The sitemap protocol allows 50,000 URLs a file; fewer makes even 3,000 articles use an index.
SITEMAP_MAX_URLS: Final = 5_000
#: Statuses :meth:`LargeSite.remove` can make an article answer.
REMOVED_STATUSES: Final = frozenset({404, 410})
#: Paragraphs after which the specimen prints an advertisement slot (desktop and mobile copies).
AD_AFTER_PARAGRAPHS: Final = (2, 5)

Kind = Literal["article", "category", "home", "robots", "sitemap", "other"]

#: Category names as printed; beyond these, names repeat with a number ("Documentary 2").
CATEGORY_NAMES: Final = (
    "National cinemas",
    "Film history",
    "Festivals & awards",
    "Documentary",
    "Animation",
    "Screenwriting",
    "Film criticism",
    "Cinematography",
    "Sound & music",
    "Restoration",
    "World cinema",
    "Genre film",
)

#: The redesigned article template: every class name of the article changes, no text does.
#: Google's own ``ins.adsbygoogle`` keeps its name, as a real redesign could not rename it.
REDESIGN_CLASSES: Final[Mapping[str, str]] = {
    "page-article": "page-entry",
    "post": "entry",
    "breadcrumbs": "crumbs",
    "breadcrumb-category": "crumb-section",
    "post-title": "entry-title",
    "post-summary": "entry-dek",
    "post-meta": "entry-meta",
    "share-buttons": "social-share",
    "share-facebook": "social-facebook",
    "share-x": "social-x",
    "share-reddit": "social-reddit",
    "share-pinterest": "social-pinterest",
    "share-email": "social-email",
    "post-body": "entry-content",
    "ad-container": "promo-box",
    "ad-desktop": "promo-desktop",
    "ad-mobile": "promo-mobile",
    "ad-label": "promo-tag",
    "ad-slot": "promo-slot",
    "related-articles": "further-reading",
    "related-title": "further-title",
    "related-list": "further-list",
    "related-item": "further-item",
    "related-category": "further-section",
    "related-link": "further-link",
    "related-summary": "further-dek",
    "related-sep": "further-sep",
    "related-date": "further-date",
}

_FIRST_DAY: Final = date(1998, 1, 1)
#: Four articles a day keeps 30,000 articles' dates (and edition bumps) in the past.
_ARTICLES_PER_DAY: Final = 4
_EDITION_STEP: Final = timedelta(days=7)
_DESIGN_STEP: Final = timedelta(hours=1)
#: What each change of a child sitemap adds to its lastmod: a removal or a new article moves no
#: article's date, yet the sitemap changed and must say so.
_SITEMAP_STEP: Final = timedelta(seconds=1)
_RELATED_CARDS: Final = 6
# Prime pool sizes: stepping an index by any non-zero stride visits every entry before
# repeating, so successive editions of an article never print the same text twice.
_PARAGRAPHS: Final = 1021
_SUMMARIES: Final = 509
_TITLES: Final = 1009
_HEADINGS: Final = 211
# Salts separating the hash streams of one article's choices.
_S_TITLE, _S_SUMMARY, _S_SHAPE, _S_PARAGRAPH, _S_EDIT, _S_RELATED = range(1, 7)
_MASK: Final = (1 << 64) - 1
_SITEMAP_PATH = re.compile(r"/sitemap-([1-9][0-9]*)\.xml")
_CLASS_MARK = re.compile(r"«([a-z-]+)»")


def _mix(*values: int) -> int:
    """A 64-bit hash of ``values`` (splitmix64 rounds): unlike ``hash()`` it is the same in
    every process, and it is much cheaper than seeding a ``Random`` per page.

    >>> _mix(0, 1) == _mix(0, 1) != _mix(1, 0)
    True
    """
    state = 0
    for value in values:
        state = ((state ^ value) + 0x9E3779B97F4A7C15) & _MASK
        state = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        state = ((state ^ (state >> 27)) * 0x94D049BB133111EB) & _MASK
        state ^= state >> 31
    return state


def article_id_at(index: int) -> str:
    """The id of article ``index`` (counted from 0).

    >>> article_id_at(7)
    '2000007'
    """
    return f"{ARTICLE_ID_BASE + index}"


def slugify(name: str) -> str:
    """A category's ``c`` value from its name.

    >>> slugify("Festivals & awards"), slugify("Documentary 2")
    ('festivals-awards', 'documentary-2')
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def category_names(count: int) -> tuple[tuple[str, str], ...]:
    """``(slug, name)`` of the first ``count`` categories, in navigation order.

    >>> category_names(14)[-2:]
    (('national-cinemas-2', 'National cinemas 2'), ('film-history-2', 'Film history 2'))
    """
    names = [
        CATEGORY_NAMES[k % len(CATEGORY_NAMES)]
        + (f" {k // len(CATEGORY_NAMES) + 1}" if k >= len(CATEGORY_NAMES) else "")
        for k in range(count)
    ]
    return tuple((slugify(name), name) for name in names)


def long_date(day: date) -> str:
    """A date as the site prints it.

    >>> long_date(date(2025, 8, 6))
    'August 06, 2025'
    """
    return f"{corpus.MONTHS[day.month - 1]} {day.day:02d}, {day.year}"


def _html(value: str) -> str:
    # One escaped form serves text and double-quoted attributes alike; &nbsp; keeps the
    # no-break spaces of the corpus visible in the markup (textContent turns them back).
    return escape(value, quote=True).replace("\u00a0", "&nbsp;")


def _normalize(value: str) -> str:
    return " ".join(value.split())


class _Text(NamedTuple):
    """One pool entry: its record text (whitespace-normalised) and its markup."""

    text: str
    html: str


def _plain(value: str) -> _Text:
    return _Text(_normalize(value), _html(value))


class _Pools:
    """Text drawn once per seed; pages pick entries by hashed index."""

    def __init__(self, seed: int) -> None:
        rng = Random(seed)
        self.paragraphs = tuple(self._paragraph(rng) for _ in range(_PARAGRAPHS))
        self.headings = tuple(_plain(self._prose(rng).heading()) for _ in range(_HEADINGS))
        self.titles = tuple(_plain(self._prose(rng).title()) for _ in range(_TITLES))
        self.summaries = tuple(_plain(self._prose(rng).teaser()) for _ in range(_SUMMARIES))

    @staticmethod
    def _prose(rng: Random) -> Prose:
        slug = rng.choice([slug for slug, _name in corpus.CATEGORIES])
        return Prose(rng, pick_subject(rng, slug))

    @staticmethod
    def _flavour(rng: Random) -> str:
        """A sentence with typographic, accented or non-Latin text, as real pages carry."""
        pick = rng.randrange(3)
        if pick == 0:
            return rng.choice(corpus.ENTITY_SENTENCES)
        if pick == 1:
            return rng.choice(corpus.CP1252_SENTENCES)
        return "".join(rng.choice(corpus.NON_LATIN_SENTENCES))

    def _paragraph(self, rng: Random) -> _Text:
        """400 to 600 characters; some print line breaks or an ``<em>`` inside, which the
        record's text flattens."""
        while True:
            prose = self._prose(rng)
            sentences: list[str] = []
            if rng.random() < 0.15:
                sentences.append(self._flavour(rng))
            # Distinct templates, so a paragraph never says the same thing twice.
            templates = iter(rng.sample(corpus.SENTENCES, len(corpus.SENTENCES)))
            while len(" ".join(sentences)) < 400:
                sentences.append(prose.fill(next(templates)))
            text = _normalize(" ".join(sentences))
            if len(text) <= 600:
                break
        marked = [_html(sentence) for sentence in sentences]
        if rng.random() < 0.25:
            marked[1] = f"<em>{marked[1]}</em>"
        separator = "\n" if rng.random() < 0.3 else " "
        return _Text(text, separator.join(marked))


@lru_cache(maxsize=8)
def _pools(seed: int) -> _Pools:
    # Shared by every site with this seed: a test restarting sites pays the draw once.
    return _Pools(seed)


class _Block(NamedTuple):
    kind: Literal["heading", "paragraph"]
    text: _Text


@dataclass(frozen=True, slots=True)
class _Article:
    """What one edition of one article says, before any markup."""

    index: int
    id: str
    title: _Text
    summary: _Text
    published: date
    category: int
    blocks: tuple[_Block, ...]
    related: tuple[int, ...]


def _class_names(template: str, names: Mapping[str, str]) -> str:
    return _CLASS_MARK.sub(lambda found: names.get(found[1], found[1]), template)


_ARTICLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{head_title} | {category}</title>
<meta name="description" content="{summary}">
<link rel="canonical" href="{url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{summary}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{published}T09:00:00+00:00">
<meta property="article:section" content="{category}">
<script type="application/ld+json">{json_ld}</script>
<link rel="stylesheet" href="/static/site.css">
<script async src="/static/ads.js"></script>
</head>
<body class="«page-article»">
{header}
<main id="content">
<article class="«post»" data-id="{id}">
<nav class="«breadcrumbs»"><a href="{origin}/">Home</a> &rsaquo; <a class="«breadcrumb-category»" \
href="{category_url}">{category}</a></nav>
<h1 class="«post-title»">{title}</h1>
<p class="«post-summary»">{summary}</p>
<div class="«post-meta»">Published <time datetime="{published}">{published_text}</time></div>
<ul class="«share-buttons»">\
<li><a class="«share-facebook»" href="https://www.facebook.com/sharer/sharer.php?u={url}" \
rel="nofollow noopener" target="_blank">Facebook</a></li>\
<li><a class="«share-x»" href="https://twitter.com/intent/tweet?url={url}" \
rel="nofollow noopener" target="_blank">X</a></li>\
<li><a class="«share-reddit»" href="https://www.reddit.com/submit?url={url}" \
rel="nofollow noopener" target="_blank">Reddit</a></li>\
<li><a class="«share-pinterest»" href="https://pinterest.com/pin/create/button/?url={url}" \
rel="nofollow noopener" target="_blank">Pinterest</a></li>\
<li><a class="«share-email»" href="mailto:?subject=Shared%20article&amp;body={url}" \
rel="nofollow noopener" target="_blank">Email</a></li></ul>
<div class="«post-body»">
{body}
</div>
</article>
<section class="«related-articles»">
<h2 class="«related-title»">Related Articles</h2>
<ul class="«related-list»">
{related}
</ul>
</section>
</main>
{footer}
</body>
</html>
"""

#: The article page's head: structural redesigns keep it as it is.
_ARTICLE_HEAD = _ARTICLE_PAGE[: _ARTICLE_PAGE.index("<body")]

_RELATED_CARD = (
    '<li class="«related-item»"><a class="«related-category»" href="{category_url}">{category}'
    '</a><a class="«related-link»" href="{url}"><p class="«related-summary»">{summary}</p></a>'
    '<span class="«related-sep»">-</span><time class="«related-date»" datetime="{published}">'
    "{published_text}</time></li>"
)

# Not a format string: the ad script's "{}" is literal.
_AD_SLOT = (
    '<div class="«ad-container» «ad-VARIANT»" data-ad-position="in-article-NUMBER"><span '
    'class="«ad-label»">ADVERTISEMENT</span><div class="«ad-slot»"><ins class="adsbygoogle" '
    'style="display:block" data-ad-client="ca-pub-0000000000000000" data-ad-slot="100NUMBER">'
    "</ins><script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div></div>"
)

_FOOTER = (
    '<footer class="site-footer"><ul><li><a href="/about.php">About</a></li><li><a '
    'href="/privacy.php">Privacy</a></li><li><a href="/contact.php">Contact</a></li></ul>'
    "<p>&copy; 2025 Evergreen. All rights reserved.</p></footer>"
)

_HOME_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Evergreen - essays on film and culture</title>
<link rel="canonical" href="{origin}/"></head>
<body class="page-home">
{header}
<main id="content">
<h2>Latest</h2>
<ul class="article-list">
{cards}
</ul>
</main>
{footer}
</body>
</html>
"""

_CATEGORY_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{name}{page_suffix} | Evergreen</title>
<link rel="canonical" href="{canonical}">
<meta name="description" content="Articles in {name}">
</head>
<body class="page-category">
{header}
<main id="content">
<h1 class="category-title">{name}</h1>
<ul class="article-list">
{cards}
</ul>
{pagination}
</main>
{footer}
</body>
</html>
"""

_CARD = (
    '<li class="article-card"><a class="card-link" href="{url}"><h3 class="card-title">{title}'
    '</h3></a><p class="card-summary">{summary}</p>{date}</li>'
)

_ERROR_PAGE = (
    '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{title} | Evergreen'
    "</title></head>\n<body><h1>{title}</h1></body>\n</html>\n"
)
_ERROR_TITLES: Final = {404: "Page not found", 410: "Gone"}
_VALIDATOR_HEADERS: Final = ("If-None-Match", "If-Modified-Since")


@dataclass(frozen=True, slots=True)
class _Design:
    """One article template with its class names filled in."""

    page: str
    card: str
    ads: tuple[str, ...]
    #: ``page`` with its related section replaced by ``{related}`` (``designs.TILES``).
    tiles: str

    @classmethod
    def named(cls, names: Mapping[str, str]) -> _Design:
        ads = tuple(
            "\n".join(
                _class_names(
                    _AD_SLOT.replace("VARIANT", variant).replace("NUMBER", str(number)), names
                )
                for variant in ("desktop", "mobile")
            )
            for number in range(1, len(AD_AFTER_PARAGRAPHS) + 1)
        )
        page = _class_names(_ARTICLE_PAGE, names)
        section = page[page.index('<section class="') : page.index("</section>") + 10]
        tiles = page.replace(section, "{related}")
        return cls(page, _class_names(_RELATED_CARD, names), ads, tiles)


_DESIGNS: Final = (_Design.named({}), _Design.named(REDESIGN_CLASSES))


@dataclass(frozen=True, slots=True)
class SiteRequest:
    """One request the site answered. ``if_none_match`` / ``if_modified_since``: whether the
    request carried that validator, so conditional hits and misses can be told apart."""

    method: str
    target: str
    kind: Kind
    status: int
    if_none_match: bool
    if_modified_since: bool

    @property
    def conditional(self) -> bool:
        """Whether the request carried either validator."""
        return self.if_none_match or self.if_modified_since


def _kind(path: str) -> Kind:
    if path == "/page.php":
        return "article"
    if path == "/category.php":
        return "category"
    if path == "/":
        return "home"
    if path == "/robots.txt":
        return "robots"
    if path == "/sitemap.xml" or _SITEMAP_PATH.fullmatch(path):
        return "sitemap"
    return "other"


def _error(status: int) -> Response:
    title = _ERROR_TITLES.get(status, "Error")
    return Response(status, _ERROR_PAGE.format(title=title).encode())


def _http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


def _parse_http_date(value: str | None) -> datetime | None:
    """An ``If-Modified-Since`` value; ``None`` if absent or unparseable (then ignored, as
    RFC 9110 asks)."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _fresh(headers: Mapping[str, str], etag: str, last_modified: datetime) -> bool:
    """Whether a request's validators match, so a 304 answers it."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        # RFC 9110: If-Modified-Since is ignored when If-None-Match is present.
        return etag_matches(if_none_match, etag)
    since = _parse_http_date(headers.get("If-Modified-Since"))
    return since is not None and since >= last_modified


def _validated(
    body: bytes, etag: str, last_modified: datetime, headers: Mapping[str, str]
) -> Response:
    """A sitemap's answer: the XML, or a 304 when the request's validators still match."""
    validators = (("ETag", etag), ("Last-Modified", _http_date(last_modified)))
    if _fresh(headers, etag, last_modified):
        return Response(304, b"", "application/xml", headers=validators)
    return Response(200, body, "application/xml", headers=validators)


def _seconds(value: float) -> str:
    """A ``Crawl-delay`` value as a person writes it: robots.txt parsers differ on ``2.0``.

    >>> _seconds(2.0), _seconds(0.5)
    ('2', '0.5')
    """
    return str(int(value)) if value.is_integer() else repr(value)


def _sitemap_number(index: int) -> int:
    """The child sitemap listing article ``index``: fixed id ranges, so it never moves.

    >>> _sitemap_number(0), _sitemap_number(SITEMAP_MAX_URLS)
    (1, 2)
    """
    return index // SITEMAP_MAX_URLS + 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Crawlers open many connections at once; the default backlog of 5 can refuse some.
    request_queue_size = 128
    site: LargeSite

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A crawler killed mid-request (as the resume tests do on purpose) resets its
        # connections; that is the client's doing, not an error of the site.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Hang up on kept-alive clients: after a shutdown their next request must fail, not
        reach a handler thread of the stopped site."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # the client may have closed it already
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "EvergreenLarge/1.0"
    # Headers and body leave in two writes; with Nagle's algorithm the body then waits for the
    # client's delayed ACK of the headers, about 40 ms per request on a kept-alive connection.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        # Only the validators matter; a plain dict keeps respond() callable without a socket.
        validators = {
            name: value
            for name in _VALIDATOR_HEADERS
            if (value := self.headers.get(name)) is not None
        }
        response = self.server.site.respond(self.command, self.path, validators)
        self.send_response(response.status)
        if response.status != 304:
            # A 304 gets no Content-Length: RFC 9110 allows only the 200's length there.
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if with_body and response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # LargeSite counts requests itself; stderr stays quiet for tests and benchmarks.
        return


class LargeSite:
    """A generated site of ``articles`` articles served from a background thread on 127.0.0.1.

    Article ``i`` (id ``f"{2000000 + i}"``) is in category ``i % categories``; newer ids are
    listed first. Pages are a pure function of (seed, id, edition, design), so two sites with
    the same arguments serve the same bytes (apart from the origin they name). ``port=0`` picks
    a free port; a fixed port lets a test restart the site where a crawler expects it, and
    :meth:`start` after :meth:`shutdown` serves again on the same port with the same state.

    Mutations are thread-safe and take effect on the next request: :meth:`change`,
    :meth:`remove`, :meth:`publish`, :meth:`set_redesign`. Every answered request is counted by
    kind and status.

    ``lastmod=False`` serves sitemaps without any ``<lastmod>`` (their HTTP validators stay), as
    many real sites do; ``crawl_delay`` adds a ``Crawl-delay`` line to robots.txt.
    """

    def __init__(
        self,
        articles: int,
        *,
        seed: int = 0,
        port: int = 0,
        per_page: int = 12,
        categories: int = 8,
        lastmod: bool = True,
        crawl_delay: float | None = None,
    ) -> None:
        if not 1 <= articles <= MAX_ARTICLES:
            raise ValueError(f"articles must be 1 to {MAX_ARTICLES}, not {articles}")
        if per_page < 1 or categories < 1:
            raise ValueError("per_page and categories must be at least 1")
        if crawl_delay is not None and not 0 <= crawl_delay < float("inf"):
            raise ValueError(f"crawl_delay must be a finite number of seconds, not {crawl_delay}")
        #: Grows with :meth:`publish`, which writes it under ``_lock``.
        self.articles = articles
        # Related cards of the articles built with the site are drawn from this many, so
        # publishing later never changes their pages.
        self._founded = articles
        self.seed = seed
        self._lastmod = lastmod
        self.crawl_delay: float | None = None if crawl_delay is None else float(crawl_delay)
        self.per_page = per_page
        self.categories: tuple[tuple[str, str], ...] = category_names(categories)
        self._category_index = {slug: k for k, (slug, _name) in enumerate(self.categories)}
        self._pools = _pools(seed)
        self._httpd = self._bind(port)
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/"
        self.origin = self.base_url.rstrip("/")
        self._category_urls = tuple(
            f"{self.origin}/category.php?c={slug}" for slug, _name in self.categories
        )
        self._category_html = tuple(_html(name) for _slug, name in self.categories)
        self._header = self._site_header()
        self._thread: threading.Thread | None = None
        # Mutable state, guarded by _lock. Editions default to 1 and are stored only once bumped.
        self._lock = threading.Lock()
        self._editions: dict[int, int] = {}
        # The edition each article's dates last announced: behind _editions after silent edits.
        self._announced: dict[int, int] = {}
        self._removed: dict[int, int] = {}
        # Per child sitemap number: how often its bytes changed by a removal, a published
        # article or an announced edit, and the latest announced date (design epoch left out)
        # of any article ever in it. Together they make its lastmod move forward on every
        # change without scanning its articles; peaks are filled on first use.
        self._sitemap_changes: Counter[int] = Counter()
        self._sitemap_peaks: dict[int, datetime] = {}
        # Child sitemap number -> ((changes, design epoch), body, ETag): that key fixes the body,
        # so a conditional re-fetch of a 5,000-URL sitemap costs no rendering.
        self._sitemaps: dict[int, tuple[tuple[int, int], bytes, str]] = {}
        self._redesign = False
        # A structural design of article and listing pages (sample_site.designs), or None.
        self._structure: str | None = None
        self._related_lists = True
        # Counts set_redesign flips, so Last-Modified moves forward even when a flip restores
        # an earlier design (an If-Modified-Since from the redesigned crawl must not match).
        self._design_epoch = 0
        self._listings: dict[int, list[int]] = {}
        # (index, edition, redesign) -> ETag: a conditional hit then costs no rendering.
        # Plain dict operations are atomic under the GIL; a race only renders a page twice.
        self._etags: dict[tuple[int, int, bool, bool, str | None], str] = {}
        self._stats_lock = threading.Lock()
        self._requests: list[SiteRequest] = []
        self._counts: Counter[tuple[str, int]] = Counter()
        self._conditional: Counter[tuple[str, int]] = Counter()

    def _bind(self, port: int) -> _Server:
        httpd = _Server(("127.0.0.1", port))
        httpd.site = self
        return httpd

    # ---- ids and content -------------------------------------------------------------------

    def article_url(self, article_id: str) -> str:
        """The canonical URL of an article on this site."""
        return f"{self.origin}/page.php?p={article_id}"

    def article_ids(self) -> list[str]:
        """Every article id, removed ones included, in ascending order."""
        return [article_id_at(index) for index in range(self.articles)]

    def live_ids(self) -> list[str]:
        """The ids of articles not removed, in ascending order."""
        with self._lock:
            removed = set(self._removed)
            articles = self.articles
        return [article_id_at(i) for i in range(articles) if i not in removed]

    def edition(self, article_id: str) -> int:
        """The article's current edition: 1, plus one per :meth:`change`."""
        index = self._require(article_id)
        with self._lock:
            return self._editions.get(index, 1)

    def lastmod(self, article_id: str) -> datetime:
        """The date the sitemap advertises for the article, also its ``Last-Modified``: that
        of the last announced edition, so it lags :meth:`edition` after silent changes. A
        removed article keeps the date it had."""
        index = self._require(article_id)
        with self._lock:
            return self._last_modified(index, self._announced.get(index, 1), self._design_epoch)

    def _index(self, article_id: str | None) -> int | None:
        if article_id is None or len(article_id) != 7 or not article_id.isascii():
            return None
        if not article_id.isdigit():
            return None
        index = int(article_id) - ARTICLE_ID_BASE
        return index if 0 <= index < self.articles else None

    def _require(self, article_id: str) -> int:
        index = self._index(article_id)
        if index is None:
            raise KeyError(f"no article {article_id!r} on this site")
        return index

    def _published(self, index: int) -> date:
        return _FIRST_DAY + timedelta(days=index // _ARTICLES_PER_DAY)

    def _summary(self, index: int, edition: int) -> _Text:
        start = _mix(self.seed, index, _S_SUMMARY)
        stride = 1 + _mix(self.seed, index, _S_SUMMARY, 1) % (_SUMMARIES - 1)
        return self._pools.summaries[(start + (edition - 1) * stride) % _SUMMARIES]

    def _related(self, index: int) -> tuple[int, ...]:
        """Other articles of the same category, fixed per article whatever happens later
        (none while related lists are switched off).

        They are drawn from the articles the site had when this one appeared: the founding
        ones for those built with the site, the older ones for a published article. So
        :meth:`publish` changes no existing page, and a site that never publishes prints what
        it always did."""
        if not self._related_lists:
            return ()
        count = len(self.categories)
        category, position = index % count, index // count
        size = (max(self._founded, index + 1) - category + count - 1) // count
        others = size - 1
        if others <= 2 * _RELATED_CARDS:
            # Few candidates: the next ones round the category, no hashing needed.
            positions = [
                (position + step) % size for step in range(1, min(others, _RELATED_CARDS) + 1)
            ]
        else:
            positions = []
            salt = 0
            while len(positions) < _RELATED_CARDS:
                step = 1 + _mix(self.seed, index, _S_RELATED, salt) % others
                candidate = (position + step) % size
                if candidate not in positions:
                    positions.append(candidate)
                salt += 1
        return tuple(category + count * p for p in positions)

    def _article(self, index: int, edition: int) -> _Article:
        pools, seed = self._pools, self.seed
        shape = _mix(seed, index, _S_SHAPE)
        paragraph_count = 7 + shape % 3
        chosen = [_mix(seed, index, _S_PARAGRAPH, k) % _PARAGRAPHS for k in range(paragraph_count)]
        if edition > 1:
            # One paragraph is rewritten per edition; a prime pool and a non-zero stride make
            # every edition's text differ from every other's.
            edited = _mix(seed, index, _S_EDIT) % paragraph_count
            stride = 1 + _mix(seed, index, _S_EDIT, 1) % (_PARAGRAPHS - 1)
            chosen[edited] = (chosen[edited] + (edition - 1) * stride) % _PARAGRAPHS
        headings = {3: (shape >> 8) % _HEADINGS}
        if (shape >> 20) % 2:
            headings[6] = (shape >> 24) % _HEADINGS
        blocks: list[_Block] = []
        for k, pick in enumerate(chosen):
            if k in headings:
                blocks.append(_Block("heading", pools.headings[headings[k]]))
            blocks.append(_Block("paragraph", pools.paragraphs[pick]))
        return _Article(
            index=index,
            id=article_id_at(index),
            title=pools.titles[_mix(seed, index, _S_TITLE) % _TITLES],
            summary=self._summary(index, edition),
            published=self._published(index),
            category=index % len(self.categories),
            blocks=tuple(blocks),
            related=self._related(index),
        )

    def expected_record(self, article_id: str) -> dict[str, Any]:
        """The record SITE.md defines for the article's current edition: what
        ``crawler.extract_article`` must return for its page under either design. A removed
        article keeps the record of the edition it had when removed. ``KeyError`` for an id
        this site never had."""
        index = self._require(article_id)
        with self._lock:
            edition = self._editions.get(index, 1)
        article = self._article(index, edition)
        category = self.categories[article.category][1]
        texts = [block.text.text for block in article.blocks]
        return {
            "type": "article",
            "url": self.article_url(article.id),
            "id": article.id,
            "title": article.title.text,
            "summary": article.summary.text,
            "published": article.published.isoformat(),
            "category": category,
            "body": "\n\n".join(texts),
            "blocks": [{"kind": block.kind, "text": block.text.text} for block in article.blocks],
            "related": [
                {
                    "url": self.article_url(article_id_at(other)),
                    "category": category,
                    # Related cards print the first edition's teaser, so changing an article
                    # never changes the pages that link to it.
                    "summary": self._summary(other, 1).text,
                    "published": self._published(other).isoformat(),
                }
                for other in article.related
            ],
        }

    def expected_records(self) -> Iterator[dict[str, Any]]:
        """:meth:`expected_record` of every live article, in ascending id order."""
        for article_id in self.live_ids():
            yield self.expected_record(article_id)

    def expected_category(self, slug: str) -> dict[str, Any]:
        """The category record SITE.md defines: live articles in listing order (newest
        first) across all pages. ``KeyError`` for an unknown slug."""
        category = self._category_index[slug]
        return {
            "type": "category",
            "name": self.categories[category][1],
            "url": self._category_urls[category],
            "articles": [self.article_url(article_id_at(i)) for i in self._listing(category)],
        }

    # ---- mutations -------------------------------------------------------------------------

    def change(self, ids: Iterable[str], *, announce: bool = True) -> None:
        """Publish a new edition of each article: its summary and one body paragraph change,
        and with them its bytes, ETag and Last-Modified. Pages linking to it do not change.

        ``announce=False`` is an edit the site does not own up to: bytes and ETag change, but
        the sitemap's ``<lastmod>`` and ``Last-Modified`` keep the last announced edition's
        date, so a crawl trusting dates misses it. A later announced change dates the then
        current edition."""
        indexes = [self._require(article_id) for article_id in ids]
        with self._lock:
            for index in indexes:
                edition = self._editions[index] = self._editions.get(index, 1) + 1
                if announce:
                    self._announce_locked(index, edition)

    def _announce_locked(self, index: int, edition: int) -> None:
        self._announced[index] = edition
        number = _sitemap_number(index)
        self._sitemap_changes[number] += 1
        peak = self._sitemap_peaks.get(number)
        if peak is not None:
            # Editions only grow, so the new date can only raise the peak.
            self._sitemap_peaks[number] = max(peak, self._last_modified(index, edition, 0))

    def remove(self, ids: Iterable[str], status: int = 410) -> None:
        """Make each article answer ``status`` (404 or 410) and drop it from the home page,
        category listings and sitemaps. Related cards elsewhere keep linking to it, so no
        other article page changes."""
        if status not in REMOVED_STATUSES:
            raise ValueError(f"status must be one of {sorted(REMOVED_STATUSES)}, not {status}")
        indexes = [self._require(article_id) for article_id in ids]
        with self._lock:
            for index in indexes:
                if index not in self._removed:
                    # Only leaving the sitemap changes it; a new status for a removed one not.
                    self._sitemap_changes[_sitemap_number(index)] += 1
                self._removed[index] = status
            self._listings.clear()

    def publish(self, count: int) -> list[str]:
        """Add ``count`` new articles after the newest and return their ids: each goes on top
        of its category's listing and of the home page, and into the last child sitemap or a
        new one, as a site's fresh articles do. Their related cards point to older articles;
        no existing page but those listings, the home page and the sitemaps changes."""
        if count < 0:
            raise ValueError(f"count must not be negative, not {count}")
        with self._lock:
            first = self.articles
            if first + count > MAX_ARTICLES:
                raise ValueError(f"a site holds at most {MAX_ARTICLES} articles")
            for index in range(first, first + count):
                number = _sitemap_number(index)
                self._sitemap_changes[number] += 1
                peak = self._sitemap_peaks.get(number)
                if peak is not None:
                    self._sitemap_peaks[number] = max(peak, self._last_modified(index, 1, 0))
            self.articles = first + count
            self._listings.clear()
        return [article_id_at(index) for index in range(first, first + count)]

    def set_redesign(self, redesign: bool) -> None:
        """Switch every article page to the redesigned template (every class name of the
        article renamed, see :data:`REDESIGN_CLASSES`) or back. Texts and head metadata stay,
        so records do not change while every article's bytes, ETag and Last-Modified do."""
        with self._lock:
            if redesign != self._redesign:
                self._redesign = redesign
                self._design_epoch += 1

    def set_related_lists(self, enabled: bool) -> None:
        """Print the "Related Articles" section with its cards, or empty (a template change
        that drops a field from every article: each record changes, and the field's coverage
        falls to nothing)."""
        with self._lock:
            if enabled != self._related_lists:
                self._related_lists = enabled
                self._design_epoch += 1

    def set_structure(self, design: str | None) -> None:
        """Switch article and category pages to a structural redesign (one of
        ``sample_site.designs.STRUCTURAL``, or ``designs.TILES``), or back with ``None``. The
        head and every text
        stay, so records do not change (but under ``designs.DROPPING``, which prints no related
        summaries), while every article's bytes, ETag and Last-Modified do."""
        if design is not None and design not in (*designs.STRUCTURAL, designs.TILES):
            raise ValueError(f"no structural design {design!r}")
        with self._lock:
            if design != self._structure:
                self._structure = design
                self._design_epoch += 1

    @property
    def redesigned(self) -> bool:
        """Whether article pages use the redesigned template."""
        with self._lock:
            return self._redesign

    # ---- rendering -------------------------------------------------------------------------

    def _site_header(self) -> str:
        links = "".join(
            f'<li><a href="{url}">{name}</a></li>'
            for url, name in zip(self._category_urls, self._category_html, strict=True)
        )
        return (
            f'<header class="site-header"><a class="logo" href="{self.origin}/">Evergreen</a>'
            f'<nav class="main-nav"><ul>{links}</ul></nav><form class="search" '
            'action="/search.php"><input name="q" type="search"></form></header>'
        )

    def render_article(self, article_id: str, *, edition: int | None = None) -> bytes:
        """The article page's bytes in the current design, at its current edition unless
        ``edition`` is given. Served as is; exposed for benchmarks of rendering itself."""
        index = self._require(article_id)
        with self._lock:
            current = self._editions.get(index, 1)
            redesign = self._redesign
            structure = self._structure
        if edition is not None and edition < 1:
            raise ValueError(f"editions start at 1, not {edition}")
        return self._render_article(index, edition or current, redesign, structure)

    def _render_article(
        self, index: int, edition: int, redesign: bool, structure: str | None = None
    ) -> bytes:
        article = self._article(index, edition)
        if structure is not None and structure != designs.TILES:
            return self._render_structural(article, structure)
        design = _DESIGNS[redesign]
        category = self._category_html[article.category]
        category_url = self._category_urls[article.category]
        body: list[str] = []
        paragraphs = 0
        for block in article.blocks:
            if block.kind == "heading":
                body.append(f"<h2>{block.text.html}</h2>")
                continue
            body.append(f"<p>{block.text.html}</p>")
            paragraphs += 1
            if paragraphs in AD_AFTER_PARAGRAPHS:
                body.append(design.ads[AD_AFTER_PARAGRAPHS.index(paragraphs)])
        related = [
            design.card.format(
                category_url=category_url,
                category=category,
                url=self.article_url(article_id_at(other)),
                summary=self._summary(other, 1).html,
                published=(day := self._published(other)).isoformat(),
                published_text=long_date(day),
            )
            for other in article.related
        ]
        fields = self._page_fields(article)
        if structure == designs.TILES:
            tiles = designs.related_tiles(self._related_cards(article, fields))
            return design.tiles.format(body="\n".join(body), related=tiles, **fields).encode()
        page = design.page.format(body="\n".join(body), related="\n".join(related), **fields)
        return page.encode()

    def _page_fields(self, article: _Article) -> dict[str, str]:
        """What an article page's template is filled with, but its body and related cards."""
        url = self.article_url(article.id)
        published = article.published.isoformat()
        json_ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "Article",
                "headline": article.title.text,
                "description": article.summary.text,
                "datePublished": f"{published}T09:00:00+00:00",
                "articleSection": self.categories[article.category][1],
                "mainEntityOfPage": url,
            },
            ensure_ascii=False,
        ).replace("</", "<\\/")
        return {
            "head_title": article.title.html.removesuffix("."),
            "category": self._category_html[article.category],
            "summary": article.summary.html,
            "url": url,
            "title": article.title.html,
            "published": published,
            "published_text": long_date(article.published),
            "json_ld": json_ld,
            "header": self._header,
            "origin": self.origin,
            "id": article.id,
            "category_url": self._category_urls[article.category],
            "footer": _FOOTER,
        }

    def _render_structural(self, article: _Article, structure: str) -> bytes:
        fields = self._page_fields(article)
        parts = designs.ArticleParts(
            head=_ARTICLE_HEAD.format(**fields),
            header=self._header,
            footer=_FOOTER,
            origin=self.origin,
            url=fields["url"],
            title=fields["title"],
            summary=fields["summary"],
            published=fields["published"],
            published_text=fields["published_text"],
            category=fields["category"],
            category_url=fields["category_url"],
            blocks=[(block.kind, block.text.html) for block in article.blocks],
            ad_after=AD_AFTER_PARAGRAPHS,
            related=self._related_cards(article, fields),
        )
        return designs.render_article(structure, parts).encode()

    def _related_cards(
        self, article: _Article, fields: Mapping[str, str]
    ) -> list[designs.RelatedCard]:
        return [
            designs.RelatedCard(
                url=self.article_url(article_id_at(other)),
                category=fields["category"],
                category_url=fields["category_url"],
                summary=self._summary(other, 1).html,
                published=(day := self._published(other)).isoformat(),
                published_text=long_date(day),
            )
            for other in article.related
        ]

    def _last_modified(self, index: int, edition: int, epoch: int) -> datetime:
        published = self._published(index)
        moment = datetime(published.year, published.month, published.day, 9, tzinfo=UTC)
        return moment + (edition - 1) * _EDITION_STEP + epoch * _DESIGN_STEP

    def _card(self, index: int, *, with_date: bool) -> str:
        with self._lock:
            edition = self._editions.get(index, 1)
        day = self._published(index)
        return _CARD.format(
            url=self.article_url(article_id_at(index)),
            title=self._pools.titles[_mix(self.seed, index, _S_TITLE) % _TITLES].html,
            summary=self._summary(index, edition).html,
            date=f'<time datetime="{day.isoformat()}">{long_date(day)}</time>' if with_date else "",
        )

    def _listing(self, category: int) -> list[int]:
        """Live articles of a category, newest first."""
        with self._lock:
            listing = self._listings.get(category)
            if listing is None:
                count = len(self.categories)
                last = category + count * ((self.articles - 1 - category) // count)
                listing = [i for i in range(last, -1, -count) if i not in self._removed]
                self._listings[category] = listing
            return listing

    # ---- routing ---------------------------------------------------------------------------

    def _answer_article(self, query: dict[str, str], headers: Mapping[str, str]) -> Response:
        index = self._index(query.get("p"))
        if index is None:
            return _error(404)
        with self._lock:
            removed = self._removed.get(index)
            edition = self._editions.get(index, 1)
            announced = self._announced.get(index, 1)
            redesign = self._redesign
            structure = self._structure
            epoch = self._design_epoch
            related = self._related_lists
        if removed is not None:
            return _error(removed)
        key = (index, edition, redesign, related, structure)
        body: bytes | None = None
        etag = self._etags.get(key)
        if etag is None:
            body = self._render_article(index, edition, redesign, structure)
            etag = self._etags[key] = entity_tag(body)
        last_modified = self._last_modified(index, announced, epoch)
        validators = (("ETag", etag), ("Last-Modified", _http_date(last_modified)))
        if _fresh(headers, etag, last_modified):
            return Response(304, b"", headers=validators)
        if body is None:
            body = self._render_article(index, edition, redesign, structure)
        return Response(200, body, headers=validators)

    def _answer_category(self, query: dict[str, str]) -> Response:
        category = self._category_index.get(query.get("c", ""))
        page_text = query.get("page") or "1"
        if category is None or not page_text.isascii() or not page_text.isdigit():
            return _error(404)
        listing = self._listing(category)
        pages = max(1, -(-len(listing) // self.per_page))
        page = int(page_text)
        if not 1 <= page <= pages:
            return _error(404)
        base = self._category_urls[category]
        shown = listing[(page - 1) * self.per_page : page * self.per_page]
        with self._lock:
            structure = self._structure
        if structure is not None and structure != designs.TILES:
            return self._structural_category(structure, category, page, pages, shown)
        cards = "\n".join(self._card(index, with_date=True) for index in shown)
        html = _CATEGORY_PAGE.format(
            name=self._category_html[category],
            page_suffix=f" - page {page}" if page > 1 else "",
            canonical=self._page_href(base, page),
            header=self._header,
            cards=cards,
            pagination=self._pagination(base, page, pages),
            footer=_FOOTER,
        )
        return Response(200, html.encode())

    def _structural_category(
        self, structure: str, category: int, page: int, pages: int, shown: list[int]
    ) -> Response:
        base = self._category_urls[category]
        name = self._category_html[category]
        head = _CATEGORY_PAGE[: _CATEGORY_PAGE.index("<body")].format(
            name=name,
            page_suffix=f" - page {page}" if page > 1 else "",
            canonical=self._page_href(base, page),
        )
        cards = []
        for index in shown:
            with self._lock:
                edition = self._editions.get(index, 1)
            day = self._published(index)
            cards.append(
                designs.ListingCard(
                    url=self.article_url(article_id_at(index)),
                    title=self._pools.titles[_mix(self.seed, index, _S_TITLE) % _TITLES].html,
                    summary=self._summary(index, edition).html,
                    published=day.isoformat(),
                    published_text=long_date(day),
                )
            )
        html = designs.render_listing(
            structure,
            head=head,
            header=self._header,
            footer=_FOOTER,
            name=name,
            cards=cards,
            newer=self._page_href(base, page - 1) if page > 1 else None,
            older=self._page_href(base, page + 1) if page < pages else None,
        )
        return Response(200, html.encode())

    @staticmethod
    def _page_href(base: str, page: int) -> str:
        return base if page == 1 else f"{base}&amp;page={page}"

    def _pagination(self, base: str, page: int, pages: int) -> str:
        """Links to the first and last pages and two either side of this one, then next."""
        numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
        parts = [
            f'<span class="current">{n}</span>'
            if n == page
            else f'<a href="{self._page_href(base, n)}">{n}</a>'
            for n in numbers
        ]
        if page < pages:
            href = self._page_href(base, page + 1)
            parts.append(f'<a class="next" rel="next" href="{href}">Next &raquo;</a>')
        return f'<nav class="pagination">{" ".join(parts)}</nav>'

    def _answer_home(self) -> Response:
        with self._lock:
            removed = set(self._removed)
            index = self.articles - 1
        latest: list[int] = []
        while index >= 0 and len(latest) < self.per_page:
            if index not in removed:
                latest.append(index)
            index -= 1
        cards = "\n".join(self._card(i, with_date=False) for i in latest)
        html = _HOME_PAGE.format(
            origin=self.origin, header=self._header, cards=cards, footer=_FOOTER
        )
        return Response(200, html.encode())

    def _answer_robots(self) -> Response:
        delay = "" if self.crawl_delay is None else f"Crawl-delay: {_seconds(self.crawl_delay)}\n"
        text = (
            f"User-agent: *\nDisallow: /search.php\nDisallow: /private/\n{delay}\n"
            f"Sitemap: {self.origin}/sitemap.xml\n"
        )
        return Response(200, text.encode(), "text/plain; charset=utf-8")

    def sitemap_count(self) -> int:
        """How many ``/sitemap-N.xml`` files the index lists (fixed id ranges, so removals
        never move an article to another file)."""
        return -(-self.articles // SITEMAP_MAX_URLS)

    def sitemap_lastmod(self, number: int) -> datetime:
        """The ``<lastmod>`` the index gives ``/sitemap-{number}.xml``, also its
        ``Last-Modified``: the latest announced date of any article ever in it (removed ones
        too, so it never goes back), one second later per announced edit, removal or published
        article in it: each changes the file even when no date beats the latest. Silent edits
        leave it. ``KeyError`` for a number the index does not list."""
        with self._lock:
            if not 1 <= number <= self.sitemap_count():
                raise KeyError(f"no sitemap {number} on this site")
            return self._sitemap_lastmod_locked(number)

    def _sitemap_lastmod_locked(self, number: int) -> datetime:
        peak = self._sitemap_peaks.get(number)
        if peak is None:
            first = (number - 1) * SITEMAP_MAX_URLS
            last = min(self.articles, first + SITEMAP_MAX_URLS) - 1
            # Dates grow with the index, so of the unedited articles the last is the latest;
            # only announced editions can beat it.
            peak = self._last_modified(last, 1, 0)
            for index, edition in self._announced.items():
                if first <= index <= last:
                    peak = max(peak, self._last_modified(index, edition, 0))
            self._sitemap_peaks[number] = peak
        return (
            peak + self._design_epoch * _DESIGN_STEP + self._sitemap_changes[number] * _SITEMAP_STEP
        )

    def _answer_sitemap_index(self, headers: Mapping[str, str]) -> Response:
        with self._lock:
            numbers = range(1, self.sitemap_count() + 1)
            dates = [self._sitemap_lastmod_locked(n) for n in numbers]
            # Not just the latest entry: an older child's lastmod moving leaves that as it was,
            # yet the index's bytes changed, and an If-Modified-Since must not get a 304. One
            # second per change of any child keeps it moving, and never before any entry.
            last_modified = (
                max(self._sitemap_peaks[n] for n in numbers)
                + self._design_epoch * _DESIGN_STEP
                + sum(self._sitemap_changes[n] for n in numbers) * _SITEMAP_STEP
            )
        entries = "".join(
            f"  <sitemap><loc>{self.origin}/sitemap-{n}.xml</loc>"
            + (f"<lastmod>{modified.isoformat()}</lastmod>" if self._lastmod else "")
            + "</sitemap>\n"
            for n, modified in enumerate(dates, start=1)
        )
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</sitemapindex>\n"
        ).encode()
        return _validated(xml, entity_tag(xml), last_modified, headers)

    def _answer_sitemap(self, number: int, headers: Mapping[str, str]) -> Response:
        with self._lock:
            if not 1 <= number <= self.sitemap_count():
                return _error(404)
            last_modified = self._sitemap_lastmod_locked(number)
            key = (self._sitemap_changes[number], self._design_epoch)
            cached = self._sitemaps.get(number)
            first = (number - 1) * SITEMAP_MAX_URLS
            stop = min(self.articles, first + SITEMAP_MAX_URLS)
            if cached is not None and cached[0] == key:
                return _validated(cached[1], cached[2], last_modified, headers)
            removed = {i for i in self._removed if first <= i < stop}
            announced = {i: e for i, e in self._announced.items() if first <= i < stop}
        # Rendered outside the lock, so a 5,000-URL sitemap does not stall other requests; two
        # threads racing here render the same bytes twice, no harm.
        entries = []
        for index in range(first, stop):
            if index in removed:
                continue
            lastmod = ""
            if self._lastmod:
                modified = self._last_modified(index, announced.get(index, 1), key[1])
                lastmod = f"<lastmod>{modified.isoformat()}</lastmod>"
            url = self.article_url(article_id_at(index))
            entries.append(f"  <url><loc>{url}</loc>{lastmod}</url>\n")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{''.join(entries)}</urlset>\n"
        ).encode()
        etag = entity_tag(xml)
        with self._lock:
            self._sitemaps[number] = (key, xml, etag)
        return _validated(xml, etag, last_modified, headers)

    def _route(self, target: str, headers: Mapping[str, str]) -> tuple[Kind, Response]:
        parts = urlsplit(target)
        path = parts.path
        kind = _kind(path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if kind == "article":
            return kind, self._answer_article(query, headers)
        if kind == "category":
            return kind, self._answer_category(query)
        if kind == "home":
            return kind, self._answer_home()
        if kind == "robots":
            return kind, self._answer_robots()
        if kind == "sitemap":
            found = _SITEMAP_PATH.fullmatch(path)
            if found is None:
                return kind, self._answer_sitemap_index(headers)
            return kind, self._answer_sitemap(int(found[1]), headers)
        return kind, _error(404)

    def respond(self, method: str, target: str, headers: Mapping[str, str]) -> Response:
        """Answer one request and count it. ``target`` is the path and query as sent;
        ``headers`` holds the request's ``If-None-Match`` / ``If-Modified-Since`` under those
        exact names (the handler passes only these), so tests can call it without a socket."""
        kind, response = self._route(target, headers)
        record = SiteRequest(
            method=method,
            target=target,
            kind=kind,
            status=response.status,
            if_none_match="If-None-Match" in headers,
            if_modified_since="If-Modified-Since" in headers,
        )
        # Counted before the answer is sent, so a client holding its reply sees it counted.
        with self._stats_lock:
            self._requests.append(record)
            self._counts[kind, response.status] += 1
            if record.conditional:
                self._conditional[kind, response.status] += 1
        return response

    # ---- counting --------------------------------------------------------------------------

    def counts(self) -> Counter[tuple[str, int]]:
        """Requests answered since the start or :meth:`reset_counts`, by ``(kind, status)``;
        kind is one of "article", "category", "home", "robots", "sitemap", "other".
        ``counts()["article", 304]`` are conditional hits."""
        with self._stats_lock:
            return Counter(self._counts)

    def conditional_counts(self) -> Counter[tuple[str, int]]:
        """Like :meth:`counts`, for the requests that carried ``If-None-Match`` or
        ``If-Modified-Since``: ``("article", 200)`` here is a changed page re-downloaded."""
        with self._stats_lock:
            return Counter(self._conditional)

    def article_fetches(self, status: int = 200) -> int:
        """How many article requests were answered with ``status``."""
        with self._stats_lock:
            return self._counts["article", status]

    @property
    def requests(self) -> list[SiteRequest]:
        """Every answered request in order, since the start or :meth:`reset_counts`."""
        with self._stats_lock:
            return list(self._requests)

    def reset_counts(self) -> None:
        """Forget the requests answered so far (the site's content is untouched)."""
        with self._stats_lock:
            self._requests.clear()
            self._counts.clear()
            self._conditional.clear()

    # ---- serving ---------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving in a daemon thread (again on the same port after :meth:`shutdown`,
        keeping every mutation); returns ``base_url``."""
        if self._thread is None:
            if self._httpd.socket.fileno() == -1:
                self._httpd = self._bind(self.port)
            # A short poll interval makes shutdown() return promptly (tests start many servers).
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="large-site",
                daemon=True,
            )
            self._thread.start()
        return self.base_url

    def shutdown(self) -> None:
        """Stop serving, hang up on kept-alive connections and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.shutdown()


def main(argv: list[str] | None = None) -> int:
    """``python -m sample_site.large``: serve a large site until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m sample_site.large",
        description="Serve a large generated article site on 127.0.0.1.",
    )
    parser.add_argument("--articles", type=int, default=3000, help="how many articles")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated text")
    parser.add_argument("--per-page", type=int, default=12, help="cards per listing page")
    parser.add_argument("--categories", type=int, default=8, help="how many categories")
    parser.add_argument(
        "--no-lastmod", action="store_true", help="serve sitemaps without <lastmod>"
    )
    parser.add_argument(
        "--crawl-delay",
        type=float,
        metavar="SECONDS",
        help="a Crawl-delay line for robots.txt",
    )
    args = parser.parse_args(argv)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        site = LargeSite(
            args.articles,
            seed=args.seed,
            port=args.port,
            per_page=args.per_page,
            categories=args.categories,
            lastmod=not args.no_lastmod,
            crawl_delay=args.crawl_delay,
        )
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    print(f"serving {site.start()}", flush=True)
    try:
        # Short waits keep the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        site.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
