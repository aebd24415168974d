"""``make demo`` as a user runs it (``python -m sample_site.demo`` from the project folder): it
says the sample site's broken pages are deliberate before the crawl warns about them, and the
commands it names last each work as printed."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from sample_site.demo import NEXT_COMMANDS, forewarning, next_steps
from sample_site.expected import site_summary
from tests.commands.as_typed import environment, project_folder, scrapy

pytestmark = pytest.mark.e2e

#: The crawl's warnings about the sample site's traps: its 404s and the pages that are not
#: articles.
TRAP = re.compile(
    r".* WARNING: (page failed \(404\): .*|Dropped invalid article .*: missing_(title|body))"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    project = project_folder(tmp_path_factory.mktemp("demo"))
    result = subprocess.run(
        [sys.executable, "-m", "sample_site.demo"],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return project, result


def test_the_broken_pages_are_said_to_be_deliberate(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _project, result = demo
    lines = result.stdout.splitlines()
    assert lines[0] == forewarning(site_summary())
    assert "on purpose" in lines[0] and "those warnings are expected" in lines[0]
    warnings = [line for line in result.stderr.splitlines() if " WARNING: " in line]
    assert len(warnings) == 10
    assert [line for line in warnings if not TRAP.fullmatch(line)] == []
    assert "  every page that failed and item dropped was one of the site's traps" in lines


def test_it_ends_with_the_next_commands(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _project, result = demo
    lines = result.stdout.splitlines()
    assert lines[-len(NEXT_COMMANDS) - 1 :] == next_steps()
    assert [command.split()[1] for command, _what in NEXT_COMMANDS] == [
        "report",
        "verify",
        "export",
    ]


@pytest.mark.parametrize(
    ("command", "line"),
    list(
        zip(
            [command for command, _what in NEXT_COMMANDS],
            [
                "1 run(s) in data/archive",
                "verify: 1 run(s) in data/archive OK",
                "export: 240 articles -> articles.csv (csv)",
            ],
            strict=True,
        )
    ),
)
def test_each_next_command_works_as_printed(
    demo: tuple[Path, subprocess.CompletedProcess[str]], command: str, line: str
) -> None:
    project, _result = demo
    program, *args = shlex.split(command)
    assert program == "scrapy"
    result = scrapy(project, *args)
    assert (result.returncode, result.stderr) == (0, "")
    assert line in result.stdout.splitlines()
