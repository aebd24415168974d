"""What ``scrapy search`` and ``scrapy history`` share: the archive they read (``--archive DIR``,
else the ``ARCHIVE_DIR`` setting, as ``scrapy report`` reads it), and whether stdout is a
terminal that takes colours."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from scrapy.settings import BaseSettings


def add_archive_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--archive",
        metavar="DIR",
        type=Path,
        help="the archive folder (default: the ARCHIVE_DIR setting, data/archive)",
    )


def archive_dir(opts: argparse.Namespace, settings: BaseSettings | None) -> Path:
    if opts.archive is not None:
        return Path(opts.archive)
    assert settings is not None
    return Path(settings.get("ARCHIVE_DIR", "data/archive"))


def colour_terminal() -> bool:
    """Whether stdout is a terminal and ``NO_COLOR`` (no-color.org) is not set."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
