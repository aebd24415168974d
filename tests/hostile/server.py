"""A fault-injecting copy of the article site, served on 127.0.0.1 for crawl tests.

Its pages use the site's markup (``pages/`` holds the templates) and call themselves
``https://articles.example``, as the real site's pages do. The "Hostile ground" category links
good articles and articles that misbehave in one way each (:data:`PAGES`); the "Endless
listings" category paginates forever. Every request is counted, so a test can check what the
crawler fetched and how often.

The server is bounded itself: a hanging page waits at most ``hang_seconds`` and a closing
server wakes it; the 20 MB page is streamed, not held; the gzip bomb (2 GiB of zeros,
about 2 MB on the wire) is built once, lazily, from one repeated deflate block.

Run it by hand with ``python -m tests.hostile.server [--port N]``.
"""

from __future__ import annotations

import argparse
import html
import random
import struct
import sys
import threading
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

#: What the site's pages call themselves (SITE.md); the crawler maps it onto our address.
ORIGIN = "https://articles.example"
TEMPLATES = Path(__file__).with_name("pages")

HUGE_PAGE_BYTES = 20 * 1024 * 1024
BOMB_BLOCK = 1024 * 1024
BOMB_BLOCKS = 2048  # 2 GiB expanded
DEEP_NESTING = 100_000
FARM_LINKS = 50_000
BINARY_JUNK_BYTES = 64 * 1024
TRUNCATED_MISSING_BYTES = 4096
#: Invalid UTF-8: a bad continuation byte, bytes never valid, an encoded surrogate.
INVALID_UTF8 = b"\xc3\x28 \xff\xfe \xed\xa0\x80"
INVALID_UTF8_MARK = "@@INVALID-UTF8@@"

