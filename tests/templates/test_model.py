"""Templates as JSON: read back as written, refused when not a template."""

from __future__ import annotations

import pytest

from crawler.templates.model import (
    ArticleTemplate,
    BlockRule,
    Body,
    ListingTemplate,
    Related,
    Template,
    TemplateError,
    field_rule,
)


def template() -> Template:
    article = ArticleTemplate(
        {
            "title": field_rule("div.headline"),
            "summary": field_rule(["div.standfirst", "p.dek"]),
            "published": field_rule("div.byline", "date"),
            "category": field_rule("div.trail a:nth-of-type(2)"),
        },
        Body(
            "div.story",
            (BlockRule("div.row", "paragraph"), BlockRule("div.subhead", "heading")),
            ("div.partner",),
        ),
        Related(
            "div.tile",
            {
                "url": field_rule("a.tile-link", "href"),
                "category": field_rule("div.tile-note a"),
                "summary": field_rule("a.tile-link"),
                "published": field_rule("div.tile-note", "date"),
            },
        ),
    )
    return Template(
        article, ListingTemplate(field_rule("h2"), "div.grid a", "a.older"), {"learned_from": 5}
    )


def test_a_template_reads_back_as_written() -> None:
    written = template()
    again = Template.from_json(written.to_json())
    assert again == written
    assert again.digest == written.digest


def test_the_digest_ignores_how_it_was_learned() -> None:
    assert template().with_learned({"learned_from": 9}).digest == template().digest


@pytest.mark.parametrize(
    "text", ["[]", "{}", '{"format": 99}', '{"format": 1, "article": {}}', "not json"]
)
def test_what_is_not_a_template_is_refused(text: str) -> None:
    with pytest.raises(TemplateError):
        Template.from_json(text)
