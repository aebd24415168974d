"""Field coverage of the archive, from the field digests the crawl state keeps."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.coverage import COVERAGE_FIELDS, Coverage, present
from crawler.digests import EMPTY_DIGESTS, field_digests
from crawler.stats import FIELD_PREFIX, PAGES_KEY
from tests.factories import article_dict

#: The fields a record may leave empty and still be archived.
OPTIONAL = ("summary", "related")


def digests(n: int, **overrides: Any) -> dict[str, str]:
    return field_digests(article_dict(n, **overrides))


def test_full_records_cover_every_field() -> None:
    coverage = Coverage.from_field_hashes([digests(1), digests(2)])
    assert coverage.pages == 2
    assert dict(coverage.fields) == dict.fromkeys(COVERAGE_FIELDS, 1.0)


@pytest.mark.parametrize("empty", [None, "", []])
def test_a_field_without_a_value_is_missing(empty: object) -> None:
    coverage = Coverage.from_field_hashes([digests(1, summary=empty)])
    assert coverage.fields["summary"] == 0.0
    assert coverage.fields["title"] == 1.0


def test_a_field_s_share_is_of_the_records_that_have_it() -> None:
    records = [
        digests(1),
        digests(2, summary=None),
        digests(3, summary="", related=[]),
        digests(4, related=[]),
    ]
    coverage = Coverage.from_field_hashes(records)
    assert coverage.pages == 4
    assert (coverage.fields["summary"], coverage.fields["related"]) == (0.5, 0.5)
    assert {name: coverage.fields[name] for name in COVERAGE_FIELDS if name not in OPTIONAL} == (
        dict.fromkeys((name for name in COVERAGE_FIELDS if name not in OPTIONAL), 1.0)
    )


def test_shares_are_rounded_to_four_places() -> None:
    records = [digests(1), digests(2, summary=None), digests(3, summary=None)]
    assert Coverage.from_field_hashes(records).fields["summary"] == 0.3333


def test_a_field_the_digests_do_not_hold_counts_as_present() -> None:
    # ``id`` names the article and has no digest; every record has one.
    record = digests(1, summary=None)
    assert "id" not in record
    assert Coverage.from_field_hashes([record]).fields["id"] == 1.0


def test_digests_of_a_state_written_before_they_were_kept_count_every_field() -> None:
    coverage = Coverage.from_field_hashes([{}])
    assert coverage.pages == 1
    assert set(coverage.fields.values()) == {1.0}


def test_every_empty_value_has_a_digest_coverage_knows() -> None:
    empties: tuple[object, ...] = (None, "", [])
    for empty in empties:
        assert digests(1, summary=empty)["summary"] in EMPTY_DIGESTS


def test_the_articles_are_read_once_and_lazily() -> None:
    coverage = Coverage.from_field_hashes(iter([digests(1), digests(2, related=[])]))
    assert (coverage.pages, coverage.fields["related"]) == (2, 0.5)


def test_no_articles_give_no_pages_and_zero_shares() -> None:
    coverage = Coverage.from_field_hashes([])
    assert coverage.pages == 0
    assert dict(coverage.fields) == dict.fromkeys(COVERAGE_FIELDS, 0.0)


def run_coverage(records: list[dict[str, Any]]) -> Coverage:
    """Coverage as the validation pipeline counts it during a run, by ``present``."""
    stats: dict[str, int] = {PAGES_KEY: len(records)}
    for record in records:
        for name in COVERAGE_FIELDS:
            if present(record.get(name)):
                stats[FIELD_PREFIX + name] = stats.get(FIELD_PREFIX + name, 0) + 1
    return Coverage.from_stats(stats)


def test_archive_coverage_agrees_with_a_run_s_coverage_of_the_same_records() -> None:
    records = [article_dict(1), article_dict(2, summary=None), article_dict(3, related=[])]
    archived = Coverage.from_field_hashes(field_digests(record) for record in records)
    assert archived == run_coverage(records)


def test_a_whitespace_only_value_is_missing_in_archive_coverage_as_in_a_run_s() -> None:
    records = [article_dict(1), article_dict(2, summary="  ")]
    archived = Coverage.from_field_hashes(field_digests(record) for record in records)
    assert archived.fields["summary"] == run_coverage(records).fields["summary"] == 0.5
