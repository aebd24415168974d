"""Scrapyd end to end: deploy with scrapyd-deploy, schedule a ``site`` crawl, find the archive.

``scrapyd`` runs on 127.0.0.1 and a free port from the virtualenv this suite runs in, with its
own configuration, eggs, logs and databases in a temporary folder, in a process group of its
own so the crawl it spawns is stopped with it. ``scrapyd-deploy`` builds the egg beside
``scrapy.cfg`` and leaves a ``setup.py`` and build folders there, so it runs in a copy of the
project: the checkout's ``scrapy.cfg`` unchanged plus a ``[deploy:test]`` target naming the
test's Scrapyd, which inherits ``project`` from ``[deploy]``. The copy holds every package of the
checkout (``crawler``, and the dev tooling ``sample_site`` and ``tests``), which the generated
``setup.py``'s ``find_packages()`` would all put in the egg: pyproject.toml's
``[tool.setuptools.packages.find]`` overrides it, and the test checks the egg holds the crawler
only. The crawl is scheduled through the HTTP API, as an operator would with curl.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from crawler.archive.verify import verify
from sample_site.expected import site_summary
from sample_site.server import SampleSite
from tests.folders import archive_folders

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROJECT = "crawler"
#: How long the crawl of the sample site may take under Scrapyd (it takes a few seconds).
JOB_TIMEOUT = 120.0

pytestmark = pytest.mark.e2e

#: Direct connections only: a proxy from the environment must not carry 127.0.0.1 requests.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tail(path: Path, chars: int = 6000) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    text = path.read_text(encoding="utf-8", errors="replace")
    return f"--- {path} (last {chars} characters) ---\n{text[-chars:]}"


def isolated_env(home: Path) -> dict[str, str]:
    """The environment for scrapyd and scrapyd-deploy: no user configuration, no proxy."""
    env = dict(os.environ)
    # Each would override what the test configures (Scrapyd's port, the egg's settings module).
    for name in ("SCRAPYD_BIND_ADDRESS", "SCRAPYD_HTTP_PORT", "SCRAPYD_UNIX_SOCKET_PATH"):
        env.pop(name, None)
    for name in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "SCRAPYD_EGG_VERSION"):
        env.pop(name, None)
    # ~/.scrapyd.conf, ~/.scrapy.cfg, $XDG_CONFIG_HOME/scrapy.cfg and ~/.netrc are read too.
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


class Scrapyd:
    """A ``scrapyd`` process whose files all live under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.home = folder / "home"
        self.logs_dir = folder / "logs"
        self.eggs_dir = folder / "eggs"
        self.daemon_log = folder / "scrapyd.log"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, attempts: int = 3) -> None:
        """Start on a free port; another attempt on another port if that one was taken."""
        self.home.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts):
            self.port = free_port()
            if self._start_once():
                return
        pytest.fail(f"scrapyd did not start\n{tail(self.daemon_log)}")

    def _start_once(self) -> bool:
        # Scrapyd reads ./scrapyd.conf from its working directory (after /etc/scrapyd/...).
        (self.folder / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {self.eggs_dir}\n"
            f"logs_dir = {self.logs_dir}\n"
            "items_dir =\n"
            "jobs_dir =\n"
            f"dbs_dir = {self.folder / 'dbs'}\n"
            "jobs_to_keep = 5\n"
            "max_proc = 1\n"
            "poll_interval = 0.2\n",
            encoding="utf-8",
        )
        with self.daemon_log.open("ab") as log:
            self._process = subprocess.Popen(
                [str(BIN / "scrapyd")],
                cwd=self.folder,
                env=isolated_env(self.home),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its crawls join its process group
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return False
            try:
                if get_json(self.url + "daemonstatus.json", timeout=2)["status"] == "ok":
                    return True
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        return False

    def job_outcome(self, job: str, timeout: float = 10) -> str:
        """Scrapyd's log line on how the job's process ended ("Process finished: ...")."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.daemon_log.read_text(encoding="utf-8", errors="replace").splitlines():
                if f"job='{job}'" in line and (
                    "Process finished:" in line or "Process died:" in line
                ):
                    return line[line.index("Process ") :]
            if time.monotonic() > deadline:
                return f"(no line on how job {job} ended)"
            time.sleep(0.1)

    def check_running(self) -> None:
        assert self._process is not None and self._process.poll() is None, (
            f"scrapyd exited\n{tail(self.daemon_log)}"
        )

    def stop(self) -> None:
        """SIGTERM to Scrapyd and any crawl it runs, then SIGKILL to whatever is left."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # Scrapyd if still up, a crawl it left behind
        process.wait(timeout=10)


def get_json(url: str, timeout: float = 10) -> dict[str, Any]:
    with _OPENER.open(url, timeout=timeout) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def post_json(url: str, fields: list[tuple[str, str]], timeout: float = 30) -> dict[str, Any]:
    request = urllib.request.Request(url, data=urlencode(fields).encode("ascii"), method="POST")
    with _OPENER.open(request, timeout=timeout) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    folder = tmp_path / "scrapyd"
    folder.mkdir()
    daemon = Scrapyd(folder)
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.stop()


def project_copy(dest: Path, scrapyd_url: str) -> Path:
    """The top-level files, every top-level package (what ``find_packages()`` finds in the
    checkout: the crawler and the dev tooling beside it) and a test target."""
    dest.mkdir()
    for entry in ROOT.iterdir():
        if entry.is_file():
            shutil.copy2(entry, dest / entry.name)
        elif (entry / "__init__.py").is_file():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(entry, dest / entry.name, ignore=ignore)
    assert {"crawler", "sample_site", "tests"} <= {entry.name for entry in dest.iterdir()}
    with (dest / "scrapy.cfg").open("a", encoding="utf-8") as cfg:
        cfg.write(f"\n[deploy:test]\nurl = {scrapyd_url}\n")
    return dest


def test_the_default_deploy_target_is_a_local_scrapyd() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "scrapy.cfg", encoding="utf-8")
    assert cfg["settings"]["default"] == "crawler.settings"
    assert dict(cfg["deploy"]) == {"url": "http://localhost:6800/", "project": PROJECT}


