"""Publishing files so that a reader never sees a half-written file under its final name.

Every archive file is written as ``<name>.open``, flushed and fsynced, then renamed: a rename
within one directory is atomic on POSIX, so the final name appears only with complete content.
The directory is fsynced after the rename so the new name itself survives a power cut.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Suffix of a file still being written; never part of a finished archive.
OPEN_SUFFIX = ".open"


def open_path(final: Path) -> Path:
    """Where ``final`` is written before it is published.

    >>> open_path(Path("run/manifest.json")).as_posix()
    'run/manifest.json.open'
    """
    return final.with_name(final.name + OPEN_SUFFIX)


def fsync_dir(directory: Path) -> None:
    """Make renames and new entries in ``directory`` durable."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except (IsADirectoryError, PermissionError):  # pragma: no cover - Windows cannot open dirs
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(tmp: Path, final: Path) -> None:
    """Rename the complete, fsynced ``tmp`` to ``final`` and make the rename durable.

    Refuses to replace an existing ``final``: the archive is append-only, and POSIX ``rename``
    would otherwise overwrite it silently.
    """
    if final.exists():
        raise FileExistsError(f"refusing to overwrite {final}")
    tmp.rename(final)
    fsync_dir(final.parent)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` exists only with all of ``data`` in it."""
    tmp = open_path(path)
    # "x": two writers aiming at one name is a bug to surface, not a race to lose silently.
    with tmp.open("xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    publish(tmp, path)


def atomic_replace(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, replacing any file there, so that a reader sees the old
    content or all of the new, never a part (for derived files such as reports, which are
    regenerated; archive files use :func:`atomic_write`, which never replaces)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=OPEN_SUFFIX, dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o644)  # mkstemp's 0600 would hide the report from everyone else
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
