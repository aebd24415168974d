"""Small hand-made archives for the reader and export tests: run folders written with the
archive's own writers (shards, categories, manifest), records built from the test factories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.archive.categories import write_categories
from crawler.archive.manifest import Counts, Manifest, write_manifest
from crawler.archive.shards import ShardWriter
from crawler.items import Category
from tests.factories import article_dict, article_url


def article(n: int, version: int = 1, **overrides: Any) -> dict[str, Any]:
    """Article ``n`` as archived at ``version`` (its title says which)."""
    record = article_dict(n, title=f"Essay {n}, version {version}.")
    record.update(
        version=version,
        content_hash=f"{n:04d}{version:04d}".ljust(64, "0"),
        fetched_at=f"2026-11-{20 + version:02d}T03:00:00Z",
        schema_version=1,
    )
    record.update(overrides)
    return record


def removed(n: int, **overrides: Any) -> dict[str, Any]:
    record = {
        "type": "removed",
        "url": article_url(n),
        "id": f"{n:07d}",
        "status": 410,
        "last_seen": "2026-11-21T03:00:00Z",
        "schema_version": 1,
    }
    record.update(overrides)
    return record


def write_run(
    root: Path,
    name: str,
    records: Sequence[dict[str, Any]],
    *,
    gzip: bool = False,
    finished: bool = True,
    shard_items: int = 2,
    categories: Sequence[str] = (),
) -> Path:
    """A run folder ``root/name`` holding ``records`` in shards of ``shard_items``; with
    ``finished`` its categories (one per name given) and manifest too."""
    run = root / name
    run.mkdir(parents=True)
    writer = ShardWriter(run, max_records=shard_items, gzip=gzip)
    for record in records:
        writer.write(record)
    writer.close()
    if finished:
        listed = write_categories(
            run,
            [
                Category(name=category, url=f"https://articles.example/c?{category}", articles=[])
                for category in categories
            ],
        )
        moment = datetime(2026, 11, 25, tzinfo=UTC)
        write_manifest(
            run,
            Manifest(
                spider="site",
                arguments={},
                started_at=moment,
                finished_at=moment,
                finish_reason="finished",
                counts=Counts(articles_written=len(records)),
                shards=writer.shards,
                categories=listed,
                settings={},
            ),
        )
    return run
