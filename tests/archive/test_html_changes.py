"""The HTML report's changed articles: the same diffs as ``scrapy history``, escaped."""

from __future__ import annotations

from html import escape
from pathlib import Path

from lxml import html as lxml_html

from crawler.archive.html_changes import changes_section
from tests.archive.reader_runs import article, write_run

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror="alert(2)">'


def test_each_run_lists_its_changed_articles_with_escaped_diffs(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    first = article(1, title=f"Old {SCRIPT}", body="Kept words here.")
    write_run(root, "site-20261121T030000Z", [first, article(2)])
    second = article(
        1,
        2,
        title=f"New {IMG}",
        body="Kept words here.\n\nAdded <b>words</b>.",
        previous_hash=first["content_hash"],
        changed_fields=["title", "body"],
    )
    write_run(root, "site-20261122T030000Z", [second])

    section = changes_section(root)

    for payload in (SCRIPT, IMG, "<b>words</b>"):
        assert payload not in section
    assert escape("Added <b>words</b>.") in section
    document = lxml_html.fragment_fromstring(section, create_parent="div")
    assert document.xpath("//script | //img | //b[text()='words']") == []
    assert document.xpath("//h3/code/text()") == ["site-20261122T030000Z"]
    assert document.xpath("//del/text()") == [f"Old {SCRIPT}"]
    assert document.xpath("//ins/text()") == [f"New {IMG}", "Added <b>words</b>."]


def test_no_changes_says_so(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_run(root, "site-20261121T030000Z", [article(1)])
    assert "No run archived a changed article." in changes_section(root)


def test_a_change_whose_version_before_is_missing(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_run(root, "site-20261122T030000Z", [article(1, 2, previous_hash="0" * 64)])
    assert "the version before is not in the archive" in changes_section(root)


def test_more_changes_than_shown_are_counted(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    firsts = [article(n) for n in range(1, 5)]
    write_run(root, "site-20261121T030000Z", firsts)
    write_run(
        root,
        "site-20261122T030000Z",
        [article(n, 2, previous_hash=firsts[n - 1]["content_hash"]) for n in range(1, 5)],
    )
    section = changes_section(root, per_run=3)
    assert "4 changed article(s), the first 3 shown" in section
    assert section.count("<li>") == 3
