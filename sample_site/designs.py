"""Structural redesigns of the large site's article and listing pages.

Unlike the class-renaming redesign (``large.REDESIGN_CLASSES``), these change the structure:
no ``<article>``, no ``<main>``, body paragraphs in nested ``div``s, headings as ``div``s with
a class, ads as ``<ins>`` slots, labelled boxes and sponsored blocks in new markup (one of them
shaped like the body's own paragraphs), related cards as a grid with the category in a
sentence, and listings as card grids with "Older posts" pagination (no ``rel=next``). The head
(canonical link, OpenGraph, JSON-LD) stays as it was, as in real redesigns.

Each of :data:`KEEPING` keeps every piece of information the original page shows: the record
SITE.md defines is the same under any of them. :data:`DROPPING` is ``grid`` without the
related cards' summaries: a redesign that lost a field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

#: The information-keeping structural designs.
KEEPING: Final = ("grid", "magazine", "cards")
#: ``grid`` without the related cards' summaries.
DROPPING: Final = "grid-nosummary"
STRUCTURAL: Final = (*KEEPING, DROPPING)
#: The original article page but for its related cards, a grid of tiles as ``grid``'s: the
#: body is where the page objects find it, the related cards are not (a redesign whose field
#: coverage collapses while every page still gives a record). Listings stay as they were.
TILES: Final = "related-tiles"


class RelatedCard(NamedTuple):
    url: str
    category: str
    category_url: str
    summary: str
    published: str
    published_text: str


class ListingCard(NamedTuple):
    url: str
    title: str
    summary: str
    published: str
    published_text: str


@dataclass(frozen=True, slots=True)
class ArticleParts:
    """One article page's pieces, already HTML-escaped."""

    head: str
    header: str
    footer: str
    origin: str
    url: str
    title: str
    summary: str
    published: str
    published_text: str
    category: str
    category_url: str
    blocks: Sequence[tuple[Literal["heading", "paragraph"], str]]
    ad_after: Sequence[int]
    related: Sequence[RelatedCard]


def _share(url: str) -> str:
    return (
        f'<a href="https://www.facebook.com/sharer/sharer.php?u={url}">Facebook</a> '
        f'<a href="https://twitter.com/intent/tweet?url={url}">X</a> '
        f'<a href="mailto:?subject=Shared%20article&amp;body={url}">Email</a>'
    )


SPONSOR_TEXT: Final = "Learn the craft of film editing with our partner's online course."


def _grid_body(parts: ArticleParts) -> str:
    out: list[str] = []
    paragraphs = 0
    for kind, html in parts.blocks:
        if kind == "heading":
            out.append(f'<div class="subhead">{html}</div>')
            continue
        out.append(f'<div class="row"><div class="col"><p>{html}</p></div></div>')
        paragraphs += 1
        if paragraphs == parts.ad_after[0]:
            out.append(
                '<ins class="adsbygoogle" data-ad-slot="2001"></ins>\n'
                '<div class="box"><div class="box-label">Advertisement</div>'
                '<div class="box-slot"><ins class="adsbygoogle" data-ad-slot="2002"></ins>'
                "</div></div>"
            )
        elif paragraphs == parts.ad_after[1]:
            # Sponsored text in the body's own paragraph markup: only its wrapper tells it.
            out.append(
                '<div class="partner"><div class="row"><div class="col"><p>Sponsored</p></div>'
                f'</div><div class="row"><div class="col"><p>{SPONSOR_TEXT}</p></div></div>'
                '<a href="https://sponsor.example/course">Learn more</a></div>'
            )
    return "\n".join(out)


def related_tiles(cards: Sequence[RelatedCard]) -> str:
    """The related cards as :data:`TILES` prints them, where the original page has its
    related section."""
    return (
        '<div class="more"><div class="more-head">Keep reading</div><div class="more-grid">\n'
        + _tiles(cards, summaries=True)
        + "\n</div></div>"
    )


