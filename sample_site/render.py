"""Pages of the model in the real site's markup (``/work/shared/site/specimen``), as bytes.

The head, header, breadcrumbs, share buttons, related cards and footer are the specimen's,
character for character, with the origin replaced by ``{{ORIGIN}}``. Variants change only
what the model asks for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sample_site import markup
from sample_site.markup import attr, text
from sample_site.model import Article, Card, Category, HomeLink, Listing, RelatedCard
from sample_site.placeholders import ORIGIN

SITE_NAME = "Evergreen"
#: Every page's stylesheet (``sample_site.assets``), as the specimen article links it.
STYLESHEET = '<link rel="stylesheet" href="/static/site.css">'
FOOTER = (
    '<footer class="site-footer"><ul><li><a href="/about.php">About</a></li>'
    '<li><a href="/privacy.php">Privacy</a></li><li><a href="/contact.php">Contact</a></li>'
    f'<li><a href="{markup.ELSEWHERE}/partners">Partners</a></li></ul>'
    "<p>&copy; 2025 Evergreen. All rights reserved.</p></footer>"
)
ROBOTS = (
    f"User-agent: *\nDisallow: /search.php\nDisallow: /private/\n\nSitemap: {ORIGIN}/sitemap.xml\n"
)
_SHARE = (
    ("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?u="),
    ("x", "X", "https://twitter.com/intent/tweet?url="),
    ("reddit", "Reddit", "https://www.reddit.com/submit?url="),
    ("pinterest", "Pinterest", "https://pinterest.com/pin/create/button/?url="),
    ("email", "Email", "mailto:?subject=Shared%20article&body="),
)


def header(categories: Iterable[Category]) -> str:
    items = "".join(
        f'<li><a href="{attr(markup.category_href(c.slug))}">{text(c.name)}</a></li>'
        for c in categories
    )
    return (
        f'<header class="site-header"><a class="logo" href="{ORIGIN}/">{SITE_NAME}</a>'
        f'<nav class="main-nav"><ul>{items}</ul></nav><form class="search" action="/search.php">'
        '<input name="q" type="search"></form></header>'
    )


def _encode(page: str, encoding: str) -> bytes:
    # Characters a legacy page cannot hold become numeric references, which parsers decode
    # back to the same text; the page's own prose is chosen to fit windows-1252.
    return page.encode(encoding, errors="xmlcharrefreplace")


def _json_ld(data: dict[str, str]) -> str:
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _head(article: Article) -> str:
    url = f"{ORIGIN}{article.url_path}"
    title = article.title_text
    page_title = f"{title.rstrip('.')} | {article.category.name}" if title else SITE_NAME
    stamp = f"{article.published.isoformat()}T09:00:00+00:00"
    lines = [
        f'<meta charset="{article.encoding}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text(page_title)}</title>",
    ]
    if article.meta_description is not None:
        lines.append(f'<meta name="description" content="{attr(article.meta_description)}">')
    if article.canonical:
        lines.append(f'<link rel="canonical" href="{url}">')
    lines.append('<meta property="og:type" content="article">')
    ld: dict[str, str] = {"@context": "https://schema.org", "@type": "Article"}
    if title:
        lines.append(f'<meta property="og:title" content="{attr(title)}">')
        ld["headline"] = title
    if article.meta_description is not None:
        lines.append(f'<meta property="og:description" content="{attr(article.meta_description)}">')
        ld["description"] = article.meta_description
    if article.canonical:
        lines.append(f'<meta property="og:url" content="{url}">')
    if article.head_date:
        lines.append(f'<meta property="article:published_time" content="{stamp}">')
        ld["datePublished"] = stamp
    lines.append(f'<meta property="article:section" content="{attr(article.category.name)}">')
    ld["articleSection"] = article.category.name
    if article.canonical:
        ld["mainEntityOfPage"] = url
    lines += [
        f'<script type="application/ld+json">{_json_ld(ld)}</script>',
        STYLESHEET,
        '<script async src="/static/ads.js"></script>',
    ]
    return "<head>\n" + "\n".join(lines) + "\n</head>"


def _post_meta(article: Article) -> str:
    day = article.published
    match article.date_style:
        case "time":
            stamp = f'<time datetime="{day.isoformat()}">{markup.display_date(day)}</time>'
        case "text":
            stamp = markup.display_date(day, padded=False, short=True)
        case "time-no-datetime":
            stamp = f"<time>{markup.display_date(day, padded=False)}</time>"
    return f'<div class="post-meta">Published {stamp}</div>'


def _share(url: str) -> str:
    items = "".join(
        f'<li><a class="share-{key}" href="{attr(prefix + url)}" rel="nofollow noopener" '
        f'target="_blank">{label}</a></li>'
        for key, label, prefix in _SHARE
    )
    return f'<ul class="share-buttons">{items}</ul>'


def related_item(card: RelatedCard) -> str:
    href = markup.article_href(card.article_id, card.href_style)
    return (
        f'<li class="related-item"><a class="related-category" '
        f'href="{attr(markup.category_href(card.category.slug))}">{text(card.category.name)}</a>'
        f'<a class="related-link" href="{attr(href)}"><p class="related-summary">'
        f'{text(card.summary)}</p></a><span class="related-sep">-</span>'
        f'<time class="related-date" datetime="{card.published.isoformat()}">'
        f"{markup.display_date(card.published)}</time></li>"
    )


def _related(related: tuple[RelatedCard, ...] | None) -> list[str]:
    if related is None:
        return []
    return [
        '<section class="related-articles">',
        '<h2 class="related-title">Related Articles</h2>',
        '<ul class="related-list">',
        *(related_item(card) for card in related),
        "</ul>",
        "</section>",
    ]


def article_page(article: Article, categories: tuple[Category, ...]) -> bytes:
    """The article page, encoded as the page declares."""
    url = f"{ORIGIN}{article.url_path}"
    category = article.category
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        _head(article),
        '<body class="page-article">',
        header(categories),
        '<main id="content">',
        f'<article class="post" data-id="{article.id}">',
        f'<nav class="breadcrumbs"><a href="{ORIGIN}/">Home</a> &rsaquo; '
        f'<a class="breadcrumb-category" href="{attr(markup.category_href(category.slug))}">'
        f"{text(category.name)}</a></nav>",
    ]
    if article.title is not None:
        lines.append(f'<h1 class="post-title">{markup.inline(article.title)}</h1>')
    if article.summary is not None:
        lines.append(f'<p class="post-summary">{markup.inline(article.summary)}</p>')
    lines += [_post_meta(article), _share(url), '<div class="post-body">']
    lines += [markup.body_item(item) for item in article.body]
    lines += ["</div>", "</article>", *_related(article.related), "</main>", FOOTER]
    lines += ["</body>", "</html>"]
    return _encode("\n".join(lines), article.encoding)


def _card(card: Card, *, with_date: bool) -> str:
    href = markup.article_href(card.article_id, card.href_style)
    stamp = (
        f'<time datetime="{card.published.isoformat()}">{markup.display_date(card.published)}'
        "</time>"
        if with_date
        else ""
    )
    return (
        f'<li class="article-card"><a class="card-link" href="{attr(href)}">'
        f'<h3 class="card-title">{text(card.title)}</h3></a>'
        f'<p class="card-summary">{text(card.teaser)}</p>{stamp}</li>'
    )


def _pagination(listing: Listing, number: int) -> str:
    slug = listing.category.slug
    count = len(listing.pages)
    parts = []
    if number > 1:
        parts.append(
            f'<a class="prev" rel="prev" href="{attr(markup.category_href(slug, number - 1))}">'
            "&laquo; Previous</a>"
        )
    for page in range(1, count + 1):
        if page == number:
            parts.append(f'<span class="current">{page}</span>')
        else:
            parts.append(f'<a href="{attr(markup.category_href(slug, page))}">{page}</a>')
    next_href: str | None = None
    if number < count:
        next_href = markup.category_href(slug, number + 1)
    elif listing.loop == "page-param":
        next_href = f"{markup.category_href(slug)}&page=1"
    elif listing.loop == "bare-relative":
        next_href = f"/category.php?c={slug}"
    if next_href is not None:
        parts.append(f'<a class="next" rel="next" href="{attr(next_href)}">Next &raquo;</a>')
    return f'<nav class="pagination">{" ".join(parts)}</nav>'


def category_page(listing: Listing, number: int, categories: tuple[Category, ...]) -> bytes:
    """Listing page ``number`` (1-based) of ``listing``."""
    category = listing.category
    canonical = markup.category_href(category.slug, number)
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{text(category.name)} | {SITE_NAME}</title>",
        f'<link rel="canonical" href="{attr(canonical)}">',
        f'<meta name="description" content="Articles in {attr(category.name)}">',
        STYLESHEET,
        "</head>",
        '<body class="page-category">',
        header(categories),
        '<main id="content">',
        f'<h1 class="category-title">{text(category.name)}</h1>',
        '<ul class="article-list">',
        *(_card(card, with_date=True) for card in listing.pages[number - 1]),
        "</ul>",
        _pagination(listing, number),
        "</main>",
        FOOTER,
        "</body>",
        "</html>",
    ]
    return "\n".join(lines).encode("utf-8")


def home_page(
    latest: Iterable[Card], archive: Iterable[HomeLink], categories: tuple[Category, ...]
) -> bytes:
    """The home page: navigation, "Latest" cards and a "From the archive" link list."""
    links = "".join(
        f'<li><a href="{attr(link.href)}">{text(link.label)}</a></li>\n' for link in archive
    )
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        f'<head><meta charset="utf-8"><title>{SITE_NAME} - essays on film and culture</title>',
        f'<link rel="canonical" href="{ORIGIN}/">{STYLESHEET}</head>',
        '<body class="page-home">',
        header(categories),
        '<main id="content">',
        "<h2>Latest</h2>",
        '<ul class="article-list">',
        *(_card(card, with_date=False) for card in latest),
        "</ul>",
        "<h2>From the archive</h2>",
        f'<ul class="archive-links">\n{links}</ul>',
        "</main>",
        FOOTER,
        "</body>",
        "</html>",
    ]
    return "\n".join(lines).encode("utf-8")


def search_page(cards: Iterable[Card], categories: tuple[Category, ...]) -> bytes:
    """What ``/search.php`` answers (robots.txt disallows it)."""
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        f'<head><meta charset="utf-8"><title>Search | {SITE_NAME}</title>',
        '<meta name="robots" content="noindex"></head>',
        '<body class="page-search">',
        header(categories),
        '<main id="content">',
        '<h1 class="search-title">Search results</h1>',
        '<ul class="article-list">',
        *(_card(card, with_date=True) for card in cards),
        "</ul>",
        "</main>",
        FOOTER,
        "</body>",
        "</html>",
    ]
    return "\n".join(lines).encode("utf-8")


def sitemap(paths: Iterable[str]) -> bytes:
    rows = "".join(f"  <url><loc>{ORIGIN}{text(path)}</loc></url>\n" for path in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}</urlset>\n"
    ).encode()


def robots() -> bytes:
    return ROBOTS.encode()