Outcome = Literal["archived", "refused"]


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One article URL of the site: how it behaves and what the crawl should make of it."""

    id: str
    behaviour: str
    title: str
    outcome: Outcome

    @property
    def path(self) -> str:
        return f"/page.php?p={self.id}"


@dataclass(frozen=True, slots=True)
class CategorySpec:
    slug: str
    name: str


HOSTILE = CategorySpec("hostile", "Hostile ground")
ENDLESS = CategorySpec("endless", "Endless listings")
CATEGORIES = (HOSTILE, ENDLESS)


def _spec(number: int, behaviour: str, title: str, outcome: Outcome) -> PageSpec:
    return PageSpec(f"{number:07d}", behaviour, title, outcome)


#: Every article URL the site links to, good ones first.
PAGES: tuple[PageSpec, ...] = (
    _spec(400001, "good", "Silent cinema found its voice in the orchestra pit.", "archived"),
    _spec(400002, "good", "Why repertory theatres outlived the multiplex", "archived"),
    _spec(400003, "good", "The long afterlife of the studio backlot", "archived"),
    _spec(400004, "good", "Festival juries and the making of a canon", "archived"),
    _spec(400005, "good", "Subtitles as an art of compression", "archived"),
    _spec(400006, "good", "Film stock, grain and the memory of light", "archived"),
    _spec(400101, "rate_limited", "Queues at the box office, then and now", "archived"),
    _spec(400102, "unavailable", "Projectionists and the night shift", "archived"),
    _spec(400103, "slow", "Slow cinema and the patience of audiences", "archived"),
    _spec(400104, "invalid_utf8", "Broken reels and the art of restoration", "archived"),
    _spec(400105, "deep_nesting", "Nested frames in the films of the new wave", "archived"),
    _spec(400106, "link_farm", "Every title in the archive, in one list", "archived"),
    _spec(400201, "hang", "The reel that never arrived", "refused"),
    _spec(400202, "truncated", "Half a screening", "refused"),
    _spec(400203, "binary", "Noise on the soundtrack", "refused"),
    _spec(400204, "empty", "An empty auditorium", "refused"),
    _spec(400205, "huge_streamed", "The longest cut ever made", "refused"),
    _spec(400206, "huge_declared", "A director's cut announced in advance", "refused"),
    _spec(400207, "gzip_bomb", "A small can of very long film", "refused"),
    _spec(400208, "redirect_loop", "The projector that loops forever", "refused"),
    _spec(400209, "redirect_chain", "A corridor of doors", "refused"),
    _spec(400210, "rate_limited_long", "Come back tomorrow", "refused"),
)
PAGES_BY_ID = {page.id: page for page in PAGES}
GOOD = tuple(page for page in PAGES if page.behaviour == "good")
#: Listing page 1 of "hostile" shows these; page 2 the rest, and its "next" goes back to 1.
HOSTILE_PAGE_SIZE = 12


@cache
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(file_name: str, /, **values: object) -> str:
    return template(file_name).substitute(origin=ORIGIN, **values)


def summary_of(page: PageSpec) -> str:
    return f"An essay on {page.title.rstrip('.').lower()}, from the hostile test site."


def paragraphs(page: PageSpec, count: int = 3) -> str:
    # Distinct text per article: the archive drops articles whose title and body repeat.
    return "\n".join(
        f"<p>Paragraph {n} of article {page.id}: {html.escape(page.title)} "
        f"The projector hums while the audience settles.</p>"
        for n in range(1, count + 1)
    )


def header() -> str:
    nav = "".join(
        render("nav-item.html", slug=c.slug, name=html.escape(c.name)) for c in CATEGORIES
    )
    return render("header.html", nav=nav)


def card(page: PageSpec) -> str:
    return render(
        "card.html",
        href=f"{ORIGIN}{page.path}",
        title=html.escape(page.title),
        summary=html.escape(summary_of(page)),
        published="2025-08-06",
    )


def article_html(page: PageSpec, *, body: str | None = None, extra: str = "") -> str:
    others = [good for good in GOOD if good.id != page.id][:2]
    related = "\n".join(
        render(
            "related-item.html",
            slug=HOSTILE.slug,
            category=html.escape(HOSTILE.name),
            id=other.id,
            summary=html.escape(summary_of(other)),
            published="2025-08-07",
        )
        for other in others
    )
    return render(
        "article.html",
        id=page.id,
        title=html.escape(page.title),
        summary=html.escape(summary_of(page)),
        published="2025-08-06",
        category=html.escape(HOSTILE.name),
        slug=HOSTILE.slug,
        header=header(),
        footer=render("footer.html"),
        body=paragraphs(page) if body is None else body,
        closing=f"The lights come up on article {page.id}.",
        extra=extra,
        related=related,
    )


def category_html(category: CategorySpec, number: int) -> str:
    if category is HOSTILE:
        first = number <= 1
        listed = PAGES[:HOSTILE_PAGE_SIZE] if first else PAGES[HOSTILE_PAGE_SIZE:]
        cards = "\n".join(card(page) for page in listed)
        other = 2 if first else 1
        pagination = (
            f'<a href="{category_url(category, other)}">{other}</a> '
            f'<a class="next" rel="next" href="{category_url(category, other)}">Next &raquo;</a>'
        )
    else:
        # Every page links the next two and "next": the listing never ends.
        cards = card(GOOD[number % len(GOOD)])
        pagination = " ".join(
            f'<a href="{category_url(category, n)}">{n}</a>' for n in (number + 1, number + 2)
        ) + (f' <a class="next" rel="next" href="{category_url(category, number + 1)}">Next</a>')
    return render(
        "category.html",
        name=html.escape(category.name),
        canonical=category_url(category, number),
        header=header(),
        footer=render("footer.html"),
        cards=cards,
        pagination=pagination,
    )


def category_url(category: CategorySpec, number: int) -> str:
    suffix = "" if number <= 1 else f"&amp;page={number}"
    return f"{ORIGIN}/category.php?c={category.slug}{suffix}"


def home_html() -> str:
    cards = "\n".join(card(page) for page in GOOD[:3])
    return render("home.html", header=header(), footer=render("footer.html"), cards=cards)


def sitemap_xml() -> str:
    urls = "\n".join(f"  <url><loc>{ORIGIN}{page.path}</loc></url>" for page in GOOD)
    return render("sitemap.xml", urls=urls)


def deep_body(page: PageSpec) -> str:
    return (
        f"<p>Before the nested frames of article {page.id}.</p>"
        + "<div>" * DEEP_NESTING
        + "The innermost frame."
        + "</div>" * DEEP_NESTING
        + "<p>After the nested frames.</p>"
    )


def farm_links() -> str:
    items = "".join(f'<li><a href="/farm.php?n={n}">{n}</a></li>' for n in range(FARM_LINKS))
    return f'<nav class="link-farm"><ul>{items}</ul></nav>'


@cache
def gzip_bomb() -> bytes:
    """A valid gzip member inflating to ``BOMB_BLOCKS`` MiB of zeros.

    Compressing gigabytes would take the server seconds per run. A full flush resets the
    compressor, so every MiB of zeros compresses to the same bytes: one block is compressed
    and repeated. Only the CRC needs a pass over the zeros (about a second, once).
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = bytes(BOMB_BLOCK)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(BOMB_BLOCKS):
        crc = zlib.crc32(zeros, crc)
    size = (BOMB_BLOCK * BOMB_BLOCKS) & 0xFFFFFFFF
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, no mtime
    return head + block * BOMB_BLOCKS + tail + struct.pack("<II", crc, size)


