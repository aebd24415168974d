"""Learning an article template from labelled pages, and validating it on others.

The labels are the archive's: for an archived, unchanged article the crawler knows the exact
record its new page must give. :func:`same_article` keeps the pages whose head proves they are
that article (JSON-LD headline, description and datePublished as archived). From
:data:`MIN_LEARN` pages up, each field gets the simplest selector reading the archived value
on every page, the body its container, kinds and boilerplate rules, related its cards
(wrapper induction, Kushmerick 2000; re-induction from previously extracted data, Lerman,
Minton and Knoblock 2003).

A template is used only if it reproduces the archived record exactly, every field, on the
held-out pages: at least :data:`MIN_VALIDATE` (or all there are), and :data:`MIN_SHARE` of
them. A page it gets wrong is added to the pages learned from, and learning tries again, up
to :data:`MAX_LEARN` pages. Otherwise :class:`Outcome` says which field failed on how many
pages. A template never invents what the page does not show: a field the page no longer
prints matches on no page, and the template is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from crawler.contract import ARTICLE_FIELDS
from crawler.pages import ArticlePage
from crawler.pages.dates import parse_date
from crawler.pages.tree import Element
from crawler.templates.apply import article_page_class
from crawler.templates.body import learn_body
from crawler.templates.fields import Failure, Scope, learn_field
from crawler.templates.model import ARTICLE_FIELDS as TEMPLATE_FIELDS
from crawler.templates.model import ArticleTemplate, Body, Field, Read, Related
from crawler.templates.related import learn_related
from crawler.templates.select import select_all, select_first

MIN_LEARN: Final = 5
MAX_LEARN: Final = 12
MIN_VALIDATE: Final = 20
MIN_SHARE: Final = 0.99
_READS: dict[str, Read] = {
    "title": "text",
    "summary": "text",
    "published": "date",
    "category": "text",
}
#: The record's keys a template must reproduce (``type`` is always "article").
COMPARED: Final = tuple(name for name in ARTICLE_FIELDS if name != "type")

Record = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Example:
    page: ArticlePage
    record: Record


def same_article(page: ArticlePage, record: Record) -> bool:
    """The page's head says it is the archived article: its JSON-LD headline, description
    and datePublished are the record's title, summary and date."""
    head = page._json_ld
    return (
        page._json_ld_text("headline") == record.get("title")
        and page._json_ld_text("description") == record.get("summary")
        and isinstance(head.get("datePublished"), str)
        and parse_date(head["datePublished"]) == record.get("published")
    )


def learn_article(examples: Sequence[Example]) -> ArticleTemplate | Failure:
    """The body and the related cards first: the fields are then read outside them."""
    body = learn_body(
        [
            (e.page.root, [(b["kind"], b["text"]) for b in e.record.get("blocks") or ()])
            for e in examples
        ]
    )
    if isinstance(body, Failure):
        return body
    related = learn_related([(e.page, e.record.get("related") or ()) for e in examples])
    if isinstance(related, Failure):
        return related
    avoided = [_parts(e.page, body, related) for e in examples]
    fields: dict[str, Field] = {}
    for name in TEMPLATE_FIELDS:
        scoped = [
            (Scope(e.page.root, e.page.link, avoid=avoid), e.record.get(name))
            for e, avoid in zip(examples, avoided, strict=True)
        ]
        learned = learn_field(name, scoped, _READS[name])
        if isinstance(learned, Failure):
            return learned
        fields[name] = learned
    return ArticleTemplate(fields, body, related)


def _parts(page: ArticlePage, body: Body, related: Related | None) -> frozenset[Element]:
    """The body's container and the related cards of ``page``."""
    found = [select_first(page.root, body.container)]
    if related is not None:
        found.extend(select_all(page.root, related.item))
    return frozenset(e for e in found if e is not None)


def mismatches(template: ArticleTemplate, example: Example) -> list[str]:
    """The record keys the template reads differently from the archive on the page."""
    page = article_page_class(template)(example.page.fetched_url, example.page.root)
    page.public_origin = example.page.public_origin
    record = page.to_item().to_record()
    return [name for name in COMPARED if record.get(name) != example.record.get(name)]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What learning came to: a template, or why not."""

    template: ArticleTemplate | None
    learned_from: int
    validated_on: int
    right: int
    #: Why there is no template: the failing field and on how many pages.
    failure: str | None = None
    #: Per record key, on how many held-out pages it was read wrong.
    wrong_fields: Mapping[str, int] = field(default_factory=dict)


def _failure_text(wrong: Mapping[str, int], total: int) -> str:
    worst = sorted(wrong.items(), key=lambda item: (-item[1], item[0]))
    parts = ", ".join(f"field {name!r} wrong on {n} of {total} pages" for name, n in worst)
    return f"the template learned does not reproduce the archive: {parts}"


def learn(examples: Sequence[Example]) -> Outcome:
    """Learn from the first :data:`MIN_LEARN` examples (more if the held-out ones say so),
    validate on the rest."""
    if len(examples) < MIN_LEARN + 1:
        return Outcome(
            None,
            0,
            0,
            0,
            f"only {len(examples)} archived pages to learn from, at least {MIN_LEARN + 1} needed",
        )
    learning = list(examples[:MIN_LEARN])
    held_out = list(examples[MIN_LEARN:])
    while True:
        template = learn_article(learning)
        if isinstance(template, Failure):
            return Outcome(None, len(learning), 0, 0, str(template))
        wrong: dict[str, int] = {}
        failed: list[Example] = []
        for example in held_out:
            names = mismatches(template, example)
            for name in names:
                wrong[name] = wrong.get(name, 0) + 1
            if names:
                failed.append(example)
        right = len(held_out) - len(failed)
        enough = len(held_out) >= MIN_VALIDATE or len(examples) <= MIN_LEARN + MIN_VALIDATE
        if enough and right >= MIN_SHARE * len(held_out):
            return Outcome(template, len(learning), len(held_out), right)
        if not failed or len(learning) >= MAX_LEARN:
            return Outcome(
                None,
                len(learning),
                len(held_out),
                right,
                _failure_text(wrong, len(held_out)),
                wrong,
            )
        # Learn from the first page it got wrong too; validate on the others.
        learning.append(failed[0])
        held_out.remove(failed[0])
