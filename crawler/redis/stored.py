"""How the Redis state reads back what it stored: replies as text, records as dataclasses.

scrapy-redis's client (``REDIS_PARAMS``) does not set ``decode_responses``: its queue holds
serialised requests, bytes. So every string the state reads back comes as bytes, and a client
made with the option gives ``str``; the state's modules read both through ``text``. Records
are JSON that another version of the crawler may have written, with fields this one does not
know (``known``).

A script whose second run would answer otherwise than its first (taking from the queue,
winning a claim) is sent with a ``nonce`` it stores: a call sent again because Redis went away
before its reply came back gets the first answer again.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

_PROCESS = secrets.token_hex(6)
_CALLS = itertools.count()


def nonce() -> str:
    """A value no other call, of this process or another, is sent with.

    >>> nonce() != nonce()
    True
    """
    return f"{_PROCESS}:{next(_CALLS)}"


def text(value: bytes | str | None) -> str | None:
    """``value`` decoded as UTF-8 (``None`` stays ``None``).

    >>> text(b"w1"), text("w1"), text(None)
    ('w1', 'w1', None)
    """
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else value


def known(data: dict[str, Any], names: frozenset[str]) -> dict[str, Any]:
    """``data`` less the names a newer version may have added.

    >>> known({"url": "/a", "added_later": 1}, frozenset({"url", "lastmod"}))
    {'url': '/a'}
    """
    return {name: value for name, value in data.items() if name in names}