def _tiles(cards: Sequence[RelatedCard], summaries: bool) -> str:
    return "\n".join(
        '<div class="tile">'
        + (
            f'<a class="tile-link" href="{card.url}"><span class="tile-dek">{card.summary}'
            "</span></a>"
            if summaries
            else f'<a class="tile-link" href="{card.url}">Read the essay</a>'
        )
        + f'<div class="tile-note">More from <a href="{card.category_url}">{card.category}</a>'
        f', published <time datetime="{card.published}">{card.published_text}</time></div>'
        "</div>"
        for card in cards
    )


def _grid_article(parts: ArticleParts, summaries: bool) -> str:
    tiles = _tiles(parts.related, summaries)
    return f"""<body class="tpl-grid">
{parts.header}
<div id="page"><div class="wrap">
<div class="trail"><a href="{parts.origin}/">Home</a> / <a href="{parts.category_url}">\
{parts.category}</a></div>
<header class="story-head">
<div class="headline">{parts.title}</div>
<div class="standfirst">{parts.summary}</div>
<div class="byline">Published on <time datetime="{parts.published}">{parts.published_text}\
</time></div>
</header>
<div class="social">{_share(parts.url)}</div>
<div class="story">
{_grid_body(parts)}
</div>
<div class="more">
<div class="more-head">Keep reading</div>
<div class="more-grid">
{tiles}
</div>
</div>
</div></div>
{parts.footer}
</body>
</html>
"""


def _magazine_body(parts: ArticleParts) -> str:
    out: list[str] = []
    paragraphs = 0
    for kind, html in parts.blocks:
        if kind == "heading":
            out.append(f'<div class="heading-2">{html}</div>')
            continue
        out.append(f'<section class="chunk"><div><div class="copy">{html}</div></div></section>')
        paragraphs += 1
        if paragraphs == parts.ad_after[0]:
            out.append(
                '<div class="slot"><ins class="adsbygoogle" data-ad-slot="3001"></ins></div>\n'
                '<aside class="notice"><em>Advertisement</em>'
                '<iframe src="https://ads.example/frame"></iframe></aside>'
            )
        elif paragraphs == parts.ad_after[1]:
            out.append(
                '<div class="promo-card"><section class="chunk"><div><div class="copy">'
                'Sponsored</div></div></section><section class="chunk"><div><div '
                f'class="copy">{SPONSOR_TEXT}</div></div></section></div>'
            )
    return "\n".join(out)


def _magazine_article(parts: ArticleParts) -> str:
    cards = "\n".join(
        f'<li class="also-card"><p class="also-line">In <a href="{card.category_url}">'
        f'{card.category}</a> · <time datetime="{card.published}">{card.published_text}'
        f'</time></p><a href="{card.url}" class="also-go"><div class="also-dek">{card.summary}'
        "</div></a></li>"
        for card in parts.related
    )
    return f"""<body class="tpl-magazine">
{parts.header}
<div class="layout"><section class="content-area">
<div class="kicker"><span>Filed in</span> <a class="kicker-link" href="{parts.category_url}">\
{parts.category}</a></div>
<div class="title-block"><h2 class="entry-headline">{parts.title}</h2></div>
<div class="lede"><span>{parts.summary}</span></div>
<div class="dateline"><span class="date-text">{parts.published_text}</span> · \
<span>{_share(parts.url)}</span></div>
<div class="text">
{_magazine_body(parts)}
</div>
<section class="also">
<h3 class="also-title">You may also like</h3>
<ul class="also-grid">
{cards}
</ul>
</section>
</section></div>
{parts.footer}
</body>
</html>
"""


def _cards_body(parts: ArticleParts) -> str:
    out: list[str] = []
    paragraphs = 0
    for kind, html in parts.blocks:
        if kind == "heading":
            out.append(f'<div class="h">{html}</div>')
            continue
        out.append(f'<div class="blk"><div class="blk-in"><p>{html}</p></div></div>')
        paragraphs += 1
        if paragraphs == parts.ad_after[0]:
            out.append(
                '<div id="div-gpt-ad-1001"><ins class="adsbygoogle"></ins></div>\n'
                '<div class="labelled"><small>ADVERTISEMENT</small><ins class="adsbygoogle">'
                "</ins></div>"
            )
        elif paragraphs == parts.ad_after[1]:
            out.append(
                '<div class="sponsor-block"><div class="blk"><div class="blk-in"><p>Sponsored'
                f'</p></div></div><div class="blk"><div class="blk-in"><p>{SPONSOR_TEXT}</p>'
                '</div></div><a href="https://sponsor.example/">Learn more</a></div>'
            )
    return "\n".join(out)


