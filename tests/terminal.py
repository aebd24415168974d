"""Commands run as a person at a terminal runs them: stderr on a pseudo-terminal of a set size
(stdout stays a pipe), and what that terminal would show.

Used by the progress tests, which check that a bar is drawn there and nowhere else.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class OnTerminal:
    returncode: int
    stdout: str
    #: Everything written to the terminal, control characters included (the terminal turns
    #: each "\n" into "\r\n"; here they are "\n" again).
    written: str

    def rows(self) -> list[str]:
        """The terminal's rows as they were left: each "\r" returns to the start of the row,
        and what follows overwrites what was there."""
        shown = []
        for line in self.written.split("\n"):
            row = ""
            for part in line.split("\r"):
                row = part + row[len(part) :]
            shown.append(row.rstrip())
        return shown


def run_on_terminal(args: Sequence[str], *, columns: int = 160, timeout: float = 120) -> OnTerminal:
    """Run ``args`` from the project folder with stderr on a ``columns``-wide terminal."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: every writer of the terminal has closed it
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        process = subprocess.Popen(
            list(args), cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal
        )
    finally:
        os.close(terminal)  # the child holds it now: the reader sees EIO once the child exits
    try:
        stdout, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    finally:
        reader.join(timeout=10)
        os.close(controller)
    written = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return OnTerminal(process.returncode, stdout.decode("utf-8"), written)
