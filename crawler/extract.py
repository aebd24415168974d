"""``extract_article``: the archived record for saved HTML, without Scrapy running."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crawler.contract import violation
from crawler.pages.article import ArticlePage


def extract_article(body: bytes, url: str) -> dict[str, Any] | None:
    """The record SITE.md defines for the article page ``body`` fetched from ``url``, or
    ``None`` when the page is not an article (no title, no body text, or any other field of
    the record contract missing).

    Researchers re-parse saved pages with it; the crawler's spiders use the same page object.
    """
    record = ArticlePage.from_bytes(body, url).to_item().to_record()
    return None if violation(record) else record


def main(argv: list[str] | None = None) -> int:
    """``evergreen-extract PAGE.html URL``: print the record as JSON (``null`` if none)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("page", type=Path, help="saved HTML file")
    parser.add_argument("url", help="the URL the page was fetched from")
    args = parser.parse_args(argv)
    try:
        body = args.page.read_bytes()
    except OSError as exc:
        parser.error(f"cannot read {args.page}: {exc.strerror}")
    json.dump(extract_article(body, args.url), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
