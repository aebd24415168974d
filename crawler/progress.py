"""Progress for a person watching: a bar on stderr when it is a terminal, nothing otherwise.

tqdm draws the bar (one line, redrawn in place). Under cron, Scrapyd, a pipe or a test's
captured output stderr is not a terminal and nothing is drawn: the output is what it would be
without this module. While a bar is shown, the log lines of the console's log handlers are
written above it (``tqdm.write``) rather than through it.

Long work takes a :data:`Progress` callback: ``progress(done, total)`` after each step, with
``done`` counted from the start (a ``done`` smaller than the last starts the count over: a
second pass over the same work) and ``total`` ``None`` while unknown. The archive's functions
take one as a plain parameter (they stay free of any terminal); a command gets one from
:func:`bar`::

    with bar("verify", "B", sizes=True) as progress:
        findings = verify(path, progress)
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, Never, TextIO

from tqdm import tqdm

#: ``progress(done, total)``: how much of the work is done, of how much (``None``: unknown).
Progress = Callable[[int, int | None], None]


def watching(stream: TextIO | None = None) -> bool:
    """Whether a person can see ``stream`` (``sys.stderr`` by default): it is a terminal."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def wanted(setting: object, name: str = "PROGRESS_ENABLED") -> bool:
    """A progress setting read: ``"auto"`` (or unset) shows progress only when
    :func:`watching`; a boolean, or its text as Scrapy reads one, forces it on or off.
    ``ValueError`` naming the setting for anything else.

    >>> wanted(False), wanted("0"), wanted("True")
    (False, False, True)
    """
    text = "" if setting is None else str(setting).strip()
    if text.lower() in ("", "auto"):
        return watching()
    if isinstance(setting, bool | int) or text in _BOOLEANS:
        return _BOOLEANS.get(text, bool(setting))
    raise ValueError(f"{name} must be auto, True or False, got {setting!r}")


#: The texts Scrapy's ``getbool`` takes.
_BOOLEANS = {"1": True, "True": True, "true": True, "0": False, "False": False, "false": False}


def open_bar(
    desc: str,
    unit: str,
    *,
    total: int | None = None,
    sizes: bool = False,
    bar_format: str | None = None,
) -> tqdm[Never]:
    """A bar on stderr (shown whether or not anyone watches: callers decide with
    :func:`wanted` or :func:`watching`). ``sizes`` shows counts of bytes as ``12.3MB``."""
    return tqdm(
        desc=desc,
        # "240 articles [00:01, 212.50 articles/s]", where tqdm would write "240articles".
        unit=unit if sizes else f" {unit}",
        total=total,
        file=sys.stderr,
        unit_scale=sizes,
        unit_divisor=1024 if sizes else 1000,
        # Follows the terminal's size as it is resized; tqdm draws nothing on a terminal that
        # reports none (a pty nobody sized, as `script` makes without a terminal of its own),
        # so that one is taken for $COLUMNS x $LINES, or 80 x 24.
        **_size(),
        mininterval=0.2,
        leave=True,
        bar_format=bar_format,
    )


def _size() -> dict[str, Any]:
    try:
        sized = os.get_terminal_size(sys.stderr.fileno()).columns > 0
    except (OSError, ValueError, AttributeError):
        sized = False
    if sized:
        return {"dynamic_ncols": True}
    columns, lines = shutil.get_terminal_size()
    return {"ncols": columns, "nrows": lines}


def follow(progress_bar: tqdm[Never]) -> Progress:
    """The :data:`Progress` callback that moves ``progress_bar``."""

    def progress(done: int, total: int | None) -> None:
        if done < progress_bar.n:
            progress_bar.reset(total)
        elif total != progress_bar.total:
            progress_bar.total = total
            progress_bar.refresh()
        progress_bar.update(done - progress_bar.n)

    return progress


@contextmanager
def bar(
    desc: str, unit: str, *, sizes: bool = False, show: bool | None = None
) -> Iterator[Progress | None]:
    """A :data:`Progress` callback drawing a bar, closed on leaving; ``None`` (nothing to call,
    nothing drawn) when no one is watching, or when ``show`` is ``False``.

    The bar is drawn from the first call on: work that fails before it starts (a folder that
    is not there) leaves its one error line alone."""
    if not (watching() if show is None else show):
        yield None
        return
    with ExitStack() as shown:
        yield _Drawn(shown, lambda total: open_bar(desc, unit, total=total, sizes=sizes))


class _Drawn:
    """A :data:`Progress` callback whose bar is opened, on ``shown``, when first called."""

    def __init__(self, shown: ExitStack, opener: Callable[[int | None], tqdm[Never]]) -> None:
        self.shown = shown
        self.opener = opener
        self.moved: Progress | None = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.moved is None:
            self.moved = follow(self.shown.enter_context(self.opener(total)))
            self.shown.enter_context(logs_above())
        self.moved(done, total)


class _AboveBars:
    """A stream for a log handler: each write goes above the bars on ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        tqdm.write(text, file=self.stream, end="")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def _console_handlers() -> list[logging.StreamHandler[Any]]:
    """The root's handlers that write to the terminal (Scrapy's, without ``LOG_FILE``)."""
    return [
        handler
        for handler in logging.root.handlers
        if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stderr, sys.stdout)
    ]


@contextmanager
def logs_above() -> Iterator[None]:
    """Console log lines written above the bars while they are shown.

    Not tqdm's ``logging_redirect_tqdm``: that swaps the handlers for its own, dropping their
    level and filters (Scrapy's root handler carries ``LOG_LEVEL`` and ``LOG_SHORT_NAMES``), so
    a crawl at ``LOG_LEVEL=INFO`` would print its debug lines. Here each handler is kept and
    only its stream is swapped, then given back."""
    swapped = [
        (handler, handler.setStream(_AboveBars(handler.stream))) for handler in _console_handlers()
    ]
    try:
        yield
    finally:
        for handler, stream in swapped:
            if stream is not None:
                handler.setStream(stream)
