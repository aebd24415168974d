"""One article's versions across runs, and the diffs between them."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.archive.history import (
    CONTEXT_WORDS,
    FieldDiff,
    article_versions,
    field_diffs,
    render_diffs,
    render_hunk,
    run_changes,
    version_diffs,
)
from tests.archive.reader_runs import article, removed, write_run
from tests.factories import article_url

DAY1, DAY2, DAY3 = "site-20261121T030000Z", "site-20261122T030000Z", "site-20261123T030000Z"
WORDS = " ".join(f"w{n}" for n in range(40))


def changed(n: int, version: int, before: dict[str, object], **fields: object) -> dict[str, object]:
    """Version ``version`` of article ``n``: ``before`` with ``fields`` changed."""
    kept = {name: before[name] for name in ("title", "body")}
    return article(
        n,
        version,
        previous_hash=before["content_hash"],
        changed_fields=sorted(fields),
        **(kept | fields),
    )


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    first = article(1, body=WORDS)
    write_run(root, DAY1, [first, article(2), article(3)])
    second = changed(1, 2, first, body=WORDS.replace("w20", "twenty"))
    write_run(root, DAY2, [second, removed(2)])
    write_run(root, f"reparse-{DAY2}-20261130T000000Z", [{**second, "title": "Reparsed."}])
    write_run(root, DAY3, [changed(1, 3, second, title="New title.")])
    return root


def test_every_version_and_removal_oldest_first(archive: Path) -> None:
    versions = article_versions(archive, "0000001")
    assert [(v.run, v.record["version"]) for v in versions] == [(DAY1, 1), (DAY2, 2), (DAY3, 3)]
    [kept, gone] = article_versions(archive, "0000002")
    assert (kept.removed, gone.removed, gone.run) == (False, True, DAY2)


def test_an_article_is_found_by_any_url_of_its_page(archive: Path) -> None:
    by_url = article_versions(archive, "http://127.0.0.1:8765/page.php?p=0000001&utm_source=x")
    assert len(by_url) == 3
    assert article_versions(archive, article_url(1)) == by_url
    assert article_versions(archive, "0000009") == []


def test_a_word_changed_is_shown_with_its_context(archive: Path) -> None:
    diffs = version_diffs(article_versions(archive, "0000001"))
    assert diffs[0] is None
    [body] = diffs[1] or []
    context = [f"w{n}" for n in range(20 - CONTEXT_WORDS, 20)], [f"w{n}" for n in range(21, 27)]
    assert body.hunks == (
        (
            ("=", "… " + " ".join(context[0])),
            ("-", "w20"),
            ("+", "twenty"),
            ("=", " ".join(context[1]) + " …"),
        ),
    )
    assert render_hunk(body.hunks[0], "plain") == (
        f"… {' '.join(context[0])} [-w20-]{{+twenty+}} {' '.join(context[1])} …"
    )
    [title] = diffs[2] or []
    assert title.field == "title"
    assert render_hunk(title.hunks[0], "ansi") == (
        "\x1b[31mEssay 1, version 1.\x1b[0m \x1b[32mNew title.\x1b[0m"
    )


def test_a_paragraph_added_is_the_whole_change() -> None:
    before = article(1, body="First paragraph here.\n\nSecond one.")
    after = article(1, body="First paragraph here.\n\nAn added paragraph.\n\nSecond one.")
    [body] = field_diffs(before, after)
    assert body.hunks == (
        (("=", "First paragraph here."), ("+", "An added paragraph."), ("=", "Second one.")),
    )


def test_changes_far_apart_are_separate_hunks() -> None:
    after = WORDS.replace("w2 ", "two ").replace("w35", "thirty-five")
    [body] = field_diffs(article(1, body=WORDS), article(1, body=after))
    assert len(body.hunks) == 2
    assert [seg for hunk in body.hunks for seg in hunk if seg[0] != "="] == [
        ("-", "w2"),
        ("+", "two"),
        ("-", "w35"),
        ("+", "thirty-five"),
    ]


def test_related_links_added_and_removed() -> None:
    link = {"url": article_url(7), "category": "Film", "summary": None, "published": None}
    before = article(1)
    after = article(1, related=[*before["related"][1:], link])
    [related] = field_diffs(before, after)
    assert [x["url"] for x in related.added] == [article_url(7)]
    assert [x["url"] for x in related.removed] == [article_url(2)]
    assert render_diffs([related], "plain") == [
        "related:",
        f"  removed [-{article_url(2)}-]",
        f"  added {{+{article_url(7)}+}}",
    ]


def test_blocks_are_shown_only_when_the_body_did_not_change() -> None:
    before = article(1)
    kinds = [{**block, "kind": "paragraph"} for block in before["blocks"]]
    [blocks] = field_diffs(before, article(1, blocks=kinds))
    assert blocks.field == "blocks"
    assert ("-", "(heading)") in blocks.hunks[0] and ("+", "(paragraph)") in blocks.hunks[0]
    assert [d.field for d in field_diffs(before, article(1, blocks=[], body="x"))] == ["body"]


def test_a_version_after_a_removal_is_compared_with_the_one_before_it(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write_run(root, DAY1, [article(2)])
    write_run(root, DAY2, [removed(2)])
    write_run(root, DAY3, [article(2, 2, title="Back.")])
    diffs = version_diffs(article_versions(root, "0000002"))
    assert diffs[:2] == [None, None]
    assert [d.field for d in diffs[2] or []] == ["title"]


def test_run_changes_pair_each_change_with_its_version_before(archive: Path) -> None:
    changes = run_changes(archive, limit=10)
    assert [(run.run, run.total) for run in changes] == [(DAY2, 1), (DAY3, 1)]
    second = changes[0].changes[0]
    assert second.before is not None and second.before["version"] == 1
    assert [d.field for d in second.diffs()] == ["body"]


def test_run_changes_keep_the_first_few_and_count_them_all(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    firsts = [article(n) for n in range(1, 6)]
    write_run(root, DAY1, firsts)
    write_run(root, DAY2, [changed(n, 2, firsts[n - 1], title=f"T{n}.") for n in range(1, 6)])
    [run] = run_changes(root, limit=2)
    assert run.total == 5 and [c.record["id"] for c in run.changes] == ["0000001", "0000002"]


def test_a_related_diff_of_reordered_links_says_so() -> None:
    diff = FieldDiff("related")
    assert (
        render_diffs([diff], "plain")[1] == "  the same links, in another order or with other cards"
    )
