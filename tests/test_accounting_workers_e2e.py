"""A request lost from a distributed crawl's Redis queue: the finished run names the article
and exits 7 (``counts.unaccounted``), as with the SQLite frontier
(``tests/test_accounting_e2e.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis

from sample_site.large import LargeSite

pytestmark = pytest.mark.e2e

PREFIX = "accounting-e2e"


def crawl(
    site: LargeSite, redis_url: str, tmp_path: Path, *settings: str
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    command += ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "BOT_CONTACT=mailto:a@b.example"]
    command += ["-s", f"ARCHIVE_DIR={tmp_path / 'archive'}", "-s", f"REDIS_URL={redis_url}"]
    command += ["-s", f"REDIS_KEY_PREFIX={PREFIX}", "-s", "REDIS_WORKER_ID=w1", *settings]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def as_text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def lose_a_queued_article(client: Redis) -> str:
    """Take one queued article request out of the run's queue, as a lost write would; its
    fingerprint stays seen, so no later link queues it again. Returns its page key."""
    [queue] = [as_text(key) for key in client.scan_iter(f"{PREFIX}:run:*:queue")]
    base = queue.removesuffix(":queue")
    for member in client.zrange(queue, 0, -1):
        ticket = as_text(member)
        key = client.hget(f"{base}:pagekeys", ticket)
        if key is not None and as_text(key).startswith("/page.php"):
            client.zrem(queue, ticket)
            client.hdel(f"{base}:entries", ticket)
            client.hdel(f"{base}:pagekeys", ticket)
            return as_text(key)
    raise AssertionError("no article request queued")


def test_a_request_lost_from_the_redis_queue_is_named_and_exits_7(
    redis_url: str, redis_client: Redis, tmp_path: Path
) -> None:
    with LargeSite(60, categories=3) as site:
        stopped = crawl(site, redis_url, tmp_path, "-s", "CLOSESPIDER_PAGECOUNT=12")
        assert stopped.returncode == 0, stopped.stderr[-2000:]
        lost = lose_a_queued_article(redis_client)
        resumed = crawl(site, redis_url, tmp_path)
        origin = site.base_url.rstrip("/")

    assert resumed.returncode == 7, resumed.stderr[-3000:]
    errors = [line for line in resumed.stderr.splitlines() if line.startswith("error: ")]
    [line] = [line for line in errors if "unaccounted" in line]
    assert line.startswith("error: scrapy crawl site: 1 article(s) unaccounted for: ")
    assert f"({origin}{lost})" in line