def _cards_article(parts: ArticleParts) -> str:
    cards = "\n".join(
        f'<div class="card" data-kind="essay"><div class="card-meta">Also in '
        f'<a href="{card.category_url}">{card.category}</a>, '
        f'<time datetime="{card.published}">{card.published_text}</time></div>'
        f'<div class="card-text"><a href="{card.url}">{card.summary}</a></div></div>'
        for card in parts.related
    )
    return f"""<body>
{parts.header}
<div id="story">
<div class="crumbs"><a href="{parts.origin}/">Home</a> › <a href="{parts.category_url}">\
{parts.category}</a></div>
<h1>{parts.title}</h1>
<p>{parts.summary}</p>
<p class="when">First published <time datetime="{parts.published}">{parts.published_text}\
</time></p>
<div class="tools">{_share(parts.url)}</div>
<div data-part="body">
{_cards_body(parts)}
</div>
</div>
<div data-part="more"><div class="more-title">Related reading</div><div class="deck">
{cards}
</div></div>
{parts.footer}
</body>
</html>
"""


def render_article(design: str, parts: ArticleParts) -> str:
    """The whole article page in ``design`` (one of :data:`STRUCTURAL`)."""
    if design == "grid":
        body = _grid_article(parts, summaries=True)
    elif design == DROPPING:
        body = _grid_article(parts, summaries=False)
    elif design == "magazine":
        body = _magazine_article(parts)
    elif design == "cards":
        body = _cards_article(parts)
    else:
        raise ValueError(f"no structural design {design!r}")
    return parts.head + body


def _pager(newer: str | None, older: str | None) -> str:
    links = []
    if newer is not None:
        links.append(f'<a class="newer" href="{newer}">Newer posts</a>')
    if older is not None:
        links.append(f'<a class="older" href="{older}">Older posts</a>')
    return f'<div class="pager">{" ".join(links)}</div>'


def render_listing(
    design: str,
    *,
    head: str,
    header: str,
    footer: str,
    name: str,
    cards: Sequence[ListingCard],
    newer: str | None,
    older: str | None,
) -> str:
    """A category listing page as a card grid with "Older posts" pagination."""
    if design == "magazine":
        items = "\n".join(
            f'<li class="cell"><a href="{card.url}" class="cell-go"><span>{card.title}</span>'
            f'</a><div class="cell-dek">{card.summary}</div>'
            f'<time datetime="{card.published}">{card.published_text}</time></li>'
            for card in cards
        )
        main = (
            f'<section class="section-page"><h2 class="section-name">{name}</h2>'
            f'<ul class="cells">\n{items}\n</ul>{_pager(newer, older)}</section>'
        )
    elif design == "cards":
        items = "\n".join(
            f'<div class="card"><div class="card-text"><a href="{card.url}">{card.title}</a>'
            f'</div><div class="card-meta">{card.summary} '
            f'<time datetime="{card.published}">{card.published_text}</time></div></div>'
            for card in cards
        )
        main = (
            f'<div id="listing"><div class="listing-name">{name}</div>'
            f'<div class="deck">\n{items}\n</div>{_pager(newer, older)}</div>'
        )
    else:
        items = "\n".join(
            f'<div class="teaser"><a href="{card.url}"><div class="teaser-title">{card.title}'
            f'</div></a><div class="teaser-dek">{card.summary}</div>'
            f'<time datetime="{card.published}">{card.published_text}</time></div>'
            for card in cards
        )
        main = (
            f'<div class="listing"><div class="listing-title">{name}</div>'
            f'<div class="grid">\n{items}\n</div>{_pager(newer, older)}</div>'
        )
    return f"{head}<body>\n{header}\n{main}\n{footer}\n</body>\n</html>\n"
