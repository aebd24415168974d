"""Write the sample site and its expected records.

``python -m sample_site.generate [--out data/sample_site]`` replaces ``site/`` and
``expected/`` under ``--out`` and rewrites its README. Two runs with the same arguments write
identical bytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from sample_site import oracle, render
from sample_site.assets import STATIC
from sample_site.build import DEFAULT_ARTICLES, DEFAULT_LONG_BODY, build_site
from sample_site.model import Article, Site
from sample_site.readme import readme

DEFAULT_OUT = Path("data/sample_site")


def dump_json(value: Any) -> str:
    """JSON as the expected files store it (the specimen's format)."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def article_file(article: Article) -> str:
    if article.path is not None:
        return f"private/{article.id}.html"
    return f"article/{article.id}.html"


def routes(site: Site) -> dict[str, Any]:
    """``site/routes.json``: what the server answers beyond one file per URL."""
    return {
        "home": "home.html",
        "robots": "robots.txt",
        "sitemap": "sitemap.xml",
        "article_file": "article/{id}.html",
        "category_file": "category/{slug}-{page}.html",
        "categories": {listing.category.slug: len(listing.pages) for listing in site.listings},
        "redirects": [{"from": r.source, "to": r.target, "status": 301} for r in site.redirects],
        "not_found_ids": list(site.not_found_ids),
        "flaky_ids": list(site.flaky_ids),
        "disallowed": [
            *({"path": page.url_path, "file": article_file(page)} for page in site.private_pages),
            {"path": "/search.php", "file": "search.html", "any_query": True},
        ],
        "legacy_charset_files": sorted(
            article_file(a) for a in site.articles if a.encoding != "utf-8"
        ),
        "static": {path: {"file": file, "type": kind} for path, (file, kind, _) in STATIC.items()},
    }


def write_site(site: Site, out: Path) -> None:
    """Write ``site`` under ``out`` (``site/``, ``expected/``, ``README.md``)."""
    for part in ("site", "expected"):
        shutil.rmtree(out / part, ignore_errors=True)
    pages = out / "site"
    categories = site.categories
    _write(pages / "home.html", render.home_page(site.latest, site.archive_links, categories))
    _write(pages / "robots.txt", render.robots())
    _write(pages / "sitemap.xml", render.sitemap(f"/page.php?p={i}" for i in site.sitemap_ids))
    _write(pages / "search.html", render.search_page(site.latest[:4], categories))
    for article in (*site.articles, *site.private_pages):
        _write(pages / article_file(article), render.article_page(article, categories))
    for listing in site.listings:
        for number in range(1, len(listing.pages) + 1):
            name = f"category/{listing.category.slug}-{number}.html"
            _write(pages / name, render.category_page(listing, number, categories))
    for file, _, data in STATIC.values():
        _write(pages / file, data)
    _write(pages / "routes.json", dump_json(routes(site)))

    expected = out / "expected"
    republished = {copy for _, copy in site.duplicates}
    for article in site.articles:
        record = oracle.article_record(article)
        if record is None:
            continue
        folder = "duplicates" if article.id in republished else "articles"
        _write(expected / folder / f"{article.id}.json", dump_json(record))
    lines = (json.dumps(oracle.category_record(x), ensure_ascii=False) for x in site.listings)
    _write(expected / "categories.jsonl", "".join(line + "\n" for line in lines))
    summary = oracle.site_summary(site)
    _write(expected / "site.json", dump_json(summary))
    _write(out / "README.md", readme(site, summary))


def generate(
    out: Path = DEFAULT_OUT,
    *,
    seed: int = 2025,
    articles: int = DEFAULT_ARTICLES,
    long_body_paragraphs: int = DEFAULT_LONG_BODY,
) -> Site:
    """Build the site for these arguments and write it under ``out``."""
    site = build_site(seed, articles, long_body_paragraphs)
    write_site(site, out)
    return site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument("--long-body-paragraphs", type=int, default=DEFAULT_LONG_BODY)
    args = parser.parse_args(argv)
    site = generate(
        args.out,
        seed=args.seed,
        articles=args.articles,
        long_body_paragraphs=args.long_body_paragraphs,
    )
    print(f"wrote {len(site.articles)} article pages to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
