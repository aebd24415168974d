"""The learned site templates of a Redis state: their history as one JSON list in the
state's meta hash (a handful of templates over a site's life, read once a run)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Protocol

from crawler.state import StoredTemplate

#: The meta field holding the history.
TEMPLATES_META = "templates"


class _Meta(Protocol):
    def meta(self, name: str) -> str | None: ...

    def set_meta(self, name: str, value: str) -> None: ...


def _retired(state: _Meta) -> list[dict[str, Any]]:
    """The history, none of it in use."""
    stored = state.meta(TEMPLATES_META)
    return [{**entry, "active": False} for entry in json.loads(stored)] if stored else []


class RedisTemplates:
    """``CrawlState``'s template history, over the state's ``meta`` / ``set_meta``."""

    def templates(self: _Meta) -> list[StoredTemplate]:
        stored = self.meta(TEMPLATES_META)
        return [StoredTemplate(**entry) for entry in json.loads(stored)] if stored else []

    def add_template(
        self: _Meta, text: str, learned_at: str, run_dir: str | None
    ) -> StoredTemplate:
        history = _retired(self)
        added = StoredTemplate(
            id=len(history) + 1, text=text, learned_at=learned_at, run_dir=run_dir, active=True
        )
        self.set_meta(TEMPLATES_META, json.dumps([*history, dataclasses.asdict(added)]))
        return added

    def reset_templates(self: _Meta) -> None:
        self.set_meta(TEMPLATES_META, json.dumps(_retired(self)))
