"""Properties of ``extract_article`` on mutated fixture pages.

Whatever is done to a saved page (elements dropped, duplicated, reordered; ads of every SITE.md
shape and scripts injected; bytes truncated, spliced, re-encoded), extraction never raises and
returns either ``None`` or a record that keeps SITE.md's record contract and carries none of the
injected ad or script text. Injections that add no article text leave the record unchanged.

The mutations live in ``tests/fuzz/mutations.py``, shared with the atheris harness in
``fuzz/``. Examples are derandomized (the ``extract-fuzz`` profile of ``tests/conftest.py``), so
every run and every machine checks the same pages.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from lxml.html import builder

from crawler.extract import extract_article
from tests.fuzz.mutations import (
    AD_MARKER,
    AD_SHAPES,
    ALL_OPS,
    BLOCK_NEUTRAL_OPS,
    INJECTION_OPS,
    INLINE_AD_SHAPES,
    STRUCTURE_OPS,
    Mutant,
    Op,
    Seed,
    fresh,
    load_seeds,
    mutants,
    mutate,
    record_problem,
    serialize,
    spliced,
    truncated,
    with_attribute,
    with_child,
    without,
)

FUZZ = settings.get_profile("extract-fuzz")

SEEDS = load_seeds()


@cache
def baseline(seed: Seed) -> dict[str, Any] | None:
    return extract_article(seed.body, seed.url)


ARTICLES = tuple(seed for seed in SEEDS if baseline(seed) is not None)
SPECIMEN = next((seed for seed in ARTICLES if seed.name == "specimen"), None)

needs_articles = pytest.mark.skipif(not ARTICLES, reason="no fixture article pages found")
needs_specimen = pytest.mark.skipif(SPECIMEN is None, reason="specimen page not found")


def extract(mutant: Mutant) -> dict[str, Any] | None:
    return extract_article(mutant.body, mutant.url)


def assert_valid(record: dict[str, Any] | None) -> None:
    problem = record_problem(record)
    assert problem is None, problem


def assert_unchanged(record: dict[str, Any] | None, seed: Seed) -> None:
    expected = baseline(seed)
    assert expected is not None
    assert record is not None, "the page stopped being an article"
    assert record["title"] == expected["title"], "title changed"
    assert record["blocks"] == expected["blocks"], "blocks changed"
    assert record == expected


def specimen() -> Seed:
    assert SPECIMEN is not None
    return SPECIMEN


# --- the mutator itself ------------------------------------------------------------------


@pytest.mark.parametrize("seed", ARTICLES, ids=[seed.name for seed in ARTICLES])
def test_an_unmutated_page_round_trips_through_the_mutator(seed: Seed) -> None:
    """Parsing and re-serialising a page changes nothing the extractor sees, so the properties
    below measure the mutations, not the round trip."""
    assert extract_article(serialize(fresh(seed)), seed.url) == baseline(seed)


# --- every ad shape, once each -----------------------------------------------------------


@needs_specimen
@pytest.mark.parametrize("shape", range(len(AD_SHAPES)))
@pytest.mark.parametrize("padding", range(4))
def test_an_ad_between_body_blocks_is_dropped(shape: int, padding: int) -> None:
    mutant = mutate(specimen(), [Op("ad_between", a=3, b=shape + len(AD_SHAPES) * padding)])
    assert AD_MARKER.encode() in mutant.body
    record = extract(mutant)
    assert_valid(record)
    assert_unchanged(record, specimen())


@needs_specimen
@pytest.mark.parametrize("shape", range(len(INLINE_AD_SHAPES)))
def test_an_ad_inside_a_body_paragraph_is_dropped(shape: int) -> None:
    mutant = mutate(specimen(), [Op("ad_inline", target=0, a=1, b=shape)])
    assert AD_MARKER.encode() in mutant.body
    record = extract(mutant)
    assert_valid(record)
    assert_unchanged(record, specimen())


# --- properties ---------------------------------------------------------------------------


@needs_articles
@settings(FUZZ, max_examples=300)
@given(mutants(SEEDS, ALL_OPS, max_ops=8))
def test_tree_mutations_never_break_the_record_contract(mutant: Mutant) -> None:
    """Drop, duplicate, move, rewrite links and dates, inject ads and scripts anywhere: the
    record is absent or valid, and no injected text reaches it."""
    assert_valid(extract(mutant))


@needs_articles
@settings(FUZZ, max_examples=200)
@given(mutants(ARTICLES, BLOCK_NEUTRAL_OPS, max_ops=6))
def test_ads_and_scripts_between_body_blocks_change_nothing(mutant: Mutant) -> None:
    """Ads between (or inline within) body blocks and non-text elements anywhere add no text:
    title, blocks, and the rest of the record stay those of the unmutated page."""
    record = extract(mutant)
    assert_valid(record)
    assert_unchanged(record, mutant.seed)


@needs_articles
@settings(FUZZ, max_examples=150)
@given(mutants(SEEDS, BLOCK_NEUTRAL_OPS, max_ops=3, reencode=True))
def test_reencoded_pages_read_the_same_when_the_charset_is_right(mutant: Mutant) -> None:
    """windows-1252, latin-1, UTF-16 and UTF-8 with a matching, mismatching or missing
    declaration: never an error; a faithful encoding gives the unmutated page's record."""
    record = extract(mutant)
    assert_valid(record)
    if mutant.faithful and baseline(mutant.seed) is not None:
        assert_unchanged(record, mutant.seed)


