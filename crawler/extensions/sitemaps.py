"""What the site's sitemaps say, as the revisit policy reads them.

The spider hands every sitemap index entry and urlset entry it reads to ``Sitemaps``, which
records the lastmods and the entries in the crawl state and says what is worth fetching; the
conditional middleware asks it for a sitemap's validators and tells it of a 304.
"""

from __future__ import annotations

from collections.abc import Callable

from scrapy.statscollectors import StatsCollector

from crawler import urls
from crawler.revisit import parse_lastmod
from crawler.state import CrawlState, SitemapState
from crawler.stats import (
    LASTMOD_INVALID_KEY,
    LASTMOD_UNCHANGED_KEY,
    SITEMAP_UNCHANGED_KEY,
)


class Sitemaps:
    """The sitemaps of one process of a run.

    ``note(sitemaps=..., lastmods=...)`` adds to the run's facts in the state (the first
    sitemap that answers, the first lastmod seen); ``run_started()`` is when the run began:
    an article whose last check is not older was checked by this run. Nothing is kept per
    article beyond the sitemap being read: memory stays that of one sitemap file.
    """

    def __init__(
        self,
        state_of: Callable[[], CrawlState],
        stats: StatsCollector,
        note: Callable[..., object],
        run_started: Callable[[], str],
    ) -> None:
        self.state_of = state_of
        self.stats = stats
        self.note = note
        self.run_started = run_started
        #: The entries of the sitemaps being read, by the sitemap's path key (the state has
        #: them once a sitemap is read whole).
        self._reading: dict[str, dict[str, str | None]] = {}
        self._index_lastmods: dict[str, str | None] = {}
        #: The validators of the sitemaps being read, saved once each is read whole.
        self._validators: dict[str, tuple[str | None, str | None]] = {}
        self.sitemap_answers = 0
        self.lastmods_found = 0

    def lastmod_of(self, key: str) -> str | None:
        """The lastmod the site's sitemaps give the article now: as a sitemap being read gives
        it, else as they were last read (by a run before, or a process of this run before a
        kill; a sitemap whose index lastmod did not move is not read again)."""
        for entries in self._reading.values():
            if key in entries:
                return entries[key]
        entry = self.state_of().sitemap_entry(key)
        return entry[1] if entry is not None else None

    def child(self, url: str, lastmod: str | None) -> bool:
        """Whether to fetch a sitemap an index lists with ``lastmod``: not when it is the
        lastmod the state recorded the last time the file was read."""
        self._answer()
        parsed = self._lastmod(lastmod)
        key = urls.path_key(url)
        self._index_lastmods[key] = parsed
        known = self.state_of().sitemap(key)
        if parsed is not None and known is not None and known.lastmod == parsed:
            self.stats.inc_value(SITEMAP_UNCHANGED_KEY)
            return False
        return True

    def entry(self, url: str, lastmod: str | None, sitemap: str) -> str | None:
        """The purpose of fetching an article a sitemap lists, or ``None`` to leave it."""
        parsed = self._lastmod(lastmod)
        key = urls.path_key(url)
        self._reading.setdefault(urls.path_key(sitemap), {})[key] = parsed
        known = self.state_of().article(key)
        if known is None:
            return "new"
        newer = parsed is not None and (known.lastmod is None or parsed > known.lastmod)
        if known.removed:
            # Listed again after it was removed: it is back, or the sitemap is late.
            return "lastmod" if newer else None
        if newer:
            if known.last_seen > self.run_started():
                # Checked this run before the sitemap was read: its lastmod is the one just
                # checked. Strictly after the run's start, to the second: a run begun in the
                # second the one before it ended must not take that run's checks for its own
                # (an article checked in this run's first second is asked for again, once).
                known.lastmod = parsed
                self.state_of().save_article(known)
                return None
            return "lastmod"
        self.stats.inc_value(LASTMOD_UNCHANGED_KEY)
        return None

    def read(self, sitemap: str) -> list[str]:
        """A urlset was read whole: the canonical URLs of the archived articles it listed
        when last read and lists no more, to ask for now (a 404 or 410 is a removal)."""
        source = urls.path_key(sitemap)
        entries = self._reading.pop(source, {})
        missing = [key for key in self.state_of().sitemap_entries(source) if key not in entries]
        self.state_of().save_sitemap_entries(source, entries)
        self._save_read(source)
        gone = []
        for key in missing:
            known = self.state_of().article(key)
            if known is not None and known.live:
                gone.append(known.url)
        return gone

    def read_index(self, sitemap: str) -> None:
        """A sitemap index was read whole (its children are judged by :meth:`child`)."""
        self._save_read(urls.path_key(sitemap))

    def answered(self, sitemap: str, etag: str | None, last_modified: str | None) -> None:
        """A sitemap answered 200 with these validators. They are kept, with the lastmod its
        index gave it, only once the file is read whole: a process killed half-way through
        must not leave the next run asking for it conditionally, or skipping it."""
        self._answer()
        self._validators[urls.path_key(sitemap)] = (etag, last_modified)

    def _save_read(self, key: str) -> None:
        known = self._sitemap_state(key)
        if key in self._validators:
            known.etag, known.last_modified = self._validators.pop(key)
        self.state_of().save_sitemap(known)

    def not_modified(self, sitemap: str) -> None:
        """A sitemap answered 304: it lists what it listed when last read."""
        self._answer()
        self.state_of().save_sitemap(self._sitemap_state(urls.path_key(sitemap)))

    def _sitemap_state(self, key: str) -> SitemapState:
        known = self.state_of().sitemap(key) or SitemapState(url=key)
        if key in self._index_lastmods:
            known.lastmod = self._index_lastmods[key]
        return known

    def validators(self, sitemap: str) -> SitemapState | None:
        return self.state_of().sitemap(urls.path_key(sitemap))

    def _lastmod(self, text: str | None) -> str | None:
        if text is None:
            return None
        parsed = parse_lastmod(text)
        if parsed is None:
            self.stats.inc_value(LASTMOD_INVALID_KEY)
        else:
            self.lastmods_found += 1
            if self.lastmods_found == 1:
                self.note(lastmods=True)
        return parsed

    def _answer(self) -> None:
        self.sitemap_answers += 1
        if self.sitemap_answers == 1:
            self.note(sitemaps=True)
