"""Bounded memory for the crawl's hot paths: remember the latest entries, forget the oldest.

The crawl remembers links it followed, fingerprints it saw and articles it read, so that the
same lookups are not repeated page after page; none of these may grow with the site. A dict
keeps insertion order, so the oldest entry is the first one.

>>> seen = BoundedCache[str, None](2)
>>> for key in ("a", "b", "c"):
...     seen.put(key, None)
>>> "a" in seen, "c" in seen, len(seen)
(False, True, 2)
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A map of at most ``size`` entries; putting one more forgets the oldest."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: dict[K, V] = {}

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        if len(self._entries) > self.size:
            del self._entries[next(iter(self._entries))]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __getitem__(self, key: K) -> V:
        return self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
