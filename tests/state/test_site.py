"""Which site a state folder belongs to, where its folder is by default, and which crawls may
use it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.state import StateError
from crawler.state.site import (
    SITE_META,
    STATE_ROOT,
    Site,
    SiteMismatch,
    check_public_origin,
    check_site,
    read_site,
    site_folder,
    state_dir,
    write_site,
)
from crawler.state.sqlite import SQLiteState
from crawler.state.sqlite_schema import read_site_of

PUBLIC = "https://articles.example"
MIRROR = "http://127.0.0.1:8001"
OTHER_MIRROR = "http://127.0.0.1:9000"
OTHER = "https://other.example"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[SQLiteState]:
    opened = SQLiteState(tmp_path / "state")
    yield opened
    opened.close()


# -- site_folder / state_dir ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "folder"),
    [
        ("https://articles.example", "articles.example"),
        ("http://127.0.0.1:8001", "127.0.0.1-8001"),
        ("http://localhost:8080", "localhost-8080"),
        ("http://[::1]:8001", "---1--8001"),
        (None, "default"),
        ("", "default"),
    ],
)
def test_a_site_s_folder_is_named_by_its_host_and_port(origin: str | None, folder: str) -> None:
    assert site_folder(origin) == folder


def test_a_site_folder_name_never_leaves_its_parent() -> None:
    assert "/" not in site_folder("http://a.example/../../etc")


def test_state_dir_is_the_setting_when_set() -> None:
    assert state_dir("/srv/state/mine", PUBLIC) == Path("/srv/state/mine")


@pytest.mark.parametrize("setting", [None, ""])
def test_state_dir_is_the_site_s_own_folder_when_unset(setting: str | None) -> None:
    assert state_dir(setting, MIRROR) == STATE_ROOT / "127.0.0.1-8001"
    assert Path("data/state") == STATE_ROOT


def test_state_dir_without_a_site_is_the_default_folder() -> None:
    assert state_dir(None, None) == Path("data/state/default")


# -- read_site / write_site -----------------------------------------------------------------------


def test_a_written_site_is_read_back(state: SQLiteState) -> None:
    write_site(state, Site(MIRROR, PUBLIC))
    assert read_site(state, None) == Site(MIRROR, PUBLIC)


def test_a_written_site_survives_a_reopen(state: SQLiteState) -> None:
    write_site(state, Site(MIRROR, None))
    state.close()
    again = SQLiteState(state.folder)
    try:
        assert read_site(again, None) == Site(MIRROR, None)
    finally:
        again.close()


def test_the_recorded_site_wins_over_the_archived_urls(state: SQLiteState) -> None:
    write_site(state, Site(MIRROR, PUBLIC))
    assert read_site(state, f"{OTHER}/page.php?p=1") == Site(MIRROR, PUBLIC)


def test_a_state_without_a_site_is_known_by_its_archived_urls(state: SQLiteState) -> None:
    assert state.meta(SITE_META) is None
    assert read_site(state, f"{PUBLIC}/page.php?p=0000001") == Site(None, PUBLIC)


def test_an_empty_state_has_no_site(state: SQLiteState) -> None:
    assert read_site(state, None) is None


def test_read_site_of_reads_a_closed_state_s_site(state: SQLiteState) -> None:
    write_site(state, Site(MIRROR, PUBLIC))
    state.close()
    assert read_site_of(state.folder) == Site(MIRROR, PUBLIC)


def test_read_site_of_a_folder_without_a_state_is_none(tmp_path: Path) -> None:
    assert read_site_of(tmp_path / "nothing") is None


# -- check_site -----------------------------------------------------------------------------------


def test_a_crawl_from_the_state_s_fetch_origin_is_ok() -> None:
    assert check_site(Site(MIRROR, PUBLIC), MIRROR) == "ok"


def test_a_crawl_of_the_state_s_public_origin_is_ok() -> None:
    assert check_site(Site(MIRROR, PUBLIC), PUBLIC) == "ok"


def test_a_direct_crawl_of_its_own_site_is_ok() -> None:
    assert check_site(Site(PUBLIC, PUBLIC), PUBLIC) == "ok"


def test_any_crawl_may_use_a_state_without_a_site() -> None:
    assert check_site(None, OTHER) == "ok"


def test_another_mirror_of_a_mirror_made_state_is_pending() -> None:
    assert check_site(Site(MIRROR, PUBLIC), OTHER_MIRROR) == "pending"


def test_a_crawl_of_a_migrated_state_from_elsewhere_is_pending() -> None:
    assert check_site(Site(None, PUBLIC), MIRROR) == "pending"


def test_a_crawl_of_a_migrated_state_s_own_site_is_ok() -> None:
    assert check_site(Site(None, PUBLIC), PUBLIC) == "ok"


def test_a_direct_site_s_state_refuses_another_origin_naming_both() -> None:
    with pytest.raises(SiteMismatch) as raised:
        check_site(Site(PUBLIC, PUBLIC), OTHER)
    assert str(raised.value) == f"the state was made for {PUBLIC}, not for {OTHER}"


def test_a_state_whose_public_origin_is_not_known_refuses_another_origin() -> None:
    with pytest.raises(SiteMismatch) as raised:
        check_site(Site(MIRROR, None), OTHER_MIRROR)
    assert str(raised.value) == f"the state was made for {MIRROR}, not for {OTHER_MIRROR}"


def test_a_site_mismatch_is_a_state_error() -> None:
    assert issubclass(SiteMismatch, StateError)


# -- check_public_origin --------------------------------------------------------------------------


def test_a_mirror_of_the_state_s_public_site_is_accepted() -> None:
    check_public_origin(Site(MIRROR, PUBLIC), PUBLIC)


def test_a_state_that_does_not_know_its_public_site_accepts_any() -> None:
    check_public_origin(Site(MIRROR, None), OTHER)
    check_public_origin(None, OTHER)


def test_a_mirror_of_another_public_site_is_refused_naming_both() -> None:
    with pytest.raises(SiteMismatch) as raised:
        check_public_origin(Site(MIRROR, PUBLIC), OTHER)
    assert str(raised.value) == (
        f"the state was made for {PUBLIC} (fetched from {MIRROR}), not for {OTHER}"
    )


def test_a_migrated_state_refuses_another_public_site_naming_its_own() -> None:
    with pytest.raises(SiteMismatch) as raised:
        check_public_origin(Site(None, PUBLIC), OTHER)
    assert str(raised.value) == (
        f"the state was made for {PUBLIC} (fetched from an unknown host), not for {OTHER}"
    )
