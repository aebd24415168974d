"""Serve the bundled sample site on the loopback interface.

``python -m sample_site [--root data/sample_site] [--port 0] [--public-origin URL]
[--log FILE]`` prints ``serving http://127.0.0.1:<port>/`` once it accepts connections and runs
until interrupted. Tests use :class:`SampleSite` in-process::

    with SampleSite() as site:
        fetch(site.base_url + "page.php?p=0301000")
        assert site.requests[-1].status == 200

Pages are stored with origin placeholders; the server fills in its own origin, or
``public_origin`` when given (pages then name e.g. ``https://articles.example`` while being
served from 127.0.0.1, and redirects point there too). Beyond one file per URL it answers
301 for old URLs, 404 for retired ids, 503 once for "flaky" ids, and serves the paths
robots.txt disallows, as ``site/routes.json`` lists. Every 200 carries a strong ``ETag``; a
request whose ``If-None-Match`` matches it is answered ``304 Not Modified``, as a crawler's
conditional re-fetch expects.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import signal
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

from sample_site.expected import DEFAULT_ROOT
from sample_site.placeholders import check_origin, substitute_bytes

HTML = "text/html; charset=utf-8"
#: Legacy pages declare their charset only in <meta>, as the real site's old pages do.
LEGACY_HTML = "text/html"
_TRACKING = frozenset({"ref", "fbclid", "gclid"})
#: One entity tag of an ``If-None-Match`` list; tags may hold commas, so split on quotes.
_ENTITY_TAG = re.compile(r'(?:W/)?"[^"]*"')
_ERROR_PAGE = (
    '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{title} | Evergreen'
    "</title></head>\n<body><h1>{title}</h1></body>\n</html>\n"
)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the server answered: ``target`` is the path and query as sent."""

    method: str
    target: str
    status: int

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    def line(self) -> str:
        return f"{self.method} {self.target} {self.status}"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()


def route_key(target: str) -> str:
    """Path plus the sorted non-tracking query: how redirects and disallowed paths match.

    >>> route_key("/article.php?utm_source=x&id=0301000#top")
    '/article.php?id=0301000'
    """
    parts = urlsplit(target)
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in _TRACKING and not key.lower().startswith("utm_")
    )
    return f"{parts.path}?{urlencode(query)}" if query else parts.path


def entity_tag(body: bytes) -> str:
    """A strong ``ETag`` for ``body``: a quoted hash of its bytes, so it changes exactly when
    the bytes do.

    >>> entity_tag(b"<p>essay</p>")
    '"56d2026229f0f7320e9521ea59bbd666"'
    """
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an ``If-None-Match`` value names ``etag`` (or is ``*``).

    RFC 9110 compares ``If-None-Match`` weakly, so a ``W/`` prefix on either side is ignored.

    >>> etag_matches('"a", W/"b"', '"b"')
    True
    >>> etag_matches('"a"', '"b"'), etag_matches(None, '"b"'), etag_matches("*", '"b"')
    (False, False, True)
    """
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(
        found.group(0).removeprefix("W/") == opaque for found in _ENTITY_TAG.finditer(if_none_match)
    )


def _error(status: int, title: str) -> Response:
    return Response(status, _ERROR_PAGE.format(title=title).encode())


class Router:
    """Maps a request target to a response; the only state is which flaky ids failed."""

    def __init__(self, root: Path, origin: str) -> None:
        self.pages = root / "site"
        self.origin = check_origin(origin)
        self.routes: dict[str, Any] = json.loads((self.pages / "routes.json").read_text("utf-8"))
        self.redirects: dict[str, str] = {
            route_key(r["from"]): r["to"] for r in self.routes["redirects"]
        }
        self.not_found: frozenset[str] = frozenset(self.routes["not_found_ids"])
        self.flaky: frozenset[str] = frozenset(self.routes["flaky_ids"])
        self.legacy: frozenset[str] = frozenset(self.routes["legacy_charset_files"])
        #: URL path -> (file, Content-Type): the stylesheet and images pages link.
        self.static: dict[str, tuple[str, str]] = {
            path: (entry["file"], entry["type"])
            for path, entry in self.routes.get("static", {}).items()
        }
        self.disallowed: dict[str, str] = {}
        self.disallowed_any_query: dict[str, str] = {}
        for rule in self.routes["disallowed"]:
            table = self.disallowed_any_query if rule.get("any_query") else self.disallowed
            table[route_key(rule["path"])] = rule["file"]
        self._failed: set[str] = set()
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget which flaky ids already failed."""
        with self._lock:
            self._failed.clear()

    def _file(self, name: str, content_type: str | None = None) -> Response:
        with self._lock:
            body = self._cache.get(name)
        if body is None:
            path = self.pages / name
            if not path.is_file():
                return _error(404, "Page not found")
            body = substitute_bytes(path.read_bytes(), self.origin)
            with self._lock:
                self._cache[name] = body
        if content_type is None:
            content_type = LEGACY_HTML if name in self.legacy else HTML
        return Response(200, body, content_type)

    def _article(self, article_id: str | None) -> Response:
        if not article_id or not article_id.isdigit() or article_id in self.not_found:
            return _error(404, "Page not found")
        if article_id in self.flaky:
            with self._lock:
                first = article_id not in self._failed
                self._failed.add(article_id)
            if first:
                return Response(
                    503,
                    _ERROR_PAGE.format(title="Service unavailable").encode(),
                    headers=(("Retry-After", "1"),),
                )
        return self._file(self.routes["article_file"].format(id=article_id))

    def _category(self, query: dict[str, str]) -> Response:
        slug = query.get("c", "")
        pages = self.routes["categories"].get(slug)
        page_text = query.get("page", "1") or "1"
        if pages is None or not page_text.isdigit() or not 1 <= int(page_text) <= pages:
            return _error(404, "Page not found")
        name = self.routes["category_file"].format(slug=slug, page=int(page_text))
        return self._file(name)

    def respond(self, target: str) -> Response:
        """The response to a GET of ``target`` (path and query)."""
        parts = urlsplit(target)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        key = route_key(target)
        if key in self.redirects:
            location = self.origin + self.redirects[key]
            return Response(301, b"", headers=(("Location", location),))
        if key in self.disallowed:
            return self._file(self.disallowed[key])
        if path in self.disallowed_any_query:
            return self._file(self.disallowed_any_query[path])
        if path in self.static:
            return self._file(*self.static[path])
        if path == "/":
            return self._file(self.routes["home"])
        if path == "/robots.txt":
            return self._file(self.routes["robots"], "text/plain; charset=utf-8")
        if path == "/sitemap.xml":
            return self._file(self.routes["sitemap"], "application/xml")
        if path == "/page.php":
            return self._article(query.get("p"))
        if path == "/category.php":
            return self._category(query)
        return _error(404, "Page not found")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: SampleSite


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "EvergreenSample/1.0"
    # Headers and body go out in separate writes: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK (~40 ms) on every kept-alive request.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        site = self.server.site
        response = site.router.respond(self.path)
        etag = entity_tag(response.body) if response.status == 200 else None
        not_modified = etag is not None and etag_matches(self.headers.get("If-None-Match"), etag)
        status = 304 if not_modified else response.status
        # Recorded before answering, so a client that has its reply also sees it logged.
        site.record(RequestRecord(self.command, self.path, status))
        self.send_response(status)
        if etag is not None:
            self.send_header("ETag", etag)
        if not_modified:
            # No Content-Length: RFC 9110 allows only the 200's length there, and a 304 never
            # has a body whatever it says.
            self.end_headers()
            return
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # Requests are recorded by SampleSite.record; stderr stays quiet for test output.
        return


