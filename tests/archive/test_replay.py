"""``crawler.archive.replay``: an archive's collection for pywb (its real ``wb-manager``, from
``make pywb``), beside the run folders, which it never writes to."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.archive.folders import find_archive
from crawler.archive.replay import (
    CHECKOUT_PYWB,
    Collection,
    ReplayError,
    build_collection,
    pywb_programs,
    replay_root,
    wayback_command,
)
from crawler.archive.verify import verify
from tests.archive.test_wacz import RUN, article_run


@pytest.fixture
def programs() -> Path:
    if not (CHECKOUT_PYWB / "wb-manager").exists():
        pytest.fail("pywb is not installed: run `make pywb` (make test does)")
    return pywb_programs("")


def test_the_collection_links_the_runs_warcs_and_indexes_them(
    tmp_path: Path, programs: Path
) -> None:
    article_run(tmp_path / "archive")
    archive = find_archive(tmp_path / "archive")
    collection = build_collection(archive, programs)
    assert collection.root == tmp_path / "archive" / ".replay"
    [linked] = (collection.root / "collections" / "archive" / "archive").iterdir()
    assert linked.name == f"{RUN}-capture-00001.warc.gz" and linked.is_symlink()
    [index] = (collection.root / "collections" / "archive" / "indexes").glob("*.cdxj")
    assert "page.php?p=0000001" in index.read_text("utf-8")
    # The dot-folder is no run folder: the archive still reads and verifies as before.
    assert find_archive(tmp_path / "archive").runs == archive.runs
    assert verify(tmp_path / "archive") == []
    again = build_collection(archive, programs)  # a restart links them anew
    assert again.warcs == 1


def test_one_run_folder_gets_its_collection_beside_it(tmp_path: Path) -> None:
    run = article_run(tmp_path / "archive")
    assert replay_root(find_archive(run)) == tmp_path / "archive" / ".replay"


def test_the_address_to_open_is_the_latest_start_page_then() -> None:
    collection = Collection(Path("x"), 2, 2, "http://127.0.0.1:8765/", "20261125131500")
    assert collection.url(8090) == (
        "http://127.0.0.1:8090/archive/20261125131500/http://127.0.0.1:8765/"
    )
    assert Collection(Path("x"), 1, 1, None, None).url(8090) == "http://127.0.0.1:8090/archive/"


def test_pywb_serves_on_loopback_only(programs: Path) -> None:
    command = wayback_command(Collection(Path("/c"), 1, 1, None, None), programs, 8090)
    assert command[command.index("--bind") + 1] == "127.0.0.1"


def test_missing_pywb_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="make pywb"):
        pywb_programs(str(tmp_path))
