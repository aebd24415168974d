"""Origin placeholders: pages and expected records are stored origin-free and filled in when
served or loaded, so one bundled site works on any port and under a public alias.

Substitution works on bytes, so a windows-1252 page stays windows-1252: the placeholders and
every origin are ASCII.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: ``scheme://host[:port]`` of the site.
ORIGIN = "{{ORIGIN}}"
#: ``host[:port]`` alone, for protocol-relative links (``//{{HOST}}/page.php?p=...``).
HOST = "{{HOST}}"
#: The origin with ``http`` and ``https`` swapped: the same article under the other scheme.
SWAPPED_ORIGIN = "{{SWAPPED_ORIGIN}}"


def check_origin(origin: str) -> str:
    """``origin`` without a trailing slash, or ``ValueError`` if it is not ``scheme://host``.

    >>> check_origin("https://articles.example/")
    'https://articles.example'
    """
    trimmed = origin.rstrip("/")
    parts = urlsplit(trimmed)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
        raise ValueError(f"not an http(s) origin: {origin!r}")
    if not trimmed.isascii():
        raise ValueError(f"origin must be ASCII: {origin!r}")
    return trimmed


def values(origin: str) -> dict[str, str]:
    """Placeholder -> replacement for ``origin``.

    >>> values("http://127.0.0.1:8000")[SWAPPED_ORIGIN]
    'https://127.0.0.1:8000'
    """
    checked = check_origin(origin)
    scheme, _, host = checked.partition("://")
    other = "https" if scheme == "http" else "http"
    return {ORIGIN: checked, HOST: host, SWAPPED_ORIGIN: f"{other}://{host}"}


def substitute_bytes(data: bytes, origin: str) -> bytes:
    """``data`` with every placeholder replaced for ``origin``."""
    for placeholder, value in values(origin).items():
        data = data.replace(placeholder.encode("ascii"), value.encode("ascii"))
    return data


def substitute_text(text: str, origin: str) -> str:
    """``text`` with every placeholder replaced for ``origin``.

    >>> substitute_text("{{ORIGIN}}/page.php?p=1", "https://articles.example")
    'https://articles.example/page.php?p=1'
    """
    for placeholder, value in values(origin).items():
        text = text.replace(placeholder, value)
    return text
