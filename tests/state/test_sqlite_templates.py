"""The SQLite state keeps the learned templates: one in use, the history behind it."""

from __future__ import annotations

from crawler.state.sqlite import SQLiteState


def test_a_new_template_replaces_the_one_in_use_and_the_history_stays(
    crawl_state: SQLiteState,
) -> None:
    assert crawl_state.templates() == []
    first = crawl_state.add_template('{"format": 1}', "2026-03-01T03:00:00Z", "site-1")
    second = crawl_state.add_template('{"format": 1, "x": 2}', "2026-03-02T03:00:00Z", None)
    history = crawl_state.templates()
    assert [(t.id, t.active) for t in history] == [(first.id, False), (second.id, True)]
    assert history[0].run_dir == "site-1" and history[1].text == '{"format": 1, "x": 2}'


def test_reset_leaves_no_template_in_use(crawl_state: SQLiteState) -> None:
    crawl_state.add_template("{}", "2026-03-01T03:00:00Z", None)
    crawl_state.reset_templates()
    assert [t.active for t in crawl_state.templates()] == [False]


def test_the_templates_survive_reopening(crawl_state: SQLiteState) -> None:
    crawl_state.add_template("{}", "2026-03-01T03:00:00Z", "site-1")
    crawl_state.commit()
    folder = crawl_state.folder
    crawl_state.close()
    reopened = SQLiteState(folder)
    try:
        assert [t.run_dir for t in reopened.templates()] == ["site-1"]
    finally:
        reopened.close()
