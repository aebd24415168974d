"""``scrapy savefixture`` as a person runs it, against the sample site on 127.0.0.1: the case
it writes is one the fixture test discovers and passes, and every page it cannot make a case
of is refused with one error line, exit status 1 and nothing written."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler import extract_article
from crawler.contract import ARTICLE_FIELDS
from sample_site.server import SampleSite
from tests.fixtures.make_fixtures import _json as make_fixtures_json
from tests.pages.test_article_fixtures import discover, read_case

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = "page.php?p=0301000"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite() as served:
        yield served


def run_savefixture(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command, writing cases under ``tmp_path/cases``; any archive or state it wrote
    would land in ``tmp_path`` too, for the tests to see."""
    command = [sys.executable, "-m", "scrapy", "savefixture", *args]
    command += ["--fixtures-dir", str(tmp_path / "cases")]
    command += [
        "-s",
        f"ARCHIVE_DIR={tmp_path / 'archive'}",
        "-s",
        f"STATE_DIR={tmp_path / 'state'}",
    ]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_saved_article_is_a_case_the_fixture_test_finds_and_passes(
    site: SampleSite, tmp_path: Path
) -> None:
    url = site.base_url + ARTICLE
    result = run_savefixture(tmp_path, url)

    assert result.returncode == 0, result.stderr
    assert "review" in result.stdout and "expected.json" in result.stdout
    cases = tmp_path / "cases"
    assert discover(cases) == ["article-0301000"]
    body, fetched_from, expected = read_case(cases / "article-0301000")
    assert fetched_from == url
    with urllib.request.urlopen(url) as response:  # the page as served, byte for byte
        assert body == response.read()
    record = extract_article(body, fetched_from)
    assert record is not None
    assert [field for field in ARTICLE_FIELDS if record[field] != expected[field]] == []
    # Written as make_fixtures.py writes every case.
    text = (cases / "article-0301000" / "expected.json").read_text(encoding="utf-8")
    assert text == make_fixtures_json(expected)
    assert not (tmp_path / "archive").exists() and not (tmp_path / "state").exists()


def test_a_redirected_url_is_saved_with_the_url_it_ended_at(
    site: SampleSite, tmp_path: Path
) -> None:
    result = run_savefixture(tmp_path, site.base_url + "article.php?id=0301791", "--name", "moved")

    assert result.returncode == 0, result.stderr
    _body, fetched_from, expected = read_case(tmp_path / "cases" / "moved")
    assert fetched_from == site.base_url + "page.php?p=0301791"
    assert expected["id"] == "0301791"


def test_an_existing_case_is_replaced_only_with_force(site: SampleSite, tmp_path: Path) -> None:
    case = tmp_path / "cases" / "article-0301000"
    case.mkdir(parents=True)
    (case / "notes.txt").write_text("mine")

    refused = run_savefixture(tmp_path, site.base_url + ARTICLE)
    assert refused.returncode == 1
    assert "--force" in refused.stderr.splitlines()[-1]
    assert sorted(path.name for path in case.iterdir()) == ["notes.txt"]

    forced = run_savefixture(tmp_path, site.base_url + ARTICLE, "--force")
    assert forced.returncode == 0, forced.stderr
    assert sorted(path.name for path in case.iterdir()) == ["expected.json", "page.html", "url.txt"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("page.php?p=0302680", "answered 404, not 200"),
        ("robots.txt", "is not an HTML page (text/plain"),
        ("private/page.php?p=0302701", "robots.txt forbids fetching"),
        ("page.php?p=0302715", "yields no article record"),
    ],
    ids=["404", "not-html", "robots-forbidden", "not-an-article"],
)
def test_a_page_that_makes_no_case_is_refused(
    site: SampleSite, tmp_path: Path, path: str, error: str
) -> None:
    result = run_savefixture(tmp_path, site.base_url + path)

    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: scrapy savefixture: ") and error in last
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "cases").exists() or not any((tmp_path / "cases").iterdir())


def test_an_unreachable_site_is_refused(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/{ARTICLE}"
    result = run_savefixture(tmp_path, url, "-s", "RETRY_ENABLED=False")

    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: scrapy savefixture: could not fetch") and "refused" in last


@pytest.mark.parametrize("name", ["../escape", "Upper", "a/b"])
def test_a_case_name_that_is_not_a_plain_folder_name_is_a_usage_error(
    tmp_path: Path, name: str
) -> None:
    result = run_savefixture(tmp_path, "http://127.0.0.1:9/" + ARTICLE, "--name", name)
    assert result.returncode == 2
    assert not (tmp_path / "cases").exists()