class HostileSite(ThreadingHTTPServer):
    """The server; ``url`` is its home page. ``requests`` counts request targets (path and
    query as sent) and ``arrivals`` times them."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int] = ("127.0.0.1", 0),
        *,
        hang_seconds: float = 6.0,
        slow_seconds: float = 1.0,
        retry_after_seconds: int = 1,
    ) -> None:
        super().__init__(address, HostileHandler)
        self.hang_seconds = hang_seconds
        self.slow_seconds = slow_seconds
        self.retry_after_seconds = retry_after_seconds
        self.requests: Counter[str] = Counter()
        #: Arrival times (``time.monotonic``) per target, to check how long retries waited.
        self.arrivals: defaultdict[str, list[float]] = defaultdict(list)
        self.handler_errors: list[str] = []
        self.closing = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def record(self, target: str) -> int:
        """Count a request; return how many times ``target`` has been asked for so far."""
        with self._lock:
            self.requests[target] += 1
            self.arrivals[target].append(time.monotonic())
            return self.requests[target]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The crawler hangs up on pages it refuses; anything else is kept for the test.
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            self.handler_errors.append(repr(error))

    def close(self) -> None:
        self.closing.set()
        self.shutdown()
        self.server_close()


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileSite

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request counter is the log

    def do_GET(self) -> None:
        attempt = self.server.record(self.path)
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        route: Callable[[], None] | None = {
            "/": lambda: self.send_html(home_html()),
            "/robots.txt": lambda: self.send_text(render("robots.txt"), "text/plain"),
            "/sitemap.xml": lambda: self.send_text(sitemap_xml(), "application/xml"),
            "/category.php": lambda: self.category(query),
            "/page.php": lambda: self.article(query.get("p", ""), attempt),
            "/moved.php": lambda: self.redirect(f"/page.php?p={query.get('p', '')}"),
            "/hop.php": lambda: self.redirect(f"/hop.php?n={_int(query.get('n')) + 1}"),
            "/farm.php": lambda: self.send_html(
                render("plain.html", title="Farm", text=f"Farm plot {query.get('n')}.")
            ),
        }.get(parts.path)
        if route is None:
            self.not_found()
        else:
            route()

    # -- plain responses -------------------------------------------------------------------

    def send_bytes(
        self,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_html(self, text: str, status: int = 200) -> None:
        self.send_bytes(text.encode("utf-8"), status=status)

    def send_text(self, text: str, content_type: str) -> None:
        self.send_bytes(text.encode("utf-8"), f"{content_type}; charset=utf-8")

    def not_found(self) -> None:
        self.send_html(render("plain.html", title="Not found", text="No such page."), 404)

    def redirect(self, location: str) -> None:
        self.send_bytes(b"", status=302, headers=[("Location", location)])

    def category(self, query: dict[str, str]) -> None:
        found = {c.slug: c for c in CATEGORIES}.get(query.get("c", ""))
        if found is None:
            self.not_found()
            return
        self.send_html(category_html(found, max(1, _int(query.get("page")))))

    # -- articles, good and bad ------------------------------------------------------------

    def article(self, page_id: str, attempt: int) -> None:
        page = PAGES_BY_ID.get(page_id)
        if page is None:
            self.not_found()
            return
        behaviour: Callable[[PageSpec, int], None] = getattr(self, f"page_{page.behaviour}")
        behaviour(page, attempt)

    def page_good(self, page: PageSpec, attempt: int) -> None:
        self.send_html(article_html(page))

    def page_rate_limited(self, page: PageSpec, attempt: int) -> None:
        if attempt == 1:
            retry_after = str(self.server.retry_after_seconds)
            self.send_bytes(b"Slow down.", "text/plain", 429, [("Retry-After", retry_after)])
        else:
            self.page_good(page, attempt)

    def page_rate_limited_long(self, page: PageSpec, attempt: int) -> None:
        self.send_bytes(b"Come back tomorrow.", "text/plain", 429, [("Retry-After", "86400")])

    def page_unavailable(self, page: PageSpec, attempt: int) -> None:
        if attempt <= 2:
            self.send_bytes(b"Down for maintenance.", "text/plain", 503)
        else:
            self.page_good(page, attempt)

    def page_slow(self, page: PageSpec, attempt: int) -> None:
        # Late headers, then the body in pieces: slow, but within the download timeout.
        body = article_html(page).encode("utf-8")
        if self.server.closing.wait(self.server.slow_seconds):
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        step = len(body) // 4 + 1
        for start in range(0, len(body), step):
            self.wfile.write(body[start : start + step])
            self.wfile.flush()
            if self.server.closing.wait(self.server.slow_seconds / 4):
                return

    def page_hang(self, page: PageSpec, attempt: int) -> None:
        # Never answer; hang up after hang_seconds (or when the server closes).
        self.server.closing.wait(self.server.hang_seconds)
        self.close_connection = True

    def page_truncated(self, page: PageSpec, attempt: int) -> None:
        body = article_html(page).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body) + TRUNCATED_MISSING_BYTES))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def page_binary(self, page: PageSpec, attempt: int) -> None:
        junk = random.Random(int(page.id)).randbytes(BINARY_JUNK_BYTES)
        self.send_bytes(junk)

    def page_empty(self, page: PageSpec, attempt: int) -> None:
        self.send_bytes(b"")

    def page_invalid_utf8(self, page: PageSpec, attempt: int) -> None:
        body = paragraphs(page) + f"\n<p>The damaged reel reads: {INVALID_UTF8_MARK}.</p>"
        text = article_html(page, body=body).encode("utf-8")
        self.send_bytes(text.replace(INVALID_UTF8_MARK.encode(), INVALID_UTF8))

    def page_deep_nesting(self, page: PageSpec, attempt: int) -> None:
        self.send_html(article_html(page, body=deep_body(page)))

    def page_link_farm(self, page: PageSpec, attempt: int) -> None:
        self.send_html(article_html(page, extra=farm_links()))

    def page_huge_streamed(self, page: PageSpec, attempt: int) -> None:
        # Chunked, so the crawler only learns the size by reading it.
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in _filler(HUGE_PAGE_BYTES):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def page_huge_declared(self, page: PageSpec, attempt: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(HUGE_PAGE_BYTES))
        self.end_headers()
        for chunk in _filler(HUGE_PAGE_BYTES):
            self.wfile.write(chunk)

    def page_gzip_bomb(self, page: PageSpec, attempt: int) -> None:
        self.send_bytes(gzip_bomb(), headers=[("Content-Encoding", "gzip")])

    def page_redirect_loop(self, page: PageSpec, attempt: int) -> None:
        self.redirect(f"/moved.php?p={page.id}")

    def page_redirect_chain(self, page: PageSpec, attempt: int) -> None:
        self.redirect("/hop.php?n=1")


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _filler(total: int, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    line = b"<p>" + b"frame " * 16 + b"</p>\n"
    chunk = (line * (chunk_size // len(line) + 1))[:chunk_size]
    for start in range(0, total, chunk_size):
        yield chunk[: min(chunk_size, total - start)]


@contextmanager
def running(**options: Any) -> Iterator[HostileSite]:
    """The server, serving from a background thread until the block ends."""
    site = HostileSite(**options)
    thread = threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield site
    finally:
        site.close()
        thread.join(timeout=10)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--hang-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    site = HostileSite(("127.0.0.1", args.port), hang_seconds=args.hang_seconds)
    print(f"Serving the hostile site on {site.url} (Ctrl-C to stop)", flush=True)
    try:
        site.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        site.closing.set()
        site.server_close()


if __name__ == "__main__":
    main()
