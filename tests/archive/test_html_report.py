"""``scrapy report --html``: the page's content and escaping, and the page as headless Chromium
renders it (charts drawn, hostile category names shown as text, no script run).

The rendered tests crawl a generated site twice for real (the second time with articles
changed and removed) whose category names are XSS payloads, write the report with the
command, and open it in Chromium. The screenshot is kept in ``build/report-screenshot.png``
(or where ``REPORT_SCREENSHOT`` says) for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from PIL import Image

import sample_site.large
from crawler.archive import html_report
from crawler.archive.charts import chart_label, run_coverage
from crawler.archive.html_report import CSP, write_html_report
from crawler.archive.report import Run
from sample_site.large import LargeSite
from tests import chromium
from tests.archive.test_report import write_run

ROOT = Path(__file__).resolve().parents[2]
#: Each payload, if it ever became markup, would leave a mark a DOM dump shows.
SCRIPT = "<script>document.title='pwned'</script>"
IMG = '"><img src=x onerror="document.body.dataset.pwned=1">'
DOLLARS = "Costs $1 & $2"
CATEGORIES = (SCRIPT, IMG, DOLLARS, "Film history")
TITLE = "Archive report: archive"
SCREENSHOT = Path(os.environ.get("REPORT_SCREENSHOT") or ROOT / "build" / "report-screenshot.png")


def parse(page: str) -> Any:
    """The document element of ``page`` (lxml.html)."""
    return lxml_html.document_fromstring(page)


def found(node: Any, path: str) -> list[Any]:
    """What the XPath ``path`` selects from ``node``: elements, attribute values or texts."""
    result = node.xpath(path)
    assert isinstance(result, list)
    return result


# ---- the page, without a browser ------------------------------------------------------------


@pytest.fixture
def hostile_archive(tmp_path: Path) -> Path:
    """Two finished runs and an unfinished one, whose manifests and records carry payloads."""
    archive = tmp_path / "archive"
    write_run(archive, "site-20250806T000000Z", new=3, pages_failed={"404": 2, IMG: 1})
    latest = write_run(archive, "site-20250807T000000Z", changed=1, alarms=[SCRIPT])
    (latest / "categories.jsonl").write_text(
        "".join(
            json.dumps({"type": "category", "name": n, "articles": ["a"]}) + "\n"
            for n in CATEGORIES
        )
    )
    (archive / "site-20250808T000000Z").mkdir()
    return archive


def test_the_page_has_the_run_table_and_four_inline_charts(hostile_archive: Path) -> None:
    page = html_report.html_report(hostile_archive)
    document = parse(page)
    assert found(document, "//table[1]//tr/td[1]/text()") == [
        "site-20250806T000000Z",
        "site-20250807T000000Z",
        "site-20250808T000000Z",
    ]
    assert len(found(document, "//figure/svg")) == 4
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_reparse_folders_are_tabled_apart_and_in_no_chart(hostile_archive: Path) -> None:
    without = html_report.html_report(hostile_archive)
    reparse = "reparse-site-20250806T000000Z-20250809T000000Z"
    write_run(hostile_archive, reparse, new=3)  # as a reparse's manifest counts them
    document = parse(html_report.html_report(hostile_archive))
    assert found(document, "//table[1]//tr/td[1]/text()") == [
        "site-20250806T000000Z",
        "site-20250807T000000Z",
        "site-20250808T000000Z",
    ]
    tabled = "//h2[. = 'Reparse folders']/following-sibling::table[1]//tr/td[position() < 3]"
    assert found(document, f"{tabled}/text()") == [reparse, "site-20250806T000000Z"]
    assert [svg.xpath("string()") for svg in found(document, "//figure/svg")] == [
        svg.xpath("string()") for svg in found(parse(without), "//figure/svg")
    ]


def test_site_strings_are_escaped_everywhere(hostile_archive: Path) -> None:
    page = html_report.html_report(hostile_archive)
    for payload in (SCRIPT, IMG):
        assert payload not in page
        assert escape(payload, quote=False) in page  # in an SVG <text>: matplotlib's escaping
        assert escape(payload) in page  # in a table cell or list item: html.escape's
    assert page.count("<script") == page.count("<img") == 0


def test_a_dollar_sign_is_text_not_mathtext(hostile_archive: Path) -> None:
    page = html_report.html_report(hostile_archive)
    assert f">{escape(DOLLARS, quote=False)}</text>" in page
    assert chart_label(DOLLARS) == r"Costs \$1 & \$2"


def test_the_page_forbids_scripts_and_network_loads(hostile_archive: Path) -> None:
    document = parse(html_report.html_report(hostile_archive))
    [policy] = found(document, "//meta[@http-equiv='Content-Security-Policy']/@content")
    assert policy == CSP and "default-src 'none'" in policy
    assert (
        found(document, "//@src | //link | //@*[name() = 'xlink:href'][not(starts-with(., '#'))]")
        == []
    )


def test_the_file_is_replaced_atomically(hostile_archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    write_html_report(hostile_archive, target)
    target.write_text("stale")
    write_html_report(hostile_archive, target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(path.name for path in target.parent.iterdir()) == ["report.html"]


def scrapy_report(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "report", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_the_text_report_is_the_same_with_html(hostile_archive: Path, tmp_path: Path) -> None:
    plain = scrapy_report(str(hostile_archive))
    with_html = scrapy_report(str(hostile_archive), "--html", str(tmp_path / "report.html"))
    assert with_html.returncode == 0, with_html.stderr
    assert with_html.stdout == plain.stdout
    assert (tmp_path / "report.html").exists()


def test_without_matplotlib_html_fails_naming_the_extra(
    hostile_archive: Path, tmp_path: Path
) -> None:
    # A matplotlib package that cannot be imported, first on the path.
    shadow = tmp_path / "shadow" / "matplotlib"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    env = {**os.environ, "PYTHONPATH": str(shadow.parent)}
    result = scrapy_report(str(hostile_archive), "--html", str(tmp_path / "r.html"), env=env)
    assert result.returncode == 1
    assert "evergreen-crawler[report]" in result.stderr and "matplotlib" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r.html").exists()


# ---- the page in headless Chromium ---------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    page: Path
    dom: str


def crawl(site: LargeSite, work: Path) -> None:
    args = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start_url={site.base_url}"]
    settings = {
        "ARCHIVE_DIR": work / "archive",
        "STATE_DIR": work / "state",
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_FILE": work / "crawl.log",
    }
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    if (why := chromium.missing()) is not None:
        reason, may_skip = why
        if may_skip:
            pytest.skip(reason)
        pytest.fail(reason)
    work = tmp_path_factory.mktemp("html-report")
    with pytest.MonkeyPatch.context() as patch:
        # The site prints these as its category names (escaped in its HTML, as a real site
        # would): the crawler archives them as text, and the report must keep them text.
        patch.setattr(sample_site.large, "CATEGORY_NAMES", CATEGORIES)
        with LargeSite(60, categories=len(CATEGORIES)) as site:
            crawl(site, work)
            ids = site.article_ids()
            site.change(ids[:5])
            site.remove(ids[5:8])
            crawl(site, work)
    page = work / "report.html"
    result = scrapy_report(str(work / "archive"), "--html", str(page))
    assert result.returncode == 0, result.stderr
    yield Rendered(page, chromium.dump_dom(page))


def svgs(dom: str) -> list[Any]:
    return found(parse(dom), "//svg")


@pytest.mark.e2e
def test_every_chart_is_drawn(rendered: Rendered) -> None:
    charts = svgs(rendered.dom)
    assert len(charts) == 4
    for chart in charts:
        assert len(found(chart, ".//path[@d != '']")) >= 5
        assert found(chart, ".//text")
    categories, outcomes, _failures, _coverage = charts
    listed_bars = found(categories, ".//path[contains(@style, 'fill: #9aa5b1')]")
    assert len(listed_bars) == len(CATEGORIES) + 1  # and the legend's key
    assert found(outcomes, ".//path[contains(@style, 'fill: #c0392b')]")  # the removed bar


@pytest.mark.e2e
def test_hostile_category_names_are_shown_as_text(rendered: Rendered) -> None:
    document = parse(rendered.dom)
    cells = found(
        document, "//h2[starts-with(., 'Categories')]/following-sibling::table[1]//td[1]/text()"
    )
    assert sorted(cells) == sorted(CATEGORIES)
    labels = [text.text_content() for text in found(svgs(rendered.dom)[0], ".//text")]
    assert set(CATEGORIES) <= set(labels)
    assert found(document, "//script | //img | //@*[starts-with(name(), 'on')]") == []


@pytest.mark.e2e
def test_no_script_ran(rendered: Rendered) -> None:
    document = parse(rendered.dom)
    assert document.findtext(".//title") == TITLE
    assert document.find("body").get("data-pwned") is None


def unescaped(report: Path, target: Path, *, policy: bool) -> Path:
    """The report with the payloads in its tables unescaped, as an escaping mistake would
    print them, with or without its Content-Security-Policy."""
    page = report.read_text(encoding="utf-8")
    for payload in (SCRIPT, IMG):
        assert escape(payload) in page
        page = page.replace(escape(payload), payload)
    if not policy:
        page = page.replace(f'content="{escape(CSP)}"', 'content=""')
    target.write_text(page, encoding="utf-8")
    return target


@pytest.mark.e2e
def test_the_check_sees_an_unescaped_payload_run(rendered: Rendered, tmp_path: Path) -> None:
    # Without escaping and policy the payloads run: the test above would see a mistake.
    broken = unescaped(rendered.page, tmp_path / "broken.html", policy=False)
    document = parse(chromium.dump_dom(broken))
    assert document.findtext(".//title") == "pwned"
    assert document.find("body").get("data-pwned") == "1"


@pytest.mark.e2e
def test_the_policy_alone_stops_an_unescaped_payload(rendered: Rendered, tmp_path: Path) -> None:
    broken = unescaped(rendered.page, tmp_path / "broken.html", policy=True)
    document = parse(chromium.dump_dom(broken))
    assert document.findtext(".//title") == TITLE
    assert document.find("body").get("data-pwned") is None


@pytest.mark.e2e
def test_the_screenshot_shows_the_charts(rendered: Rendered, tmp_path: Path) -> None:
    shot = chromium.screenshot(rendered.page, tmp_path / "report.png")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT)
    with Image.open(shot) as image:
        assert image.size == (1280, 4000)
        pixels = image.convert("RGB")
        colours = {colour: n for n, colour in pixels.getcolors(1280 * 4000) or []}
    assert len(colours) > 50  # text, anti-aliasing and bars, not a blank page
    for bar in ("#9aa5b1", "#f28f20", "#c0392b"):  # listed, changed, removed: solid fills
        rgb = tuple(int(bar[i : i + 2], 16) for i in (1, 3, 5))
        assert colours.get(rgb, 0) > 200, bar


def _run(tmp_path: Path, manifest: dict[str, object]) -> Run:
    return Run(tmp_path, manifest)


def test_coverage_is_plotted_from_the_archive_s_current_articles(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        {
            "coverage": {"pages": 4, "fields": {"title": 0.5}},
            "archive_coverage": {"pages": 240, "fields": {"title": 1.0}},
        },
    )
    assert run_coverage(run) == {"title": 1.0}


def test_a_run_that_parsed_few_pages_and_says_nothing_of_the_archive_has_no_point(
    tmp_path: Path,
) -> None:
    assert run_coverage(_run(tmp_path, {"coverage": {"pages": 4, "fields": {"title": 0.5}}})) == {}
    assert run_coverage(_run(tmp_path, {"coverage": {"pages": 40, "fields": {"title": 0.5}}})) == {
        "title": 0.5
    }
