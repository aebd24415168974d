"""A state folder belongs to one site: which one, and where its folder is by default.

A state records the origin its crawls fetch from and the public origin its records name
(the canonical links' origin: the same for a site crawled directly, another one for a local
mirror of a public site). A crawl of another site on it would take every archived article
for removed, so it is refused; a mirror of the same public site, on whatever host or port,
is welcome once it has said which site it mirrors (its robots.txt ``Sitemap:`` line or its
home page's canonical link).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from crawler.state import StateError
from crawler.urls import origin_of

#: Where state folders go when ``STATE_DIR`` is not set: one folder per site below it.
STATE_ROOT = Path("data/state")
SITE_META = "site"


class SiteMismatch(StateError):
    """The state folder was made for another site."""


class SiteMeta(Protocol):
    """What of a ``CrawlState`` the binding needs."""

    def meta(self, name: str) -> str | None: ...

    def set_meta(self, name: str, value: str) -> None: ...


def site_folder(origin: str | None) -> str:
    """The default state folder's name for a site: its host, and its port if any.

    >>> site_folder("http://127.0.0.1:8001"), site_folder("https://articles.example")
    ('127.0.0.1-8001', 'articles.example')
    >>> site_folder(None)
    'default'
    """
    if not origin:
        return "default"
    netloc = origin.split("://", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]", "-", netloc.replace(":", "-")) or "default"


def state_dir(setting: str | None, origin: str | None) -> Path:
    """``STATE_DIR`` when set, else the site's own folder under ``data/state``."""
    return Path(setting) if setting else STATE_ROOT / site_folder(origin)


@dataclass(frozen=True, slots=True)
class Site:
    #: The origin crawls fetched from last (``None`` in a state migrated from before this).
    origin: str | None
    #: The origin the archived records name, once known.
    public_origin: str | None

    def describe(self) -> str:
        if self.public_origin and self.public_origin != self.origin:
            return f"{self.public_origin} (fetched from {self.origin or 'an unknown host'})"
        return str(self.origin or self.public_origin)


def read_site(state: SiteMeta, archived_url: str | None) -> Site | None:
    """The site a state was made for; a state from before sites were recorded is known by
    its archived URLs' origin (``archived_url``: any one of them)."""
    text = state.meta(SITE_META)
    if text is not None:
        data = json.loads(text)
        return Site(data.get("origin"), data.get("public_origin"))
    if archived_url:
        return Site(None, origin_of(archived_url))
    return None


def write_site(state: SiteMeta, site: Site) -> None:
    state.set_meta(
        SITE_META, json.dumps({"origin": site.origin, "public_origin": site.public_origin})
    )


def check_site(site: Site | None, origin: str) -> Literal["ok", "pending"]:
    """Whether a crawl fetching from ``origin`` may use a state made for ``site``: ``"ok"``,
    ``"pending"`` (the state was made through a mirror, or before sites were recorded, and
    the crawl must first say which public site it serves: :func:`check_public_origin`), or
    ``SiteMismatch``.

    >>> check_site(Site("http://127.0.0.1:8001", "http://127.0.0.1:8001"), "http://127.0.0.1:8001")
    'ok'
    >>> check_site(Site("http://127.0.0.1:8001", "https://a.example"), "http://127.0.0.1:9")
    'pending'
    >>> check_site(Site("http://127.0.0.1:8001", None), "http://127.0.0.1:8002")
    Traceback (most recent call last):
    ...
    crawler.state.site.SiteMismatch: the state was made for http://127.0.0.1:8001, not for http://127.0.0.1:8002
    """
    if site is None or origin in (site.origin, site.public_origin):
        return "ok"
    if site.public_origin and site.public_origin != site.origin:
        return "pending"
    raise SiteMismatch(f"the state was made for {site.describe()}, not for {origin}")


def check_public_origin(site: Site | None, public_origin: str) -> None:
    """The crawl has learned that its site calls itself ``public_origin``: ``SiteMismatch``
    unless that is the state's site."""
    if site is None or site.public_origin is None or public_origin == site.public_origin:
        return
    raise SiteMismatch(f"the state was made for {site.describe()}, not for {public_origin}")