def test_deploy_schedule_and_find_the_archive(scrapyd: Scrapyd, tmp_path: Path) -> None:
    project = project_copy(tmp_path / "project", scrapyd.url)
    deployed = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "test"],
        cwd=project,
        env=isolated_env(scrapyd.home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # scrapyd-deploy exits 0 even when Scrapyd refuses the egg: its answer says so.
    output = f"{deployed.stdout}\n{deployed.stderr[-4000:]}\n{tail(scrapyd.daemon_log)}"
    assert deployed.returncode == 0, output
    assert json.loads(deployed.stdout)["status"] == "ok", output
    assert PROJECT in get_json(scrapyd.url + "listprojects.json")["projects"]
    spiders = get_json(scrapyd.url + f"listspiders.json?project={PROJECT}")["spiders"]
    assert "site" in spiders, spiders

    # The egg: the crawler package with its data, Scrapyd's settings entry point, nothing else:
    # no sample site, demo or tests, though the project folder holds them as packages.
    [egg] = (scrapyd.eggs_dir / PROJECT).glob("*.egg")
    with zipfile.ZipFile(egg) as contents:
        names = set(contents.namelist())
        entry_points = contents.read("EGG-INFO/entry_points.txt").decode("utf-8")
    assert {"crawler/settings.py", "crawler/py.typed", "crawler/spiders/site.py"} <= names
    assert not [name for name in names if name.startswith(("sample_site/", "tests/"))]
    assert {name.split("/")[0] for name in names} == {"crawler", "EGG-INFO"}
    assert "[scrapy]\nsettings = crawler.settings" in entry_points

    archive, state = tmp_path / "archive", tmp_path / "state"
    with SampleSite() as site:
        scheduled = post_json(
            scrapyd.url + "schedule.json",
            [
                ("project", PROJECT),
                ("spider", "site"),
                ("start_url", site.base_url),
                ("setting", f"ARCHIVE_DIR={archive}"),
                ("setting", f"STATE_DIR={state}"),
                ("setting", "AUTOTHROTTLE_ENABLED=False"),
            ],
        )
        assert scheduled["status"] == "ok", scheduled
        job = scheduled["jobid"]
        job_log = scrapyd.logs_dir / PROJECT / "site" / f"{job}.log"
        deadline = time.monotonic() + JOB_TIMEOUT
        while True:
            scrapyd.check_running()
            jobs = get_json(scrapyd.url + f"listjobs.json?project={PROJECT}")
            if any(finished["id"] == job for finished in jobs["finished"]):
                break
            assert time.monotonic() < deadline, (
                f"job {job} not finished after {JOB_TIMEOUT:.0f} s: {jobs}\n{tail(job_log)}"
            )
            time.sleep(0.2)

    logs = f"{tail(job_log)}\n{tail(scrapyd.daemon_log)}"
    # "Process died: exitstatus=N" for a crawl exiting non-zero (bad input, an alarm).
    assert scrapyd.job_outcome(job).startswith("Process finished:"), logs
    runs = archive_folders(archive)
    assert len(runs) == 1, logs
    [run_dir] = runs
    assert (run_dir / "manifest.json").exists(), logs
    manifest = json.loads((run_dir / "manifest.json").read_bytes())
    assert manifest["finish_reason"] == "finished", logs
    assert manifest["counts"]["articles_written"] == len(site_summary()["archived_ids"]), logs
    assert verify(run_dir) == [], logs
