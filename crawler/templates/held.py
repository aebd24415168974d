"""Pages a run could not read, kept until a learned template can: a bounded store on disk.

A page dropped for want of a field (an article without a body, a listing without a name) is
kept here with its HTTP response, so that once a template is learned the same run reads it
again without asking the site twice. Bodies go to a temporary folder, not to memory (a
redesigned 30,000-article site drops 30,000 pages); at most ``max_pages`` are kept, and a page
past that is remembered by URL only, to be asked for again. The folder goes when the store is
closed.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["article", "listing"]


@dataclass(frozen=True, slots=True)
class HeldPage:
    key: str
    url: str
    kind: Kind
    status: int
    headers: Sequence[tuple[bytes, bytes]]
    #: Why it was dropped (a stats key's last part: ``missing_body``).
    reason: str
    #: The record fields the dropped item had (counted for coverage when it was dropped).
    fields: tuple[str, ...]
    #: Whether its body is kept (else it is asked for again).
    stored: bool


class HeldPages:
    def __init__(self, max_pages: int) -> None:
        self.max_pages = max_pages
        self._pages: dict[str, HeldPage] = {}
        self._folder: Path | None = None

    def hold(
        self,
        url: str,
        kind: Kind,
        status: int,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
        reason: str,
        fields: Sequence[str] = (),
    ) -> HeldPage:
        key = hashlib.sha1(f"{kind}\0{url}".encode(), usedforsecurity=False).hexdigest()
        stored = len(self._pages) < self.max_pages
        if stored:
            (self._ensure_folder() / key).write_bytes(body)
        page = HeldPage(key, url, kind, status, tuple(headers), reason, tuple(fields), stored)
        self._pages[key] = page
        return page

    def _ensure_folder(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="evergreen-held-"))
        return self._folder

    def __len__(self) -> int:
        return len(self._pages)

    def pages(self, kind: Kind | None = None) -> Iterator[HeldPage]:
        return (page for page in self._pages.values() if kind is None or page.kind == kind)

    def get(self, key: str) -> HeldPage | None:
        return self._pages.get(key)

    def body(self, page: HeldPage) -> bytes | None:
        if not page.stored or self._folder is None:
            return None
        try:
            return (self._folder / page.key).read_bytes()
        except FileNotFoundError:
            return None

    def release(self, key: str) -> HeldPage | None:
        """Forget a page (it was read again); its body file goes."""
        page = self._pages.pop(key, None)
        if page is not None and page.stored and self._folder is not None:
            (self._folder / key).unlink(missing_ok=True)
        return page

    def close(self) -> None:
        self._pages.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
