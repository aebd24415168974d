"""Pages a run could not read, kept until a learned template can: a bounded store on disk.

A page dropped for want of a field (an article without a body, a listing without a name) is
kept here with its HTTP response, so that once a template is learned the same run reads it
again without asking the site twice. Bodies go to a folder, not to memory (a redesigned
30,000-article site drops 30,000 pages); at most ``max_pages`` are kept, and a page past that
is remembered by URL only, to be asked for again.

Given a folder (the crawl state's), the store outlives its process: each page held or
released is a line of ``index.jsonl`` there, and the crawl state keeps, with each commit, how
many lines the store had (:attr:`HeldPages.lines`): a process that resumes a killed run
(SIGKILL) reads back those lines, the ones its counters and frontier agree with, and no more
(a page held after the last commit is fetched again, and held again). ``run`` names the run;
a store of another run is emptied. Without a folder, a temporary one, gone when the store is
closed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

Kind = Literal["article", "listing"]
INDEX_FILE = "index.jsonl"


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

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["headers"] = [[n.decode("latin-1"), v.decode("latin-1")] for n, v in self.headers]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HeldPage:
        headers = tuple((n.encode("latin-1"), v.encode("latin-1")) for n, v in data["headers"])
        return cls(**{**data, "headers": headers, "fields": tuple(data["fields"])})


class HeldPages:
    def __init__(
        self, max_pages: int, folder: Path | None = None, run: str = "", committed: int = 0
    ) -> None:
        """``committed``: the index lines of ``folder`` the crawl state committed."""
        self.max_pages = max_pages
        self._pages: dict[str, HeldPage] = {}
        self._folder = folder
        self._kept = folder is not None
        self._index: IO[str] | None = None
        #: Lines of the index so far: what the crawl state keeps with each commit.
        self.lines = 0
        #: Keys of pages taken over from another process since (:meth:`adopt`), not yet read.
        self.adopted: set[str] = set()
        if folder is not None:
            self._open_index(folder, run, committed)

    def _open_index(self, folder: Path, run: str, committed: int) -> None:
        index = folder / INDEX_FILE
        lines = index.read_text(encoding="utf-8").splitlines() if index.exists() else []
        lines = lines[:committed]
        if not lines or _json(lines[0]).get("run") != run:
            shutil.rmtree(folder, ignore_errors=True)
            lines = []
        for line in lines[1:]:
            entry = _json(line)  # a line cut short by a kill is skipped
            if "hold" in entry:
                page = HeldPage.from_dict(entry["hold"])
                self._pages[page.key] = page
            elif "release" in entry:
                self._pages.pop(str(entry["release"]), None)
        folder.mkdir(parents=True, exist_ok=True)
        # Rewritten without the lines past the last commit.
        self._index = index.open("w", encoding="utf-8")
        self._index.writelines(line + "\n" for line in lines)
        self.lines = len(lines)
        if not lines:
            self._log({"run": run})

    def _log(self, entry: dict[str, Any]) -> None:
        if self._index is not None:
            # Flushed, not fsynced: a killed process's writes survive in the page cache; the
            # crawl state's commits are not fsynced either.
            self._index.write(json.dumps(entry) + "\n")
            self._index.flush()
            self.lines += 1

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
        key = held_key(kind, url)
        stored = key in self._pages or len(self._pages) < self.max_pages
        if stored:
            (self._ensure_folder() / key).write_bytes(body)
        page = HeldPage(key, url, kind, status, tuple(headers), reason, tuple(fields), stored)
        self._pages[key] = page
        self._log({"hold": page.to_dict()})
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

    def adopt(self, pages: Iterable[HeldPage]) -> None:
        """Hold ``pages``, another process's (a dead worker's), their bodies where that
        process kept them (:meth:`body` of a subclass that can read them)."""
        for page in pages:
            self._pages[page.key] = page
            self.adopted.add(page.key)

    def release(self, key: str) -> HeldPage | None:
        """Forget a page (it was read again); its body file goes."""
        page = self._pages.pop(key, None)
        if page is not None:
            self._log({"release": key})
            if page.stored and self._folder is not None:
                (self._folder / key).unlink(missing_ok=True)
        return page

    def close(self, *, keep: bool = False) -> None:
        """Close the store; ``keep``: leave a kept store's pages for a resumed process (the
        run did not finish), else they go."""
        if self._index is not None:
            self._index.close()
            self._index = None
        self._pages.clear()
        if self._folder is not None and not (keep and self._kept):
            shutil.rmtree(self._folder, ignore_errors=True)
            if not self._kept:
                self._folder = None


def held_key(kind: Kind, url: str) -> str:
    """The store's name of the page of ``kind`` at ``url``."""
    return hashlib.sha1(f"{kind}\0{url}".encode(), usedforsecurity=False).hexdigest()


def _json(line: str) -> dict[str, Any]:
    try:
        entry = json.loads(line)
    except ValueError:
        return {}
    return entry if isinstance(entry, dict) else {}
