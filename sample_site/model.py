"""The sample site as the generator intends it: what each page is meant to say.

The model is the oracle. Expected records are computed from it (``oracle``), pages are printed
from it (``render``), and neither reads the other's output, so a bug in one shows up as a
mismatch instead of being copied into both.

Inline content is a tuple of runs. Each run knows the text it contributes to the element's
``textContent`` (``Noise`` and ``StrayClose`` contribute nothing) and ``render`` knows how to
print it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

Encoding = Literal["utf-8", "windows-1252"]
DateStyle = Literal["time", "text", "time-no-datetime"]
BlockKind = Literal["heading", "paragraph"]
AdShape = Literal["ad-container", "ad-aside", "ad-gpt", "ad-label-paragraph", "sponsored"]
NoiseKind = Literal["script", "style", "noscript", "iframe", "img", "comment"]
LoopStyle = Literal["none", "page-param", "bare-relative"]
HrefStyle = Literal[
    "absolute",
    "root-relative",
    "relative",
    "protocol-relative",
    "tracked-utm",
    "tracked-utm-first",
    "tracked-ref",
    "tracked-fbclid",
    "tracked-gclid",
    "fragment",
    "whitespace",
    "scheme-swapped",
    "old-url",
]


@dataclass(frozen=True, slots=True)
class Text:
    """Plain character data, printed escaped."""

    text: str


@dataclass(frozen=True, slots=True)
class Entity:
    """One character printed as a character reference (``&rsquo;``, ``&#x2019;``...)."""

    char: str
    ref: str


@dataclass(frozen=True, slots=True)
class Element:
    """An inline element (``a``, ``em``, ``strong``, ``span``...) around more runs."""

    tag: str
    children: tuple[Run, ...]
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Noise:
    """Markup that carries no article text: a script, an image, a comment..."""

    kind: NoiseKind


@dataclass(frozen=True, slots=True)
class StrayClose:
    """A closing tag with no matching opening tag; parsers ignore it."""

    tag: str


Run = Text | Entity | Element | Noise | StrayClose
Inline = tuple[Run, ...]


def run_text(run: Run) -> str:
    """What ``run`` adds to its parent's ``textContent``, before whitespace normalisation."""
    if isinstance(run, Text):
        return run.text
    if isinstance(run, Entity):
        return run.char
    if isinstance(run, Element):
        return "".join(run_text(child) for child in run.children)
    return ""


def normalize(text: str) -> str:
    """SITE.md's text value: every whitespace run becomes one space, ends stripped."""
    return " ".join(text.split())


def inline_text(runs: Iterable[Run]) -> str:
    """The text value of an element whose content is ``runs``."""
    return normalize("".join(run_text(run) for run in runs))


@dataclass(frozen=True, slots=True)
class Block:
    """A body paragraph or subheading. ``closed=False`` prints no ``</p>``; the next block's
    opening tag closes it implicitly."""

    kind: BlockKind
    runs: Inline
    level: int = 2
    closed: bool = True

    @property
    def text(self) -> str:
        return inline_text(self.runs)


@dataclass(frozen=True, slots=True)
class ListBlock:
    """A ``ul``/``ol``; every item is one paragraph block of the record."""

    ordered: bool
    items: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Ad:
    """An advertisement slot of one of the five shapes; ``slot`` keeps ids and labels distinct."""

    shape: AdShape
    slot: int


@dataclass(frozen=True, slots=True)
class BodyNoise:
    """Non-text markup between blocks."""

    kind: NoiseKind


BodyItem = Block | ListBlock | Ad | BodyNoise


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class RelatedCard:
    """One ``li.related-item``: what the card prints about ``article_id`` and how it links."""

    article_id: str
    category: Category
    summary: str
    published: date
    href_style: HrefStyle = "absolute"


@dataclass(frozen=True, slots=True)
class Article:
    """One page served under ``/page.php?p=<id>`` (or ``path`` for pages kept elsewhere).

    ``related`` is ``None`` when the page has no related section at all and ``()`` when the
    section is printed empty. ``teaser`` is what other pages' cards print about the article.
    """

    id: str
    category: Category
    title: Inline | None
    card_title: str
    summary: Inline | None
    meta_description: str | None
    teaser: str
    published: date
    body: tuple[BodyItem, ...]
    related: tuple[RelatedCard, ...] | None
    date_style: DateStyle = "time"
    head_date: bool = True
    encoding: Encoding = "utf-8"
    canonical: bool = True
    path: str | None = None
    variants: tuple[str, ...] = ()

    @property
    def url_path(self) -> str:
        return self.path or f"/page.php?p={self.id}"

    @property
    def title_text(self) -> str:
        return inline_text(self.title) if self.title is not None else ""

    @property
    def blocks(self) -> list[tuple[BlockKind, str]]:
        """(kind, text) of every body block in page order, empty blocks left out."""
        found: list[tuple[BlockKind, str]] = []
        for item in self.body:
            if isinstance(item, Block):
                found.append((item.kind, item.text))
            elif isinstance(item, ListBlock):
                found.extend(("paragraph", inline_text(runs)) for runs in item.items)
        return [(kind, text) for kind, text in found if text]

    @property
    def is_record(self) -> bool:
        """Whether the page is an article at all (SITE.md: a title and some body text)."""
        return bool(self.title_text) and bool(self.blocks)


@dataclass(frozen=True, slots=True)
class Card:
    """An ``li.article-card`` on a listing page."""

    article_id: str
    title: str
    teaser: str
    published: date
    href_style: HrefStyle = "absolute"


@dataclass(frozen=True, slots=True)
class Listing:
    """A category's listing pages. ``loop`` says where the last page's next link goes."""

    category: Category
    pages: tuple[tuple[Card, ...], ...]
    loop: LoopStyle = "none"


@dataclass(frozen=True, slots=True)
class Redirect:
    """``source`` answers 301 with ``Location: <origin><target>``."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class HomeLink:
    """A plain link in the home page's "From the archive" list."""

    href: str
    label: str


@dataclass(frozen=True, slots=True)
class Site:
    """Everything the generator writes."""

    categories: tuple[Category, ...]
    articles: tuple[Article, ...]
    listings: tuple[Listing, ...]
    latest: tuple[Card, ...]
    archive_links: tuple[HomeLink, ...]
    sitemap_ids: tuple[str, ...]
    redirects: tuple[Redirect, ...]
    not_found_ids: tuple[str, ...]
    flaky_ids: tuple[str, ...]
    private_pages: tuple[Article, ...]
    search_paths: tuple[str, ...]
    duplicates: tuple[tuple[str, str], ...]
    sitemap_only_ids: tuple[str, ...]
