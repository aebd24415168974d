"""The whole sample site as a model: articles, their roles, listings, links.

``build_site(seed, articles)`` is a pure function of its arguments. Which article carries which
variant is decided by shuffling with a seeded ``Random``; nothing depends on the clock, the
environment or set ordering.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from random import Random

from sample_site import corpus
from sample_site.articles import (
    EXCLUSIVE_GROUPS,
    VARIANTS,
    Head,
    Spec,
    make_article,
    make_head,
)
from sample_site.markup import ELSEWHERE
from sample_site.model import (
    Article,
    Card,
    Category,
    HomeLink,
    HrefStyle,
    Listing,
    LoopStyle,
    Redirect,
    RelatedCard,
    Site,
)
from sample_site.placeholders import ORIGIN

CATEGORIES: tuple[Category, ...] = tuple(Category(slug, name) for slug, name in corpus.CATEGORIES)
PER_PAGE = 12
DEFAULT_ARTICLES = 240
DEFAULT_LONG_BODY = 3200
FIRST_ID = 301000
ID_STEP = 7
FIRST_DAY = date(2024, 1, 1)

#: Variants spread over single articles; long bodies, non-articles and roles come separately.
PRIMARY_VARIANTS: tuple[str, ...] = tuple(
    v for v in VARIANTS if v not in {"long-body", "no-title", "no-body", "no-head-date"}
)
_CATEGORY_WEIGHTS = (30, 26, 24, 20)
_LOOPS: dict[str, LoopStyle] = {"film-history": "page-param", "documentary": "bare-relative"}
#: Card href styles that listing pages mix in, so listings exercise URL cleaning too.
_CARD_STYLES: tuple[HrefStyle, ...] = (
    "root-relative",
    "relative",
    "tracked-ref",
    "whitespace",
    "protocol-relative",
    "tracked-utm",
    "fragment",
    "scheme-swapped",
    "tracked-gclid",
)
_MIXED_PAGE = ("festivals-awards", 2)
_TEXT_VARIANTS = frozenset({"windows-1252", "entities", "non-latin"})
_REPEATED_BOUNDARY = "national-cinemas"


def article_id(index: int) -> str:
    """The id of the ``index``-th page the generator makes.

    >>> article_id(0), article_id(1)
    ('0301000', '0301007')
    """
    return f"{FIRST_ID + ID_STEP * index:07d}"


def scaled(full: int, articles: int) -> int:
    """How many articles get a feature that a full-size site gives ``full`` articles."""
    return max(1, round(full * articles / DEFAULT_ARTICLES))


def _pick_variants(rng: Random, ids: list[str], articles: int) -> dict[str, set[str]]:
    per_variant = scaled(4, articles)
    pool = list(ids)
    rng.shuffle(pool)
    chosen: dict[str, set[str]] = {i: set() for i in ids}
    for variant in PRIMARY_VARIANTS:
        for _ in range(per_variant):
            chosen[pool.pop()].add(variant)
    for variant in ("date-text-only", "date-time-no-datetime"):
        # Half of the pages with an unusual date also drop the head's machine-readable date.
        holders = sorted(i for i in ids if variant in chosen[i])
        for holder in holders[::2]:
            chosen[holder].add("no-head-date")
    for _ in range(scaled(8, articles)):
        combo = pool.pop()
        for variant in rng.sample(PRIMARY_VARIANTS, len(PRIMARY_VARIANTS)):
            if len(chosen[combo]) == 3:
                break
            if _compatible(chosen[combo], variant):
                chosen[combo].add(variant)
    for _ in range(2):
        chosen[pool.pop()].add("long-body")
    return chosen


def _compatible(current: set[str], variant: str) -> bool:
    return not any(variant in group and current & group for group in EXCLUSIVE_GROUPS)


def _pick_roles(
    rng: Random, ids: list[str], chosen: dict[str, set[str]], articles: int
) -> dict[str, list[str]]:
    counts = {
        "sitemap-only": scaled(5, articles),
        "flaky": scaled(3, articles),
        "redirect-target": scaled(3, articles),
        "duplicate-original": scaled(3, articles),
        "link-redirect": 2,
        "link-404": 2,
        "link-private": 1,
        "link-search": 1,
    }
    # Long bodies stay out of roles: a republished 3,000-paragraph essay only adds bytes.
    pool = [i for i in ids if "long-body" not in chosen[i]]
    rng.shuffle(pool)
    return {role: sorted(pool.pop() for _ in range(count)) for role, count in counts.items()}


def _unique_heads(specs: Iterable[Spec]) -> dict[str, Head]:
    heads: dict[str, Head] = {}
    taken: set[str] = set()
    for spec in specs:
        attempt = 0
        head = make_head(spec)
        while head.card_title in taken:
            attempt += 1
            head = make_head(spec, attempt)
        taken.add(head.card_title)
        heads[spec.id] = head
    return heads


def _listing(category: Category, cards: list[Card]) -> Listing:
    cards.sort(key=lambda card: (-card.published.toordinal(), card.article_id))
    if category.slug == _REPEATED_BOUNDARY and len(cards) > 2 * PER_PAGE:
        # The site shifted while it was listed: page 3 repeats the last card of page 2.
        cards.insert(2 * PER_PAGE, cards[2 * PER_PAGE - 1])
    styled = []
    for index, card in enumerate(cards):
        page = index // PER_PAGE + 1
        if (category.slug, page) == _MIXED_PAGE:
            style = _CARD_STYLES[index % len(_CARD_STYLES)]
        elif index % 9 == 4:
            style = _CARD_STYLES[(index // 9) % len(_CARD_STYLES)]
        else:
            style = "absolute"
        styled.append(replace(card, href_style=style))
    pages = tuple(tuple(styled[i : i + PER_PAGE]) for i in range(0, len(styled), PER_PAGE))
    return Listing(category, pages or ((),), _LOOPS.get(category.slug, "none"))


def build_site(
    seed: int = 2025,
    articles: int = DEFAULT_ARTICLES,
    long_body_paragraphs: int = DEFAULT_LONG_BODY,
) -> Site:
    """The sample site for ``seed``: ``articles`` archivable articles plus the extra pages
    (republished copies, pages that are not articles, private pages)."""
    if articles < 40:
        raise ValueError("the sample site needs at least 40 articles to hold every variant")
    return _SiteBuilder(seed, articles, long_body_paragraphs).site()


class _SiteBuilder:
    """Assembles one site; methods run in a fixed order, each drawing from the same ``rng``."""

    def __init__(self, seed: int, articles: int, long_body_paragraphs: int) -> None:
        self.seed_key = f"sample-site:{seed}"
        self.rng = Random(self.seed_key)
        self.long_body_paragraphs = long_body_paragraphs
        self.ids = [article_id(i) for i in range(articles)]
        self.chosen = _pick_variants(self.rng, self.ids, articles)
        self.roles = _pick_roles(self.rng, self.ids, self.chosen, articles)
        self._indexes = itertools.count(articles)
        self.not_found = [self._new_id() for _ in range(3)]
        self.private_ids = [self._new_id() for _ in range(2)]
        self.specs: dict[str, Spec] = {}
        self.heads: dict[str, Head] = {}
        self.duplicates: list[tuple[str, str]] = []
        self.hidden = frozenset(self.roles["sitemap-only"])
        self.linkable = [i for i in self.ids if i not in self.hidden]

    def _new_id(self) -> str:
        return article_id(next(self._indexes))

    def _day(self) -> date:
        return FIRST_DAY + timedelta(days=self.rng.randrange(640))

    def _regular_specs(self) -> None:
        ordinals: dict[str, int] = {}
        long_bodies = 0
        for aid in self.ids:
            variants = self.chosen[aid]
            paragraphs = None
            if "long-body" in variants:
                paragraphs = self.long_body_paragraphs // (1 if long_bodies == 0 else 4)
                long_bodies += 1
            # Articles sharing a text variant take its fixed titles in turn.
            text_variant = next((v for v in sorted(variants) if v in _TEXT_VARIANTS), "")
            ordinal = ordinals.get(text_variant, 0)
            ordinals[text_variant] = ordinal + 1
            self.specs[aid] = Spec(
                id=aid,
                category=self.rng.choices(CATEGORIES, weights=_CATEGORY_WEIGHTS)[0],
                published=self._day(),
                seed=self.seed_key,
                variants=frozenset(variants),
                paragraphs=paragraphs,
                ordinal=ordinal,
            )

    def _non_article_specs(self) -> None:
        for variant in ("no-title", "no-body"):
            for _ in range(2):
                aid = self._new_id()
                self.specs[aid] = Spec(
                    id=aid,
                    category=self.rng.choice(CATEGORIES),
                    published=self._day(),
                    seed=self.seed_key,
                    variants=frozenset({variant}),
                )

    def _republish(self) -> None:
        """Second ids for some essays: same head and body, later date, own related list."""
        for original in self.roles["duplicate-original"]:
            copy_id = self._new_id()
            source = self.specs[original]
            self.specs[copy_id] = replace(
                source,
                id=copy_id,
                content_id=original,
                published=source.published + timedelta(days=self.rng.randrange(30, 200)),
            )
            self.heads[copy_id] = self.heads[original]
            self.duplicates.append((original, copy_id))

    def _body_links(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """In-body links to old URLs, retired ids, private and search pages, by holder."""
        roles, targets = self.roles, self.roles["redirect-target"]
        links: dict[str, tuple[tuple[str, str], ...]] = {}
        for n, holder in enumerate(roles["link-redirect"]):
            links[holder] = (("link-redirect", f"/article.php?id={targets[n % len(targets)]}"),)
        for n, holder in enumerate(roles["link-404"]):
            retired = self.not_found[n % len(self.not_found)]
            links[holder] = (("link-404", f"{ORIGIN}/page.php?p={retired}"),)
        for holder in roles["link-private"]:
            links[holder] = (("link-private", f"/private/page.php?p={self.private_ids[0]}"),)
        for holder in roles["link-search"]:
            links[holder] = (("link-search", "/search.php?q=neorealism"),)
        return links

    def _related(self, spec: Spec) -> tuple[RelatedCard, ...]:
        rng = Random(f"{self.seed_key}:{spec.id}:related")
        specs = self.specs
        same = [i for i in self.linkable if i != spec.id and specs[i].category == spec.category]
        other = [i for i in self.linkable if specs[i].category != spec.category]
        targets = rng.sample(same, min(rng.randint(3, 20), len(same)))
        if other and rng.random() < 0.3:
            targets.append(rng.choice(other))
        return tuple(
            RelatedCard(i, specs[i].category, self.heads[i].teaser, specs[i].published)
            for i in targets
        )

    def _articles(self) -> tuple[Article, ...]:
        links = self._body_links()
        original_of = {copy: original for original, copy in self.duplicates}
        built: list[Article] = []
        for aid, spec in self.specs.items():
            if spec.variants & {"no-title", "no-body"}:
                built.append(make_article(spec, self.heads[aid]))
                continue
            roles = tuple(
                role
                for role, holders in self.roles.items()
                if aid in holders and not role.startswith("link-")
            )
            source = original_of.get(aid, aid)
            final = replace(
                spec,
                related=self._related(spec),
                # A copy repeats its original's links: they are part of the body.
                links=links.get(source, ()),
                extra_variants=("duplicate-republished",) if aid in original_of else roles,
            )
            built.append(make_article(final, self.heads[aid]))
        return tuple(sorted(built, key=lambda article: article.id))

    def _card(self, aid: str, style: HrefStyle = "absolute") -> Card:
        spec, head = self.specs[aid], self.heads[aid]
        return Card(aid, head.card_title, head.teaser, spec.published, style)

    def _listings(self) -> tuple[Listing, ...]:
        return tuple(
            _listing(
                category,
                [
                    self._card(i)
                    for i, spec in self.specs.items()
                    if spec.category == category and i not in self.hidden
                ],
            )
            for category in CATEGORIES
        )

    def _latest(self) -> tuple[Card, ...]:
        newest = sorted(self.linkable, key=lambda i: (-self.specs[i].published.toordinal(), i))
        styles: dict[int, HrefStyle] = {1: "tracked-ref", 3: "fragment", 5: "tracked-ref"}
        return tuple(self._card(i, styles.get(n, "absolute")) for n, i in enumerate(newest[:12]))

    def _archive_links(self) -> tuple[HomeLink, ...]:
        return (
            *(
                HomeLink(f"/article.php?id={i}", self.heads[i].card_title)
                for i in self.roles["redirect-target"]
            ),
            HomeLink(f"{ORIGIN}/page.php?p={self.not_found[0]}", "A retired essay on early sound"),
            HomeLink(f"/private/drafts/{self.private_ids[1]}.html", "Editors' drafts"),
            HomeLink("/search.php?q=documentary", "Search the archive"),
            HomeLink(f"{ELSEWHERE}/festival-calendar", "Festival calendar (external)"),
        )

    def _private_pages(self) -> tuple[Article, ...]:
        """Article-looking drafts under ``/private/``: a crawler that ignores robots.txt
        would archive them."""
        first, second = self.private_ids
        paths = (
            (first, f"/private/page.php?p={first}"),
            (second, f"/private/drafts/{second}.html"),
        )
        return tuple(
            make_article(
                Spec(
                    id=aid,
                    category=self.rng.choice(CATEGORIES),
                    published=self._day(),
                    seed=self.seed_key,
                    path=path,
                    extra_variants=("private",),
                )
            )
            for aid, path in paths
        )

    def site(self) -> Site:
        self._regular_specs()
        self._non_article_specs()
        self.heads.update(_unique_heads(self.specs.values()))
        self._republish()
        articles = self._articles()
        private_pages = self._private_pages()
        redirects = tuple(
            Redirect(f"/article.php?id={i}", f"/page.php?p={i}")
            for i in self.roles["redirect-target"]
        )
        return Site(
            categories=CATEGORIES,
            articles=articles,
            listings=self._listings(),
            latest=self._latest(),
            archive_links=self._archive_links(),
            # One retired id stays in the sitemap, as stale sitemaps do.
            sitemap_ids=tuple(sorted([*self.specs, self.not_found[-1]])),
            redirects=redirects,
            not_found_ids=tuple(self.not_found),
            flaky_ids=tuple(self.roles["flaky"]),
            private_pages=private_pages,
            search_paths=("/search.php?q=neorealism", "/search.php?q=documentary"),
            duplicates=tuple(self.duplicates),
            sitemap_only_ids=tuple(sorted(self.hidden)),
        )
