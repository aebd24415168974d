"""Every command and code block of ``README.md`` and ``docs/*.md`` runs, as a reader runs them.

Per page, in the page's order (one test per block, named ``<page>-<index>-<language>``):

- ```` ```console ````: each line starting with ``$ `` is a command (a line ending in ``\\``
  goes on on the next one); the lines after it, up to the next command, are its output as
  shown. A page's commands run in one bash session, so ``&``, ``$!``, ``wait`` and ``kill %1``
  work as in a terminal. A command must exit 0, or N where ``<!-- exit: N -->`` is the line
  right before its block (such a block holds one command). Output shown must appear in what
  the command printed (stdout and stderr), whole lines in order, ``...`` standing for any text.
- ```` ```python ````: executed in this process, one namespace per page, from the page's folder.
- ```` ```sql ````: DuckDB queries from the page's folder; each must return rows.
- ```` ```text ````, ```` ```json ```` and ```` ```cron ```` show output, files and
  configuration, and are not run. Any other fence (``sh``, ``bash``, none) fails
  ``test_every_block_is_console_python_sql_or_shown``, so no shell block goes unrun.

A block runs after the page's earlier blocks (run first if they have not been: ``-k`` works),
and is skipped if one of them failed.

The page's folder is a checkout as a reader has one: the project's top-level files copied
(``scrapy.cfg``, ``Makefile``, ``pyproject.toml``: ``scrapyd-deploy`` and ``make`` read them),
its code folders linked (``crawler/``, ``bench/``...), ``data/sample_site`` linked, and no
archive, state or ``tests/`` folder: each page starts from nothing and crawls what it needs.
The environment: this suite's virtualenv first on ``PATH``, ``PYTHONPATH`` this checkout (so
console scripts such as ``evergreen-extract`` import its ``crawler``, not an installed one),
``SCRAPY_SETTINGS_MODULE=crawler.settings``, ``HOME`` inside the folder (no user's
``~/.scrapy.cfg`` or ``~/.scrapyd.conf``), and no proxy for loopback.

Ports: the pages serve the sample site on 8765, Redis on 6379, Scrapyd on 6800, Datasette
on 8001 and pywb (``scrapy replay``) on 8090, and name 8766 where nothing listens. Each page's
session gets free ports instead, written into its commands, their shown output and the copied
``scrapy.cfg`` (Scrapyd's deploy target); ``SCRAPYD_HTTP_PORT`` gives Scrapyd its own. After a
command started with ``&`` that serves one of them (``SERVES``), the session waits until the
port accepts connections: a reader types more slowly than a server starts.

``make``: every target creates ``.venv`` and installs from PyPI, and ``make test`` is this
suite, so a ``make`` command runs as ``make -n`` (the target exists and its recipe expands).
``NOT_RUN`` names the commands that are not run at all, each with its reason.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb
import pytest

from tests.redis_server import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN = ("console", "python", "sql")
SHOWN = ("text", "json", "cron")
#: Commands shown but not run, each with its reason.
NOT_RUN = {
    "python bench/bench_revisit.py --articles 3000 --skip-large": (
        "three weeks of daily crawls of a 3,000-article site: minutes, and the articles it "
        "edits and removes need more than 2,100"
    ),
}
#: The ports the pages use, each replaced by a free one per page: the sample site, a port
#: nothing listens on, Redis, Scrapyd, Datasette, pywb.
DOC_PORTS = ("8765", "8766", "6379", "6800", "8001", "8090")
#: Programs that, started with ``&``, serve a port the next command needs.
SERVES = {
    "sample_site": "8765",
    "redis-server": "6379",
    "scrapyd": "6800",
    "datasette": "8001",
    "scrapy replay": "8090",
}
#: Not linked into a page's folder: the checkout's own data, tests and build leftovers.
NOT_LINKED = {"data", "tests", "build", "__pycache__"}
COMMAND_TIMEOUT = 120.0
SERVER_TIMEOUT = 30.0
EXIT = re.compile(r"<!-- exit: (\d+) -->")


@dataclass(frozen=True)
class Command:
    text: str
    output: tuple[str, ...]

    @property
    def background(self) -> bool:
        return re.search(r"(?<!&)&\s*$", self.text) is not None


@dataclass(frozen=True)
class Block:
    page: Path
    index: int
    language: str
    code: str
    line: int
    exit_status: int = 0

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}-{self.index}-{self.language or 'none'}"

    @property
    def commands(self) -> tuple[Command, ...]:
        return parse_console(self.code)


def parse_blocks(page: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, each with the exit status its annotation gives."""
    blocks: list[Block] = []
    lines = page.read_text("utf-8").splitlines()
    opened: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(lines, 1):
        if opened is None and line.startswith("```"):
            opened, body = (number, line[3:].strip()), []
        elif opened is not None and line.rstrip() == "```":
            start, language = opened
            before = EXIT.fullmatch(lines[start - 2].strip()) if start > 1 else None
            blocks.append(
                Block(
                    page,
                    len(blocks),
                    language,
                    "\n".join(body) + "\n",
                    start,
                    int(before.group(1)) if before else 0,
                )
            )
            opened = None
        elif opened is not None:
            body.append(line)
    if opened is not None:
        raise AssertionError(f"{page}:{opened[0]}: the fence is never closed")
    return blocks


