"""``data/sample_site/README.md``, written by the generator so it never drifts from the data."""

from __future__ import annotations

from typing import Any

from sample_site.model import Site

_LAYOUT = """\
# Sample site (generated)

Written by `python -m sample_site.generate` (`make sample-site`); do not edit by hand.
Served by `python -m sample_site [--root data/sample_site] [--port 0]
[--public-origin URL] [--log FILE]`, or in-process with `sample_site.server.SampleSite`.

Pages and expected records name the origin as `{{ORIGIN}}` (protocol-relative links use
`//{{HOST}}`, scheme-swapped links `{{SWAPPED_ORIGIN}}`). The server fills these in with its
own `http://127.0.0.1:<port>` or with `--public-origin`; `sample_site.expected` does
the same for the expected records. Redirects send `Location: <origin>/page.php?p=<id>`.

## Layout
{layout}

Category records list every URL the listing pages link to, including pages that turn out not
to be articles and republished copies.
"""


_ROWS = (
    (
        "site/home.html",
        '`/`: navigation, "Latest" cards, "From the archive" links (redirects, a 404, '
        "private, search, another host)",
    ),
    ("site/robots.txt", "`/robots.txt`"),
    ("site/sitemap.xml", "`/sitemap.xml`: every article page, and one stale id that answers 404"),
    (
        "site/category/<slug>-<N>.html",
        "`/category.php?c=<slug>&page=N` (page 1 also without `page`), 12 cards a page",
    ),
    (
        "site/article/<id>.html",
        "`/page.php?p=<id>`, raw bytes as served (windows-1252 pages stay windows-1252)",
    ),
    ("site/private/<id>.html", "article-looking pages under `/private/` (disallowed)"),
    ("site/search.html", "what `/search.php?q=...` answers (disallowed)"),
    (
        "site/routes.json",
        "redirects (301), ids answering 404, ids answering 503 once then 200, disallowed "
        "paths, legacy-charset files (served as `text/html` without charset)",
    ),
    ("expected/articles/<id>.json", "the exact record of every article that must be archived"),
    (
        "expected/duplicates/<id>.json",
        "the record of each republished copy: the archive keeps whichever of a pair it meets first",
    ),
    (
        "expected/categories.jsonl",
        "one category record per category: name, canonical page-1 URL, article URLs in "
        "listing order, each once",
    ),
    (
        "expected/site.json",
        "archived ids, duplicate pairs, non-article ids, 404 and flaky ids, redirects, "
        "disallowed paths, sitemap-only ids, variant -> ids map",
    ),
)


def readme(site: Site, summary: dict[str, Any]) -> str:
    """The README text for ``site`` and its ``site.json`` ``summary``."""
    layout = "| path | what |\n| --- | --- |\n" + "\n".join(
        f"| `{path}` | {what} |" for path, what in _ROWS
    )
    rows = "\n".join(
        f"| `{name}` | {', '.join(ids)} |" for name, ids in summary["variants"].items()
    )
    listings = "\n".join(
        f"| {listing.category.name} | `{listing.category.slug}` | {len(listing.pages)} | "
        f"{listing.loop} |"
        for listing in site.listings
    )
    counts = (
        f"{len(summary['archived_ids'])} articles to archive, "
        f"{len(summary['duplicates'])} republished copies, "
        f"{len(summary['not_article_ids'])} pages that are not articles, "
        f"{len(site.private_pages)} private pages, {len(site.not_found_ids)} ids answering 404."
    )
    return (
        f"{_LAYOUT.replace('{layout}', layout)}\n## Contents\n{counts}\n\n"
        "| category | slug | pages | last page's next link |\n| --- | --- | --- | --- |\n"
        f"{listings}\n\n## Variants\n| variant | article ids |\n| --- | --- |\n{rows}\n"
    )