@needs_articles
@settings(FUZZ, max_examples=150)
@given(mutants(SEEDS, ALL_OPS, max_ops=6, reencode=True))
def test_restructured_and_reencoded_pages_keep_the_contract(mutant: Mutant) -> None:
    assert_valid(extract(mutant))


@needs_articles
@settings(FUZZ, max_examples=150)
@given(truncated(mutants(SEEDS, INJECTION_OPS, max_ops=3)))
def test_a_page_cut_at_any_byte_keeps_the_contract(mutant: Mutant) -> None:
    """A download cut short, possibly inside an injected ad or script: no error, and what is
    left of the ad still never reaches the record."""
    assert_valid(extract(mutant))


@needs_articles
@settings(FUZZ, max_examples=150)
@given(spliced(mutants(SEEDS, STRUCTURE_OPS, max_ops=2)))
def test_random_bytes_anywhere_keep_the_contract(mutant: Mutant) -> None:
    """Arbitrary bytes (invalid UTF-8, NUL, broken tags) replacing or inserted at random
    offsets."""
    assert_valid(extract(mutant))


# --- reproducers of extractor bugs found by the properties above ---------------------------
# Each is one exact edit of the specimen. They fail until crawler/ is fixed.


@needs_specimen
@pytest.mark.parametrize(
    "href",
    [
        "https://articles.example:99999/page.php?p=0211227",  # ValueError: Port out of range
        "https://articles.example:x/page.php?p=0211227",  # ValueError: Port could not be cast
        "https://[articles.example/page.php?p=0211227",  # ValueError: Invalid IPv6 URL
    ],
)
def test_a_malformed_canonical_link_is_not_an_error(href: str) -> None:
    mutant = with_attribute(specimen(), "//link[@rel='canonical']", "href", href)
    assert_valid(extract(mutant))


@needs_specimen
@pytest.mark.parametrize(
    "href",
    [
        "//articles.example:99999/page.php?p=0210900",  # ValueError: Port out of range
        "https://articles.e[ample/page.php?p=0210900",  # ValueError: Invalid IPv6 URL
        "//[]/page.php?p=0210900",  # ValueError: '' does not appear to be an IPv4 or IPv6 address
    ],
)
def test_a_malformed_related_link_is_not_an_error(href: str) -> None:
    mutant = with_attribute(specimen(), "(//a[@class='related-link'])[1]", "href", href)
    assert_valid(extract(mutant))


@needs_specimen
def test_deeply_nested_json_ld_is_skipped_like_other_malformed_json_ld() -> None:
    """``json.loads`` raises RecursionError, not ValueError, past ~1,000 levels of nesting.
    Without breadcrumb and ``article:section`` the category must come from the page's
    Article JSON-LD, so the deep script before it is read first."""
    page = without(
        specimen(), "//a[@class='breadcrumb-category'] | //meta[@property='article:section']"
    ).as_seed()
    script = builder.SCRIPT("[" * 100_000, type="application/ld+json")
    record = extract(with_child(page, "//head", script))
    assert_valid(record)
    assert record is not None
    assert record["category"] == "National cinemas"
