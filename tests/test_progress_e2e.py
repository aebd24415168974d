"""Progress as a person sees it: real commands with stderr on a terminal show a line or a bar,
the same commands with stderr on a pipe (cron, Scrapyd, a test) print nothing of it.

A generated 40-article site with a sitemap is crawled twice, once on a terminal and once on a
pipe; verify, export and reparse then run both ways on the first crawl's archive.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sample_site.large import LargeSite
from tests.folders import archive_folders
from tests.terminal import ROOT, OnTerminal, run_on_terminal

ARTICLES = 40
#: A log line as Scrapy writes it: it starts its row.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[\w.]+\] (DEBUG|INFO|WARNING|ERROR): ")
#: What a progress line or bar shows; none of it may reach a pipe.
PROGRESS_TEXT = ("\r", "%|", "articles [", "req/s", "records/s", "B/s")


def scrapy(*args: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", *args]


def crawl(site: LargeSite, work: Path) -> list[str]:
    settings = {
        "ARCHIVE_DIR": work / "archive",
        "STATE_DIR": work / "state",
        "AUTOTHROTTLE_ENABLED": False,
        "BOT_CONTACT": "mailto:a@b.example",
        # Scrapy's log on the terminal too, to be written above the line.
        "LOG_LEVEL": "INFO",
    }
    command = scrapy("crawl", "site", "-a", f"start_url={site.base_url}")
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def piped(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@dataclass(frozen=True)
class Crawls:
    terminal: OnTerminal
    pipe: subprocess.CompletedProcess[str]
    work: Path

    @property
    def archive(self) -> Path:
        return self.work / "terminal" / "archive"


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Crawls:
    work = tmp_path_factory.mktemp("progress")
    with LargeSite(ARTICLES) as site:
        terminal = run_on_terminal(crawl(site, work / "terminal"))
        pipe = piped(crawl(site, work / "pipe"))
    return Crawls(terminal, pipe, work)


def progress_rows(shown: OnTerminal, name: str) -> list[str]:
    return [row for row in shown.rows() if row.startswith(f"{name}: ")]


def test_a_crawl_on_a_terminal_ends_its_line_at_100_percent_of_what_the_sitemap_listed(
    crawls: Crawls,
) -> None:
    assert crawls.terminal.returncode == 0, crawls.terminal.written[-3000:]
    [run] = archive_folders(crawls.archive)
    manifest = json.loads((run / "manifest.json").read_bytes())
    # The site's about, contact and privacy links answer 404: pages, not articles.
    failed = sum(manifest["counts"]["pages_failed"].values())
    last = progress_rows(crawls.terminal, "crawl")[-1]
    assert re.fullmatch(
        rf"crawl: 100%\|█+\| {ARTICLES}/{ARTICLES} articles \[\d\d:\d\d<\d\d:\d\d\], "
        rf"{ARTICLES} new, 0 changed, 0 unchanged, {failed} failed; \d+ pages, \d+\.\d req/s",
        last,
    ), last


def test_scrapys_log_lines_are_written_above_the_line_not_through_it(crawls: Crawls) -> None:
    rows = crawls.terminal.rows()
    logged = [row for row in rows if re.search(r" (INFO|WARNING): ", row)]
    assert any("Closing spider (finished)" in row for row in logged)
    for row in logged:
        assert LOG_LINE.match(row), row
        assert "articles [" not in row, row


def test_the_crawl_summary_follows_the_line(crawls: Crawls) -> None:
    rows = crawls.terminal.rows()
    summary = next(i for i, row in enumerate(rows) if row.startswith("run site-"))
    assert f"finished: {ARTICLES} new" in rows[summary]
    assert not any(row.startswith("crawl: ") for row in rows[summary:])


def test_a_crawl_on_a_pipe_prints_no_progress(crawls: Crawls) -> None:
    assert crawls.pipe.returncode == 0, crawls.pipe.stderr[-3000:]
    assert "Closing spider (finished)" in crawls.pipe.stderr
    for text in PROGRESS_TEXT:
        assert text not in crawls.pipe.stderr
    logged = [line for line in crawls.pipe.stderr.splitlines() if line.startswith("20")]
    assert logged
    assert all(LOG_LINE.match(line) for line in logged)


def test_verify_shows_a_bar_over_the_bytes_on_a_terminal_only(crawls: Crawls) -> None:
    command = scrapy("verify", str(crawls.archive))
    terminal, pipe = run_on_terminal(command), piped(command)

    assert terminal.returncode == pipe.returncode == 0
    assert terminal.stdout == pipe.stdout == f"verify: 1 run(s) in {crawls.archive} OK\n"
    last = progress_rows(terminal, "verify")[-1]
    assert re.fullmatch(r"verify: 100%\|█+\| ([\d.]+[kM]?)/\1 \[.*B/s\]", last), last
    assert pipe.stderr == ""


def test_export_shows_a_bar_over_the_articles_on_a_terminal_only(
    crawls: Crawls, tmp_path: Path
) -> None:
    out = tmp_path / "articles.csv"
    command = scrapy("export", str(crawls.archive), "--format", "csv", "--out", str(out))
    terminal, pipe = run_on_terminal(command), piped(command)

    assert terminal.returncode == pipe.returncode == 0
    assert terminal.stdout == pipe.stdout == f"export: {ARTICLES} articles -> {out} (csv)\n"
    last = progress_rows(terminal, "export")[-1]
    assert re.fullmatch(rf"export: 100%\|█+\| {ARTICLES}/{ARTICLES} \[.* articles/s\]", last)
    assert pipe.stderr == ""


def test_reparse_shows_a_bar_over_the_records_on_a_terminal_only(
    crawls: Crawls, tmp_path: Path
) -> None:
    [run] = archive_folders(crawls.archive)
    runs = {way: shutil.copytree(run, tmp_path / way / run.name) for way in ("terminal", "pipe")}

    terminal = run_on_terminal(scrapy("reparse", str(runs["terminal"])))
    pipe = piped(scrapy("reparse", str(runs["pipe"])))

    assert terminal.returncode == pipe.returncode == 0, terminal.written
    # The same lines but for the reparse folder's time of creation.
    made = re.compile(r"(reparse-site-\d{8}T\d{6}Z)-\d{8}T\d{6}Z")
    assert made.sub(r"\1", terminal.stdout.replace("terminal", "pipe")) == made.sub(
        r"\1", pipe.stdout
    )
    last = progress_rows(terminal, "reparse")[-1]
    assert re.fullmatch(rf"reparse: 100%\|█+\| {ARTICLES}/{ARTICLES} \[.* records/s\]", last)
    assert pipe.stderr == ""
