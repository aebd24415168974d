"""A redesigned site, end to end: the run after the redesign learns the new template from the
archive and archives exactly again, or stops loud when the redesign lost information.

One first crawl of a 600-article site (shared by every test: its state and archive are
copied for each), then, per redesign of ``sample_site.designs``, the site switches to it, 30
articles are published, and the next ``scrapy crawl site`` runs on a copy of the state.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.archive.categories import CATEGORIES_FILE
from crawler.archive.verify import verify
from crawler.state.sqlite import SQLiteState
from crawler.templates.model import Template
from sample_site import designs
from sample_site.large import LargeSite
from tests.redesigned import Crawl, contract, crawl

ARTICLES = 600
PUBLISHED = 30
#: What an ad or a sponsored block prints: never in a record.
AD_TEXTS = ("Advertisement", "ADVERTISEMENT", "Sponsored", designs.SPONSOR_TEXT)

pytestmark = pytest.mark.e2e


@dataclass
class FirstCrawl:
    folder: Path
    port: int


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> FirstCrawl:
    folder = tmp_path_factory.mktemp("first")
    with LargeSite(ARTICLES) as site:
        done = crawl(site, folder)
        assert done.returncode == 0, done.stderr[-3000:]
        return FirstCrawl(folder, site.port)


@dataclass
class Redesigned:
    site: LargeSite
    folder: Path
    published: list[str]
    crawl: Crawl


def redesigned(first: FirstCrawl, tmp: Path, design: str) -> Redesigned:
    """The run after ``design`` replaced the site's template and 30 articles were published,
    on a copy of the first crawl's state and archive. The site is served on the first
    crawl's port (the state belongs to that site) while the run lasts; ``with site:`` serves
    it again."""
    shutil.copytree(first.folder / "state", tmp / "state")
    shutil.copytree(first.folder / "archive", tmp / "archive")
    site = LargeSite(ARTICLES, port=first.port)
    with site:
        site.set_structure(design)
        published = site.publish(PUBLISHED)
        return Redesigned(site, tmp, published, crawl(site, tmp))


@pytest.fixture(scope="module", params=designs.KEEPING)
def keeping(
    request: pytest.FixtureRequest, first: FirstCrawl, tmp_path_factory: pytest.TempPathFactory
) -> Redesigned:
    return redesigned(first, tmp_path_factory.mktemp(request.param), request.param)


@pytest.fixture(scope="module")
def dropping(first: FirstCrawl, tmp_path_factory: pytest.TempPathFactory) -> Redesigned:
    return redesigned(first, tmp_path_factory.mktemp("dropping"), designs.DROPPING)


def test_the_run_after_a_redesign_exits_0_with_one_warning(keeping: Redesigned) -> None:
    run = keeping.crawl
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.lines("error:") == []
    [warning] = run.lines("warning:")
    assert "a new template was learned" in warning
    assert str(run.run_dir / "template.json") in warning


def test_every_archived_article_is_unchanged(keeping: Redesigned) -> None:
    counts = keeping.crawl.manifest()["counts"]
    assert counts["articles"] == {
        "new": PUBLISHED,
        "changed": 0,
        "unchanged": ARTICLES,
        "removed": 0,
    }
    assert counts["dropped"] == {}
    assert keeping.crawl.manifest()["alarms"] == []


def test_the_categories_are_complete(keeping: Redesigned) -> None:
    lines = (keeping.crawl.run_dir / CATEGORIES_FILE).read_text().splitlines()
    written = {
        record["url"]: {key: value for key, value in record.items() if key != "schema_version"}
        for record in map(json.loads, lines)
    }
    expected = [keeping.site.expected_category(slug) for slug, _name in keeping.site.categories]
    assert [written.get(category["url"]) for category in expected] == expected


def test_the_articles_published_after_the_redesign_are_exact(keeping: Redesigned) -> None:
    records = {record["id"]: record for record in keeping.crawl.records()}
    assert sorted(records) == sorted(keeping.published)
    for article_id in keeping.published:
        assert contract(records[article_id]) == keeping.site.expected_record(article_id)


def test_no_advertisement_reaches_a_record(keeping: Redesigned) -> None:
    for record in keeping.crawl.records():
        text = json.dumps(record, ensure_ascii=False)
        assert not [ad for ad in AD_TEXTS if ad in text], record["id"]


def test_the_manifest_names_the_template_written_beside_the_run(keeping: Redesigned) -> None:
    named = keeping.crawl.manifest()["template"]
    assert named["file"] == "template.json"
    assert named["learned_in"] == keeping.crawl.run_dir.name
    template = Template.from_json((keeping.crawl.run_dir / "template.json").read_text())
    assert template.digest == named["digest"]
    assert template.article is not None and template.listing is not None
    assert verify(keeping.crawl.run_dir) == []  # the manifest's digest of template.json too


def test_the_next_run_reads_with_the_template_kept_in_the_state(keeping: Redesigned) -> None:
    state = SQLiteState(keeping.folder / "state")
    try:
        [stored] = state.templates()
    finally:
        state.close()
    assert stored.active
    assert Template.from_json(stored.text).digest == keeping.crawl.manifest()["template"]["digest"]
    changed = keeping.site.article_ids()[:5]
    keeping.site.change(changed)
    with keeping.site:
        again = crawl(keeping.site, keeping.folder)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.lines("warning:") == [] and again.lines("error:") == []
    assert again.manifest()["counts"]["articles"]["changed"] == len(changed)
    assert again.manifest()["counts"]["dropped"] == {}
    records = {record["id"]: record for record in again.records()}
    assert sorted(records) == changed
    for article_id in changed:
        assert contract(records[article_id]) == keeping.site.expected_record(article_id)
    assert again.manifest()["template"]["id"] == stored.id
    assert "file" not in again.manifest()["template"]


def test_a_redesign_that_dropped_the_related_summaries_stops_loud(dropping: Redesigned) -> None:
    run = dropping.crawl
    assert run.returncode == 5, run.stderr[-3000:]
    errors = run.lines("error:")
    assert any("yielded no record" in line for line in errors)
    [why] = [line for line in errors if "template could not be learned" in line]
    assert "'related'" in why
    assert run.records() == []
    assert run.manifest()["template"] is None
    assert not (run.run_dir / "template.json").exists()


def test_with_learning_off_a_redesign_stops_loud_as_before(tmp_path: Path) -> None:
    with LargeSite(60) as site:
        assert crawl(site, tmp_path).returncode == 0
        site.set_structure("grid")
        run = crawl(site, tmp_path, "TEMPLATE_LEARNING=False")
    assert run.returncode == 5, run.stderr[-3000:]
    assert any("yielded no record" in line for line in run.lines("error:"))
    assert not [line for line in run.stderr.splitlines() if "template was learned" in line]
    assert not [line for line in run.stderr.splitlines() if "could not be learned" in line]
    assert run.records() == []
    assert run.manifest()["template"] is None
