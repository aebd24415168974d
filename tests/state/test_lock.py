"""One crawl per state folder: a live holder refuses others, a killed one leaves no lock."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crawler.state.lock import StateBusy, StateLock, state_busy

HOLD = "import sys, time; from pathlib import Path; from crawler.state.lock import StateLock; "
HOLD += "StateLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(60)"


@contextmanager
def held_in_another_process(folder: Path) -> Iterator[subprocess.Popen[str]]:
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        try:
            yield holder
        finally:
            holder.kill()


def test_a_live_holder_refuses_others_and_is_named(tmp_path: Path) -> None:
    with held_in_another_process(tmp_path) as holder:
        with pytest.raises(StateBusy, match=f"pid {holder.pid}"):
            StateLock(tmp_path).acquire()
        assert f"pid {holder.pid}" in (state_busy(tmp_path) or "")


def test_a_killed_holder_leaves_the_folder_free(tmp_path: Path) -> None:
    with held_in_another_process(tmp_path) as holder:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert state_busy(tmp_path) is None
    with StateLock(tmp_path) as taken:
        assert taken.held
