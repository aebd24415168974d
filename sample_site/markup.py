"""HTML fragments for the pieces of the model: inline runs, body blocks, ads, links.

Every fragment is a ``str`` that may contain origin placeholders; ``render`` assembles pages
and encodes them.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import assert_never

from sample_site import corpus
from sample_site.model import (
    Ad,
    Block,
    BodyItem,
    BodyNoise,
    Element,
    Entity,
    HrefStyle,
    Inline,
    ListBlock,
    Noise,
    NoiseKind,
    Run,
    StrayClose,
    Text,
)
from sample_site.placeholders import HOST, ORIGIN, SWAPPED_ORIGIN

#: Where in-body links to other hosts point; nothing answers there.
ELSEWHERE = "https://elsewhere.example"


def text(value: str) -> str:
    """Character data, escaped."""
    return escape(value, quote=False)


def attr(value: str) -> str:
    """An attribute value, escaped for double quotes."""
    return escape(value, quote=True)


def article_href(article_id: str, style: HrefStyle) -> str:
    """How a link to ``article_id`` is written under ``style`` (unescaped)."""
    path = f"/page.php?p={article_id}"
    match style:
        case "absolute":
            return f"{ORIGIN}{path}"
        case "root-relative":
            return path
        case "relative":
            return path.lstrip("/")
        case "protocol-relative":
            return f"//{HOST}{path}"
        case "tracked-utm":
            return f"{ORIGIN}{path}&utm_source=x&utm_medium=y"
        case "tracked-utm-first":
            return f"{ORIGIN}/page.php?utm_source=newsletter&utm_campaign=weekly&p={article_id}"
        case "tracked-ref":
            return f"{ORIGIN}{path}&ref=home"
        case "tracked-fbclid":
            return f"{ORIGIN}{path}&fbclid=IwAR0xVb3Sample"
        case "tracked-gclid":
            return f"{ORIGIN}{path}&gclid=Cj0KCQjwSample"
        case "fragment":
            return f"{ORIGIN}{path}#comments"
        case "whitespace":
            return f"  {path} \n"
        case "scheme-swapped":
            return f"{SWAPPED_ORIGIN}{path}"
        case "old-url":
            return f"/article.php?id={article_id}"
    assert_never(style)


def category_href(slug: str, page: int = 1) -> str:
    base = f"{ORIGIN}/category.php?c={slug}"
    return base if page == 1 else f"{base}&page={page}"


def display_date(day: date, *, padded: bool = True, short: bool = False) -> str:
    """``August 06, 2025`` (the site's default), ``August 6, 2025`` or ``Aug 6, 2025``."""
    month = corpus.MONTHS[day.month - 1]
    if short:
        month = month[:3]
    number = f"{day.day:02d}" if padded else str(day.day)
    return f"{month} {number}, {day.year}"


_INLINE_NOISE: dict[NoiseKind, str] = {
    "script": '<script>window.dataLayer = window.dataLayer || []; dataLayer.push({"event": '
    '"paragraph_view", "label": "Not article text"});</script>',
    "style": "<style>.post-body .pull-quote { font-style: italic; content: 'Not text'; }</style>",
    "noscript": '<noscript><img src="/static/pixel.gif" alt="Tracking pixel"></noscript>',
    "iframe": '<iframe src="https://player.elsewhere.example/embed/4471" width="560" '
    'height="315" title="Trailer"></iframe>',
    "img": '<img src="/static/stills/still-4471.jpg" alt="A still from the film" width="640" '
    'height="360">',
    "comment": "<!-- pull quote removed by editor -->",
}

_BLOCK_NOISE: dict[NoiseKind, str] = {
    "script": '<script type="text/javascript">var relatedWidget = {"title": "Readers also liked", '
    '"count": 4}; document.write("");</script>',
    "style": "<style>\n.post-body h2 { margin-top: 2em; }\n.post-body p::after { content: '' }\n"
    "</style>",
    "noscript": "<noscript><p>Enable JavaScript to see the comments.</p></noscript>",
    "iframe": '<iframe src="https://player.elsewhere.example/embed/9012" width="640" height="360" '
    'title="Video essay" allowfullscreen></iframe>',
    "img": '<img class="inline-still" src="/static/stills/still-9012.jpg" alt="Crowds outside '
    'the cinema" loading="lazy">',
    "comment": "<!-- related widget slot: rendered client-side -->",
}


def run(item: Run) -> str:
    """One inline run as HTML."""
    if isinstance(item, Text):
        return text(item.text)
    if isinstance(item, Entity):
        return item.ref
    if isinstance(item, Element):
        inner = inline(item.children)
        if item.href is not None:
            return f'<{item.tag} href="{attr(item.href)}">{inner}</{item.tag}>'
        if item.tag == "span":
            return f'<span class="highlight">{inner}</span>'
        return f"<{item.tag}>{inner}</{item.tag}>"
    if isinstance(item, Noise):
        return _INLINE_NOISE[item.kind]
    if isinstance(item, StrayClose):
        return f"</{item.tag}>"
    assert_never(item)


def inline(runs: Inline) -> str:
    return "".join(run(item) for item in runs)


def ad(item: Ad) -> str:
    """An advertisement slot, in one of the shapes SITE.md lists."""
    slot = item.slot
    match item.shape:
        case "ad-container":
            # Printed twice, desktop then mobile, exactly as on the specimen.
            return "\n".join(
                f'<div class="ad-container ad-{screen}" data-ad-position="in-article-{slot}">'
                '<span class="ad-label">ADVERTISEMENT</span><div class="ad-slot">'
                '<ins class="adsbygoogle" style="display:block" '
                f'data-ad-client="ca-pub-0000000000000000" data-ad-slot="{1000 + slot}"></ins>'
                "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div></div>"
                for screen in ("desktop", "mobile")
            )
        case "ad-aside":
            return (
                '<aside class="advertisement"><p class="ad-label">Advertisement</p>'
                f'<iframe src="https://ads.elsewhere.example/serve?slot={slot}" width="300" '
                'height="250" title="Advertisement" loading="lazy"></iframe></aside>'
            )
        case "ad-gpt":
            gpt_id = f"div-gpt-ad-1234567-{slot}"
            # Odd slots carry a visible label in a plain <p>, so only the slot's id marks it.
            label = '<p class="gpt-label">Advertisement</p>' if slot % 2 else ""
            return (
                f'<div id="{gpt_id}" style="min-width:300px;min-height:250px;">{label}'
                f"<script>googletag.cmd.push(function() {{ googletag.display('{gpt_id}'); }});"
                "</script></div>"
            )
        case "ad-label-paragraph":
            tail = (
                ""
                if slot % 2
                else '\n<ins class="adsbygoogle" style="display:block" '
                f'data-ad-slot="{2000 + slot}"></ins>'
            )
            return f'<p class="ad-label">ADVERTISEMENT</p>{tail}'
        case "sponsored":
            line = corpus.SPONSORED_LINES[slot % len(corpus.SPONSORED_LINES)]
            return (
                '<div class="sponsored-content"><span class="sponsored-label">Sponsored</span>'
                f"<p>{text(line)}</p>"
                f'<a href="{ELSEWHERE}/offer?slot={slot}" rel="sponsored nofollow">'
                "Learn more</a></div>"
            )
    assert_never(item.shape)


def body_item(item: BodyItem) -> str:
    """One item of ``div.post-body`` as HTML."""
    if isinstance(item, Block):
        tag = "p" if item.kind == "paragraph" else f"h{item.level}"
        close = f"</{tag}>" if item.closed else ""
        return f"<{tag}>{inline(item.runs)}{close}"
    if isinstance(item, ListBlock):
        tag = "ol" if item.ordered else "ul"
        rows = "".join(f"<li>{inline(runs)}</li>\n" for runs in item.items)
        return f"<{tag}>\n{rows}</{tag}>"
    if isinstance(item, Ad):
        return ad(item)
    if isinstance(item, BodyNoise):
        return _BLOCK_NOISE[item.kind]
    assert_never(item)
