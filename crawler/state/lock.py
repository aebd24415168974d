"""One crawl per state folder at a time.

The lock is an advisory ``flock`` on ``<state dir>/lock``, which the kernel releases when the
process exits however it exits (``kill -9`` included): a dead crawl never leaves a stale lock
behind, and a live one always refuses a second. The file names its holder, for the message.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from crawler.state import StateError

LOCK_FILE = "lock"


class StateBusy(StateError):
    """Another process holds the state folder."""


class StateLock:
    """Exclusive hold of a state folder for as long as the lock is open.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with StateLock(folder):
    ...     StateLock(folder).acquire()
    Traceback (most recent call last):
    crawler.state.lock.StateBusy: ...
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise StateBusy(
                f"STATE_DIR {str(self.path.parent)!r} is in use by another crawl ({holder}); "
                "wait for it to finish, or give this crawl another STATE_DIR"
            ) from None
        os.ftruncate(fd, 0)
        started = datetime.now(UTC).replace(microsecond=0).isoformat()
        os.write(fd, f"pid {os.getpid()}, started {started}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            # Closing the descriptor drops the flock; the file stays, naming the last holder.
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def state_busy(folder: Path) -> str | None:
    """Why a crawl could not take ``folder`` now, or ``None`` if it could (checked by taking
    and releasing the lock, so the answer holds only for that instant)."""
    lock = StateLock(folder)
    try:
        lock.acquire()
    except StateBusy as exc:
        return str(exc)
    lock.release()
    return None