def parse_console(code: str) -> tuple[Command, ...]:
    commands: list[Command] = []
    lines = code.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        assert line.startswith("$ "), f"output before the first command: {line!r}"
        text = [line[2:]]
        while text[-1].endswith("\\"):
            i += 1
            text.append(lines[i])
        i += 1
        output: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            if lines[i].strip():
                output.append(lines[i].rstrip())
            i += 1
        commands.append(Command("\n".join(text), tuple(output)))
    return tuple(commands)


ALL_BLOCKS = [block for page in PAGES for block in parse_blocks(page)]
RUN_BLOCKS = [block for block in ALL_BLOCKS if block.language in RUN]


def wait_for_port(port: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", int(port)), 1):
            return True
        time.sleep(0.05)
    return False


def shown_output_found(shown: tuple[str, ...], printed: str) -> str | None:
    """``None`` if every shown line is a whole printed line, in order; else the first missing."""
    lines = iter(line.rstrip() for line in printed.splitlines())
    for expected in shown:
        pattern = re.compile(".*".join(re.escape(part) for part in expected.split("...")))
        if not any(pattern.fullmatch(line) for line in lines):
            return expected
    return None


def prepare_checkout(folder: Path, ports: dict[str, str]) -> None:
    """A folder that looks like the reader's checkout (see the module docstring)."""
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in NOT_LINKED:
            continue
        if entry.name.endswith(".egg-info"):
            continue
        if entry.is_dir():
            (folder / entry.name).symlink_to(entry, target_is_directory=True)
        else:
            shutil.copy2(entry, folder / entry.name)
    config = folder / "scrapy.cfg"
    config.write_text(substitute(config.read_text("utf-8"), ports), "utf-8")
    (folder / "data").mkdir()
    (folder / "data" / "sample_site").symlink_to(ROOT / "data" / "sample_site")


def substitute(text: str, ports: dict[str, str]) -> str:
    for doc_port, port in ports.items():
        text = re.sub(rf"\b{doc_port}\b", port, text)
    return text


def environment(folder: Path, ports: dict[str, str]) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("SCRAPY")  # SCRAPY_SETTINGS_MODULE, SCRAPYD_*: set below
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
    env["SCRAPYD_HTTP_PORT"] = ports["6800"]
    env["HOME"] = str(folder / ".home")
    env["XDG_CONFIG_HOME"] = str(folder / ".home" / ".config")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


class Shell:
    """One ``bash`` for a page's commands, in a process group of its own so that whatever it
    started in the background is stopped with it."""

    def __init__(self, cwd: Path, env: dict[str, str], spool: Path) -> None:
        self.spool = spool
        self.count = 0
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            text=True,
            start_new_session=True,
        )

    def run(self, command: str, timeout: float) -> tuple[int, str]:
        """Run ``command`` in the session; its exit status and what it printed so far."""
        self.count += 1
        out = self.spool / f"{self.count}.out"
        status = self.spool / f"{self.count}.status"
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        # Braces, not a subshell: cd, variables and jobs stay in the session. The command
        # reads /dev/null, never the rest of this script.
        stdin.write(
            f"{{\n{command}\n}} > {shlex.quote(str(out))} 2>&1 < /dev/null\n"
            f"echo $? > {shlex.quote(str(status))}.tmp; "
            f"mv {shlex.quote(str(status))}.tmp {shlex.quote(str(status))}\n"
        )
        stdin.flush()
        deadline = time.monotonic() + timeout
        while not status.exists():
            if self.process.poll() is not None:
                pytest.fail(f"the shell exited ({self.process.returncode}) running {command!r}")
            if time.monotonic() > deadline:
                pytest.fail(f"{command!r} still running after {timeout:.0f} s:\n{tail(out)}")
            time.sleep(0.02)
        return int(status.read_text().strip()), out.read_text("utf-8", errors="replace")

    def close(self) -> None:
        """SIGTERM to the session and its background jobs, SIGKILL to what is left."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 0.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            deadline = time.monotonic() + grace
            # poll() reaps the shell, which would otherwise keep the group alive as a zombie.
            while time.monotonic() < deadline and (
                self.process.poll() is None or group_alive(self.process.pid)
            ):
                time.sleep(0.05)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def tail(path: Path, chars: int = 4000) -> str:
    if not path.exists():
        return "(no output)"
    return path.read_text("utf-8", errors="replace")[-chars:]


@dataclass
class PageRun:
    """A page's folder, shell and Python namespace, and how far through its blocks it is."""

    page: Path
    folder: Path
    blocks: list[Block]
    ports: dict[str, str] = field(default_factory=dict)
    namespace: dict[str, Any] = field(default_factory=dict)
    done: int = 0
    failed: str | None = None
    shell: Shell | None = None

    def start(self) -> None:
        self.ports = {doc_port: str(free_port()) for doc_port in DOC_PORTS}
        spool = self.folder / "spool"
        for folder in (self.checkout, spool, self.checkout / ".home"):
            folder.mkdir()
        prepare_checkout(self.checkout, self.ports)
        self.shell = Shell(self.checkout, environment(self.checkout, self.ports), spool)
        self.namespace = {"__name__": "docs"}

    @property
    def checkout(self) -> Path:
        return self.folder / "checkout"

    def run_through(self, block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
        """Run the page's blocks before ``block`` (if not run yet), then ``block``."""
        # A failed block closed the shell; starting again would run later blocks on a page
        # whose earlier ones did not all run.
        if self.failed is not None:
            pytest.skip(f"an earlier block failed: {self.failed}")
        if self.shell is None:
            self.start()
        monkeypatch.chdir(self.checkout)
        while self.done <= block.index:
            current = self.blocks[self.done]
            try:
                if current.language in RUN:
                    self.run_block(current)
            except BaseException:
                self.failed = current.name
                self.close()
                raise
            self.done += 1
        if all(later.language not in RUN for later in self.blocks[self.done :]):
            self.close()

    def run_block(self, block: Block) -> None:
        where = f"{block.page.relative_to(ROOT)}:{block.line}"
        if block.language == "python":
            exec(compile(block.code, where, "exec"), self.namespace)
        elif block.language == "sql":
            relation = duckdb.sql(block.code)
            assert relation is not None and relation.fetchall(), f"{where}: no rows"
        else:
            commands = block.commands
            if block.exit_status:
                assert len(commands) == 1, f"{where}: an exit annotation covers one command"
            for command in commands:
                self.run_command(command, block.exit_status, where)

    def run_command(self, command: Command, expected_status: int, where: str) -> None:
        assert self.shell is not None
        if command.text in NOT_RUN:
            return
        text = substitute(command.text, self.ports)
        if re.match(r"make\b", text):
            text = "make -n" + text[len("make") :]
        status, printed = self.shell.run(text, COMMAND_TIMEOUT)
        report = f"{where}: $ {command.text}\nexit status {status}; output:\n{printed[-6000:]}"
        assert status == expected_status, report
        if command.background:
            for program, doc_port in SERVES.items():
                if program in command.text and not wait_for_port(
                    self.ports[doc_port], SERVER_TIMEOUT
                ):
                    pytest.fail(f"{where}: nothing listens on {doc_port} after {command.text!r}")
            return
        missing = shown_output_found(
            tuple(substitute(line, self.ports) for line in command.output), printed
        )
        assert missing is None, f"{report}\nnot printed: {missing!r}"

    def close(self) -> None:
        if self.shell is not None:
            self.shell.close()
            self.shell = None


@pytest.fixture(scope="session")
def page_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, PageRun]]:
    runs = {
        page: PageRun(
            page,
            tmp_path_factory.mktemp(page.stem.lower()),
            [block for block in ALL_BLOCKS if block.page == page],
        )
        for page in PAGES
    }
    try:
        yield runs
    finally:
        for run in runs.values():
            run.close()


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=[block.name for block in RUN_BLOCKS])
def test_block_runs(
    block: Block, page_runs: dict[Path, PageRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    page_runs[block.page].run_through(block, monkeypatch)


def test_every_block_is_console_python_sql_or_shown() -> None:
    unknown = [
        f"{block.page.relative_to(ROOT)}:{block.line} ```{block.language}"
        for block in ALL_BLOCKS
        if block.language not in RUN + SHOWN
    ]
    assert unknown == []


def test_exit_annotations_sit_right_before_console_blocks() -> None:
    annotated = sum(1 for page in PAGES for _ in EXIT.finditer(page.read_text("utf-8")))
    assert annotated == sum(
        1 for block in ALL_BLOCKS if block.exit_status and block.language == "console"
    )


def test_the_readme_starts_with_the_two_commands_and_is_short() -> None:
    readme = ROOT / "README.md"
    lines = readme.read_text("utf-8").splitlines()
    first = next(block for block in ALL_BLOCKS if block.page == readme)
    assert first.language == "console" and first.line <= 3, "the README opens with its commands"
    assert [command.text.split("#")[0].strip() for command in first.commands] == [
        "make demo",
        "make test",
    ]
    assert len(lines) <= 200


def test_not_run_commands_are_shown() -> None:
    shown = {c.text for block in RUN_BLOCKS if block.language == "console" for c in block.commands}
    assert set(NOT_RUN) <= shown, "NOT_RUN names a command no page shows"


LINK = re.compile(r"\]\(([^)\s]+)\)")


def headings(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings (outside fenced blocks)."""
    anchors: set[str] = set()
    fenced = False
    for line in page.read_text("utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#+ (.*)", line)):
            anchors.add(re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize(
    "page", [*PAGES, ROOT / "data" / "README.md"], ids=lambda page: str(page.relative_to(ROOT))
)
def test_links_lead_somewhere(page: Path) -> None:
    """Every relative link names a file of the checkout, and its anchor a heading there."""
    broken = []
    for target in LINK.findall(page.read_text("utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and anchor not in headings(linked)):
            broken.append(target)
    assert broken == []
