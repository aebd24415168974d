"""Learning an article template from labelled pages of each structural redesign."""

from __future__ import annotations

import pytest

from crawler.pages import ArticlePage
from crawler.templates.apply import article_page_class
from crawler.templates.learn import MIN_LEARN, Example, learn, same_article
from crawler.templates.model import Template
from sample_site import designs
from sample_site.large import LargeSite


@pytest.fixture(scope="module")
def site() -> LargeSite:
    # Never served: pages are rendered directly.
    built = LargeSite(300)
    built.shutdown()
    return built


def examples(site: LargeSite, design: str, ids: list[str]) -> list[Example]:
    site.set_structure(design)
    found = []
    for article_id in ids:
        page = ArticlePage.from_bytes(site.render_article(article_id), site.article_url(article_id))
        found.append(Example(page, site.expected_record(article_id)))
    return found


@pytest.mark.parametrize("design", designs.KEEPING)
@pytest.mark.parametrize("step", [1, 7, 10])
def test_a_keeping_redesign_is_learned_and_validated(
    site: LargeSite, design: str, step: int
) -> None:
    labelled = examples(site, design, site.article_ids()[::step][:30])
    outcome = learn(labelled)
    assert outcome.failure is None, outcome.failure
    assert outcome.learned_from == MIN_LEARN
    assert outcome.right == outcome.validated_on == len(labelled) - MIN_LEARN


@pytest.mark.parametrize("design", designs.KEEPING)
def test_the_learned_template_reads_articles_it_never_saw(site: LargeSite, design: str) -> None:
    outcome = learn(examples(site, design, site.article_ids()[:30]))
    assert outcome.template is not None
    # Through JSON and back, as the state keeps it.
    template = Template.from_json(Template(outcome.template).to_json()).article
    assert template is not None
    page_class = article_page_class(template)
    for article_id in site.article_ids()[200:230]:
        page = page_class.from_bytes(site.render_article(article_id), site.article_url(article_id))
        assert page.to_item().to_record() == site.expected_record(article_id)


def test_the_sponsored_block_in_paragraph_markup_becomes_a_drop_rule(site: LargeSite) -> None:
    outcome = learn(examples(site, "grid", site.article_ids()[:30]))
    assert outcome.template is not None
    assert outcome.template.body.drop == ("div.partner",)


def test_related_cards_without_summaries_fail_on_related(site: LargeSite) -> None:
    outcome = learn(examples(site, designs.DROPPING, site.article_ids()[:30]))
    assert outcome.template is None
    assert outcome.failure is not None and "'related'" in outcome.failure


def test_too_few_pages_are_refused(site: LargeSite) -> None:
    outcome = learn(examples(site, "grid", site.article_ids()[:MIN_LEARN]))
    assert outcome.template is None
    assert outcome.failure is not None and "at least" in outcome.failure


def test_a_page_whose_head_names_another_article_is_not_an_example(site: LargeSite) -> None:
    [first, second] = examples(site, "grid", site.article_ids()[:2])
    assert same_article(first.page, first.record)
    assert not same_article(first.page, second.record)
