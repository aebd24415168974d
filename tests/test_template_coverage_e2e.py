"""A redesign that leaves every page a record but moves one field out of the page objects'
reach: the related cards as a grid of tiles (``sample_site.designs.TILES``). The run's
related coverage collapses; it learns the template from the archive and archives exactly
again, or, when the field is gone from the pages, stops loud naming it and writes no record
with the field degraded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sample_site import designs
from sample_site.large import LargeSite
from tests.redesigned import Crawl, contract, crawl

ARTICLES = 60
PUBLISHED = 6

pytestmark = pytest.mark.e2e


@dataclass
class Tiled:
    site: LargeSite
    published: list[str]
    crawl: Crawl


@pytest.fixture(scope="module")
def tiled(tmp_path_factory: pytest.TempPathFactory) -> Tiled:
    folder = tmp_path_factory.mktemp("tiles")
    with LargeSite(ARTICLES) as site:
        assert crawl(site, folder).returncode == 0
        site.set_structure(designs.TILES)
        published = site.publish(PUBLISHED)
        return Tiled(site, published, crawl(site, folder))


def test_a_collapsed_field_has_a_template_learned_and_the_run_exits_0(tiled: Tiled) -> None:
    run = tiled.crawl
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.lines("error:") == []
    [warning] = run.lines("warning:")
    assert "a new template was learned" in warning
    assert run.manifest()["template"]["file"] == "template.json"


def test_every_archived_article_is_unchanged_and_none_dropped(tiled: Tiled) -> None:
    manifest = tiled.crawl.manifest()
    assert manifest["counts"]["articles"] == {
        "new": PUBLISHED,
        "changed": 0,
        "unchanged": ARTICLES,
        "removed": 0,
    }
    assert manifest["counts"]["dropped"] == {}
    assert manifest["alarms"] == []
    # Every page read, the held ones again with the template: related where the site has it.
    ids = tiled.site.article_ids()
    with_related = [i for i in ids if tiled.site.expected_record(i)["related"]]
    assert manifest["coverage"]["pages"] == len(ids)
    assert manifest["coverage"]["fields"]["related"] == round(len(with_related) / len(ids), 4)


def test_the_articles_published_after_the_redesign_are_exact(tiled: Tiled) -> None:
    records = {record["id"]: record for record in tiled.crawl.records()}
    assert sorted(records) == sorted(tiled.published)
    for article_id in tiled.published:
        assert contract(records[article_id]) == tiled.site.expected_record(article_id)


def test_related_cards_gone_from_the_pages_stop_the_run_loud(tmp_path: Path) -> None:
    with LargeSite(ARTICLES) as site:
        assert crawl(site, tmp_path).returncode == 0
        site.set_related_lists(False)
        run = crawl(site, tmp_path)
    assert run.returncode == 6, run.stderr[-3000:]  # the coverage alarm's
    errors = run.lines("error:")
    [why] = [line for line in errors if "template could not be learned" in line]
    assert "'related'" in why
    [alarm] = [line for line in errors if line not in (why,)]
    assert "'related'" in alarm and "found on 0%" in alarm
    assert run.records() == []
    assert run.manifest()["counts"]["dropped"] == {"lost_related": ARTICLES}
    assert run.manifest()["template"] is None


def test_without_a_collapse_the_pages_held_are_written_as_they_read(tmp_path: Path) -> None:
    """A fall in coverage the alarms let pass (here: none counts) is an edit, not a
    redesign: the pages held for the field they lost are read again and archived changed."""
    with LargeSite(ARTICLES) as site:
        assert crawl(site, tmp_path).returncode == 0
        site.set_related_lists(False)
        run = crawl(site, tmp_path, "ALARM_COVERAGE_DROP=1.01")
    assert run.returncode == 0, run.stderr[-3000:]
    manifest = run.manifest()
    assert manifest["counts"]["articles"]["changed"] == ARTICLES
    assert manifest["counts"]["dropped"] == {}
    assert manifest["template"] is None
    records = run.records()
    assert len(records) == ARTICLES
    assert all(record["related"] == [] for record in records)
    assert all(record["changed_fields"] == ["related"] for record in records)
