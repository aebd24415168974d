"""One article of the model from a ``Spec``: which variants it carries, where it links.

The same ``Spec`` always gives the same article: every random choice comes from a
``random.Random`` seeded with the spec's ``seed`` and id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from random import Random
from typing import get_args

from sample_site import corpus
from sample_site.markup import ELSEWHERE
from sample_site.model import (
    Ad,
    AdShape,
    Article,
    Block,
    BodyItem,
    BodyNoise,
    Category,
    DateStyle,
    Element,
    Entity,
    HrefStyle,
    Inline,
    ListBlock,
    Noise,
    NoiseKind,
    RelatedCard,
    StrayClose,
    Text,
)
from sample_site.prose import Prose, entity_runs, parse_inline, pick_subject

AD_SHAPES: tuple[AdShape, ...] = get_args(AdShape)
NOISE_KINDS: tuple[NoiseKind, ...] = get_args(NoiseKind)

#: Related-list variants and the href styles their cards rotate through.
RELATED_STYLES: dict[str, tuple[HrefStyle, ...]] = {
    "related-relative": ("root-relative", "relative"),
    "related-protocol-relative": ("protocol-relative",),
    "related-tracked": (
        "tracked-utm",
        "tracked-utm-first",
        "tracked-ref",
        "tracked-fbclid",
        "tracked-gclid",
        "fragment",
    ),
    "related-whitespace": ("whitespace",),
    "related-scheme-swapped": ("scheme-swapped",),
}

#: Every variant a spec may ask for. Link roles ("link-404"...) come with ``Spec.links``.
VARIANTS: tuple[str, ...] = (
    "ad-aside",
    "ad-gpt",
    "ad-label-paragraph",
    "sponsored",
    "windows-1252",
    "entities",
    "non-latin",
    "malformed-html",
    "no-summary-meta-description",
    "no-summary-no-meta",
    "meta-description-differs",
    "date-text-only",
    "date-time-no-datetime",
    "no-head-date",
    "lists",
    "h3-headings",
    "script-style-noscript-iframe",
    *RELATED_STYLES,
    "no-related",
    "empty-related-section",
    "inline-markup",
    "no-canonical",
    "external-links",
    "long-body",
    "no-title",
    "no-body",
)

#: Variants of which an article carries at most one.
EXCLUSIVE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({*RELATED_STYLES, "no-related", "empty-related-section"}),
    frozenset({"no-summary-meta-description", "no-summary-no-meta", "meta-description-differs"}),
    frozenset({"date-text-only", "date-time-no-datetime"}),
    frozenset({"windows-1252", "entities", "non-latin"}),
)

#: Sentences for in-body links to other pages of the site, by the role of the link.
LINK_SENTENCES: dict[str, str] = {
    "link-redirect": "An earlier version of this essay appeared [a|in our archive].",
    "link-404": "We covered the same restoration [a|in a piece that has since been retired].",
    "link-private": "Readers asked about the draft notes, [a|collected here], for this piece.",
    "link-search": "See also [a|every essay that mentions neorealism] in our search.",
}


@dataclass(frozen=True, slots=True)
class Spec:
    """What the builder asks of one article page."""

    id: str
    category: Category
    published: date
    seed: str = "sample-site"
    variants: frozenset[str] = frozenset()
    related: tuple[RelatedCard, ...] = ()
    #: (role, href) of in-body links to other pages ("link-404", "/page.php?p=...").
    links: tuple[tuple[str, str], ...] = ()
    #: Body length for long bodies; ``None`` picks a usual length.
    paragraphs: int | None = None
    #: Picks distinct fixed titles for articles that share a variant.
    ordinal: int = 0
    path: str | None = None
    #: Variants recorded on the article without changing how it is built (roles).
    extra_variants: tuple[str, ...] = ()
    #: Seeds the prose; a republished copy keeps its original's so title and body match.
    content_id: str | None = None


@dataclass(frozen=True, slots=True)
class Head:
    """Everything other pages print about an article, decided before any body exists."""

    title: Inline | None
    card_title: str
    summary: Inline | None
    meta_description: str | None
    teaser: str


def _rng(spec: Spec, part: str, attempt: int = 0) -> Random:
    return Random(f"{spec.seed}:{spec.content_id or spec.id}:{part}:{attempt}")


def _subject(spec: Spec) -> str:
    # A re-rolled head keeps the subject its body will use: the body never re-rolls.
    return pick_subject(_rng(spec, "subject"), spec.category.slug)


def _fixed_titles(variants: frozenset[str]) -> tuple[str, ...]:
    if "windows-1252" in variants:
        return corpus.CP1252_TITLES
    if "entities" in variants:
        return corpus.ENTITY_TITLES
    if "non-latin" in variants:
        return corpus.NON_LATIN_TITLES
    return ()


def _title(spec: Spec, prose: Prose, attempt: int) -> tuple[str, Inline]:
    variants = spec.variants
    fixed = _fixed_titles(variants)
    index = spec.ordinal + attempt
    # Once the fixed titles run out, fall back to generated ones so titles stay unique.
    plain = fixed[index] if index < len(fixed) else prose.title()
    if "entities" in variants:
        return plain, entity_runs(plain)
    if "inline-markup" in variants:
        head, _, last = plain.rpartition(" ")
        # The emphasised word abuts its neighbours' spaces only through the text runs.
        return plain, (Text(head + " "), Element("em", (Text(last),)))
    return plain, (Text(plain),)


def _teaser(spec: Spec, prose: Prose) -> str:
    variants = spec.variants
    if "windows-1252" in variants:
        extra = corpus.CP1252_SENTENCES[spec.ordinal % len(corpus.CP1252_SENTENCES)]
        return f"{prose.teaser()} {extra}"
    if "non-latin" in variants:
        return corpus.NON_LATIN_TEASERS[spec.ordinal % len(corpus.NON_LATIN_TEASERS)]
    if "entities" in variants:
        extra = corpus.ENTITY_SENTENCES[spec.ordinal % len(corpus.ENTITY_SENTENCES)]
        return f"{prose.teaser()} {extra}"
    return prose.teaser()


def make_head(spec: Spec, attempt: int = 0) -> Head:
    """Title, summary and teaser of ``spec``; ``attempt`` re-rolls a title already taken."""
    prose = Prose(_rng(spec, "head", attempt), _subject(spec))
    plain, title = _title(spec, prose, attempt)
    teaser = _teaser(spec, prose)
    variants = spec.variants
    summary: Inline | None
    if "entities" in variants:
        summary = entity_runs(teaser)
    elif "inline-markup" in variants:
        first, _, rest = teaser.partition(" ")
        summary = (Element("strong", (Text(first),)), Text(" " + rest))
    else:
        summary = (Text(teaser),)
    meta: str | None = teaser
    if "meta-description-differs" in variants:
        meta = " ".join(teaser.split()[:9]) + "…"
    elif "no-summary-meta-description" in variants:
        summary = None
    elif "no-summary-no-meta" in variants:
        summary, meta = None, None
    return Head(
        title=None if "no-title" in variants else title,
        card_title=plain,
        summary=summary,
        meta_description=meta,
        teaser=teaser,
    )


class _BodyWriter:
    """Builds ``div.post-body`` for one spec."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.variants = spec.variants
        self.rng = _rng(spec, "body")
        self.prose = Prose(self.rng, _subject(spec))

    def paragraphs(self) -> list[Inline]:
        spec, rng = self.spec, self.rng
        if spec.paragraphs is not None and spec.paragraphs > 60:
            return [(Text(self.prose.short_paragraph()),) for _ in range(spec.paragraphs)]
        texts = [self.prose.paragraph() for _ in range(spec.paragraphs or rng.randint(5, 10))]
        paragraphs: list[Inline] = [(Text(value),) for value in texts]
        specials = self._special_paragraphs()
        for offset, runs in enumerate(specials):
            # Spread specials over the body, keeping each one's place stable.
            index = min(len(paragraphs), 1 + offset * 2)
            paragraphs.insert(index, runs)
        return paragraphs

    def _special_paragraphs(self) -> list[Inline]:
        variants, rng, prose = self.variants, self.rng, self.prose
        found: list[Inline] = []
        if "windows-1252" in variants:
            for sentence in rng.sample(corpus.CP1252_SENTENCES, 3):
                found.append((Text(f"{prose.sentence()} {sentence} {prose.sentence()}"),))
        if "entities" in variants:
            for index, sentence in enumerate(rng.sample(corpus.ENTITY_SENTENCES, 3)):
                found.append((Text(prose.sentence() + " "), *entity_runs(sentence, index)))
            showcase = tuple(
                Text(text) if ref is None else Entity(text, ref)
                for text, ref in corpus.ENTITY_SHOWCASE
            )
            found.append((Text(prose.sentence() + " "), *showcase))
        if "non-latin" in variants:
            for before, original, after in rng.sample(corpus.NON_LATIN_SENTENCES, 3):
                found.append(
                    (
                        Text(f"{prose.sentence()} {before}"),
                        Element("em", (Text(original),)),
                        Text(f"{after} {prose.sentence()}"),
                    )
                )
        if "inline-markup" in variants:
            for sentence in rng.sample(corpus.INLINE_SENTENCES, 3):
                runs = parse_inline(sentence, f"{ELSEWHERE}/archive/catalogue")
                found.append((Text(prose.sentence() + " "), *runs))
        if "external-links" in variants:
            found.append(
                (
                    Text(prose.sentence() + " The distributor keeps "),
                    Element("a", (Text("a full filmography"),), f"{ELSEWHERE}/filmography"),
                    Text(" on its own site, and the restoration notes are "),
                    Element("a", (Text("published separately"),), "http://elsewhere.example/notes"),
                    Text("."),
                )
            )
        for role, href in self.spec.links:
            found.append((Text(prose.sentence() + " "), *parse_inline(LINK_SENTENCES[role], href)))
        if "script-style-noscript-iframe" in variants:
            for kind in rng.sample(NOISE_KINDS, 3):
                found.append((Text(prose.sentence() + " "), Noise(kind), Text(prose.sentence())))
        if "malformed-html" in variants:
            for tag in ("span", "em", "b"):
                found.append(
                    (Text(prose.sentence() + " "), StrayClose(tag), Text(" " + prose.sentence()))
                )
        return found

    def blocks(self) -> list[BodyItem]:
        """Paragraphs with subheadings and lists, before ads and noise are placed."""
        rng = self.rng
        paragraphs = self.paragraphs()
        long_body = len(paragraphs) > 60
        items: list[BodyItem] = []
        since_heading = 0
        gap = 40 if long_body else rng.randint(2, 3)
        for index, runs in enumerate(paragraphs):
            if index and since_heading >= gap:
                level = 3 if "h3-headings" in self.variants and rng.random() < 0.6 else 2
                items.append(Block("heading", (Text(self.prose.heading()),), level=level))
                since_heading = 0
            items.append(Block("paragraph", runs))
            since_heading += 1
        if "lists" in self.variants:
            self._add_lists(items)
        return items

    def _add_lists(self, items: list[BodyItem]) -> None:
        rng = self.rng
        intro = Block("paragraph", (Text(self.prose.list_intro()),))
        bullets = ListBlock(False, tuple((Text(item),) for item in self.prose.list_items()))
        numbered = ListBlock(
            True,
            tuple(
                (Text(f"{self.prose.sentence()} "), Element("em", (Text(item),)))
                for item in self.prose.list_items()
            ),
        )
        position = min(len(items), 2)
        items[position:position] = [intro, bullets]
        items.insert(rng.randint(position + 2, len(items)), numbered)

    def ad_shapes(self) -> list[AdShape]:
        chosen = [shape for shape in AD_SHAPES if shape in self.variants]
        return chosen or ["ad-container"]

    def with_ads_and_noise(self, items: list[BodyItem]) -> list[BodyItem]:
        rng = self.rng
        shapes = self.ad_shapes()
        long_body = len(items) > 100
        # An unusual shape appears at least twice, so both its odd and even slots show.
        least = 1 if shapes == ["ad-container"] else 2
        least = max(least, len(shapes))
        count = max(len(items) // 200, least) if long_body else rng.randint(least, least + 1)
        # Ads sit between blocks, never first, as on the specimen.
        gaps = sorted(rng.sample(range(1, len(items) + 1), min(count, len(items))))
        placed: list[BodyItem] = []
        slot = 0
        for index, item in enumerate(items):
            while gaps and gaps[0] == index:
                gaps.pop(0)
                slot += 1
                placed.append(Ad(shapes[(slot - 1) % len(shapes)], slot))
            placed.append(item)
        for _ in gaps:
            slot += 1
            placed.append(Ad(shapes[(slot - 1) % len(shapes)], slot))
        if "script-style-noscript-iframe" in self.variants:
            for offset, kind in enumerate(NOISE_KINDS):
                placed.insert(min(len(placed), 1 + offset * 2), BodyNoise(kind))
        return placed

    def body(self) -> tuple[BodyItem, ...]:
        if "no-body" in self.variants:
            # Only ads, and a paragraph holding nothing but a non-breaking space.
            return (
                Ad("ad-container", 1),
                Block("paragraph", (Entity("\u00a0", "&nbsp;"),)),
                Ad("sponsored", 2),
            )
        items = self.with_ads_and_noise(self.blocks())
        if "malformed-html" in self.variants:
            items = _unclose_paragraphs(items)
        return tuple(items)


def _unclose_paragraphs(items: list[BodyItem]) -> list[BodyItem]:
    """Drop ``</p>`` from every other paragraph that a following ``p``/``h2``/``h3`` closes.

    Only a block-level *block* may follow: before an ``aside`` or a list, lxml's HTML parser
    would nest the next element inside the paragraph instead of closing it.
    """
    result = list(items)
    toggle = False
    for index in range(len(result) - 1):
        item, following = result[index], result[index + 1]
        if isinstance(item, Block) and item.kind == "paragraph" and isinstance(following, Block):
            toggle = not toggle
            if toggle:
                result[index] = replace(item, closed=False)
    return result


def _related(spec: Spec) -> tuple[RelatedCard, ...] | None:
    variants = spec.variants
    if "no-related" in variants:
        return None
    if "empty-related-section" in variants:
        return ()
    for name, styles in RELATED_STYLES.items():
        if name in variants:
            return tuple(
                replace(card, href_style=styles[index % len(styles)])
                for index, card in enumerate(spec.related)
            )
    return spec.related


def _date_style(variants: frozenset[str]) -> DateStyle:
    if "date-text-only" in variants:
        return "text"
    if "date-time-no-datetime" in variants:
        return "time-no-datetime"
    return "time"


def make_article(spec: Spec, head: Head | None = None) -> Article:
    """The article ``spec`` describes; ``head`` reuses a head the builder already made."""
    head = head or make_head(spec)
    writer = _BodyWriter(spec)
    body = writer.body()
    variants = set(spec.variants) | set(spec.extra_variants) | {role for role, _ in spec.links}
    variants.update(item.shape for item in body if isinstance(item, Ad))
    return Article(
        id=spec.id,
        category=spec.category,
        title=head.title,
        card_title=head.card_title,
        summary=head.summary,
        meta_description=head.meta_description,
        teaser=head.teaser,
        published=spec.published,
        body=body,
        related=_related(spec),
        date_style=_date_style(spec.variants),
        head_date="no-head-date" not in spec.variants,
        encoding="windows-1252" if "windows-1252" in spec.variants else "utf-8",
        canonical="no-canonical" not in spec.variants,
        path=spec.path,
        variants=tuple(sorted(variants)),
    )
