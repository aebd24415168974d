"""``crawler.progress``: bars only for a person watching, and log lines kept above them."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest

from crawler.progress import bar, logs_above, open_bar, wanted, watching


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


# Not fixtures: pytest puts its own capture back on sys.stderr between setup and the test.
def on_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    return screen


def on_pipe(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    return pipe


def test_a_terminal_is_watched_and_a_pipe_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    on_terminal(monkeypatch)
    assert watching()
    assert not watching(io.StringIO())


@pytest.mark.parametrize("setting", [None, "", "auto", "AUTO"])
def test_auto_follows_the_terminal(setting: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    on_terminal(monkeypatch)
    assert wanted(setting)
    on_pipe(monkeypatch)
    assert not wanted(setting)


@pytest.mark.parametrize(
    ("setting", "shown"),
    [(True, True), ("True", True), ("1", True), (False, False), ("false", False), ("0", False)],
)
def test_true_and_false_force_it_whoever_watches(
    setting: object, shown: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_pipe(monkeypatch)
    assert wanted(setting) is shown


def test_anything_else_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="PROGRESS_ENABLED must be auto, True or False"):
        wanted("sometimes")


def test_no_bar_and_no_output_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = on_pipe(monkeypatch)
    with bar("verify", "B") as progress:
        assert progress is None
    assert piped.getvalue() == ""


def test_a_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    with bar("export", "articles") as progress:
        assert progress is not None
        for done in range(1, 4):
            progress(done, 3)
    shown = terminal.getvalue()
    assert "\r" in shown
    assert "export: 100%" in shown
    assert "3/3" in shown


def test_the_bar_is_drawn_only_once_work_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    with bar("export", "articles"):
        pass
    assert terminal.getvalue() == ""


def test_an_unknown_total_counts_then_a_smaller_count_starts_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = on_terminal(monkeypatch)
    with bar("export", "articles") as progress:
        assert progress is not None
        progress(5, None)
        progress(1, 5)
        progress(5, 5)
    shown = terminal.getvalue()
    assert "export: 0 articles [" in shown  # counting, with no total
    assert "export: 100%" in shown
    assert "5/5" in shown


def test_a_bar_on_a_terminal_that_reports_no_size_is_drawn_at_80_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = on_terminal(monkeypatch)
    monkeypatch.delenv("COLUMNS", raising=False)
    with open_bar("crawl", "articles", total=10) as drawn:
        assert drawn.ncols == 80
        drawn.update(10)
    assert "10/10" in terminal.getvalue()


@pytest.fixture
def console_log() -> Iterator[logging.StreamHandler[io.StringIO]]:
    """A console handler on the root logger at WARNING, as Scrapy's is without LOG_FILE (its
    stream is set to the test's stderr by the test)."""
    handler = logging.StreamHandler(io.StringIO())
    handler.setLevel(logging.WARNING)
    logging.root.addHandler(handler)
    yield handler
    logging.root.removeHandler(handler)


def test_log_lines_go_above_the_bar_with_the_handlers_level_kept(
    console_log: logging.StreamHandler[io.StringIO], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = on_terminal(monkeypatch)
    console_log.setStream(terminal)
    log = logging.getLogger("tests.progress")
    with open_bar("crawl", "articles", total=10) as drawn, logs_above():
        drawn.update(4)
        log.info("not shown: below the handler's level")
        log.warning("page failed (404)")
    shown = terminal.getvalue()
    before, after = shown.split("page failed (404)\n")
    # The bar was cleared ("\r", blanks, "\r") before the line, and drawn again after it.
    assert before.endswith("\r")
    assert "crawl:" in before
    assert "4/10" in after
    assert "not shown" not in shown
    assert console_log.stream is terminal