class SampleSite:
    """The sample site served from a background thread on 127.0.0.1.

    ``port=0`` picks a free port. ``public_origin`` makes pages name that origin instead of
    the server's own. ``requests`` lists every answered request in order; ``log_path``
    also appends them to a file, one ``METHOD TARGET STATUS`` line each.
    """

    def __init__(
        self,
        root: Path = DEFAULT_ROOT,
        *,
        port: int = 0,
        public_origin: str | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.root = root
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.site = self
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/"
        self.origin = check_origin(public_origin or self.base_url)
        self.router = Router(root, self.origin)
        self._requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._log = log_path.open("a", encoding="utf-8") if log_path else None
        self._thread: threading.Thread | None = None

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    def record(self, request: RequestRecord) -> None:
        with self._lock:
            self._requests.append(request)
            if self._log is not None:
                self._log.write(request.line() + "\n")
                self._log.flush()

    def reset(self) -> None:
        """Forget past requests and which flaky ids failed, as a fresh server would."""
        with self._lock:
            self._requests.clear()
        self.router.reset()

    def start(self) -> str:
        """Start serving in a daemon thread; returns ``base_url``."""
        if self._thread is None:
            # A short poll interval makes shutdown() return promptly (tests start many servers).
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="sample-site",
                daemon=True,
            )
            self._thread.start()
        return self.base_url

    def shutdown(self) -> None:
        """Stop serving and release the port and the log file."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()
        if self._log is not None:
            self._log.close()
            self._log = None

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


def start_server(
    root: Path = DEFAULT_ROOT,
    *,
    port: int = 0,
    public_origin: str | None = None,
    log_path: Path | None = None,
) -> tuple[SampleSite, str]:
    """Start a :class:`SampleSite`; returns it and its base URL. Call ``.shutdown()``."""
    site = SampleSite(root, port=port, public_origin=public_origin, log_path=log_path)
    return site, site.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_site", description="Serve the sample site on 127.0.0.1."
    )
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="generated site folder")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--public-origin", help="origin the pages name instead of the server's own")
    parser.add_argument("--log", type=Path, help="append one line per request to this file")
    args = parser.parse_args(argv)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        site, base_url = start_server(
            args.root, port=args.port, public_origin=args.public_origin, log_path=args.log
        )
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    print(f"serving {base_url}", flush=True)
    try:
        # Short waits keep the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        site.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
