"""``crawler.archive.iter_records`` / ``load_dataframe`` on small hand-made archives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

import crawler
from crawler.archive import iter_records, load_dataframe, shard_paths
from crawler.archive.folders import NotAnArchive
from crawler.archive.reader import url_article_id
from tests.archive.reader_runs import article, removed, write_run

RUN_1 = "site-20261121T030000Z"
RUN_2 = "site-20261122T030000Z"
RUN_3 = "site-20261123T030000Z"


def versions(records: Any) -> dict[str, int]:
    return {record["id"]: record["version"] for record in records}


def test_latest_version_of_each_article_in_archive_order(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2), article(3)])
    write_run(tmp_path, RUN_2, [article(2, 2)])
    write_run(tmp_path, RUN_3, [article(3, 2), article(2, 3)])

    records = list(iter_records(tmp_path))

    assert [(r["id"], r["version"]) for r in records] == [
        ("0000001", 1),
        ("0000003", 2),
        ("0000002", 3),
    ]
    assert records[2] == article(2, 3)


def test_every_version_without_latest(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_2, [article(1, 2)])
    write_run(tmp_path, RUN_1, [article(1), article(2)])

    records = list(iter_records(tmp_path, latest=False))

    assert records == [article(1), article(2), article(1, 2)]  # oldest run first


def test_gzip_shards_are_read(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2), article(3)], gzip=True)
    write_run(tmp_path, RUN_2, [article(1, 2)])

    assert versions(iter_records(tmp_path)) == {"0000001": 2, "0000002": 1, "0000003": 1}
    assert any(path.endswith(".jsonl.gz") for path in shard_paths(tmp_path))


def test_open_files_are_never_read(tmp_path: Path) -> None:
    run = write_run(tmp_path, RUN_1, [article(1)], finished=False)
    # A killed crawl's shard in progress, cut mid-line, and a gzip one.
    (run / "articles-00002.jsonl.open").write_text('{"type": "article", "id": "0000009", "ver')
    (run / "articles-00003.jsonl.gz.open").write_bytes(b"\x1f\x8b")

    assert versions(iter_records(tmp_path)) == {"0000001": 1}
    assert versions(iter_records(tmp_path, latest=False)) == {"0000001": 1}
    assert shard_paths(tmp_path) == [str(run / "articles-00001.jsonl")]


def test_unfinished_runs_count_unless_excluded(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1)])
    write_run(tmp_path, RUN_2, [article(1, 2), article(2)], finished=False)

    assert versions(iter_records(tmp_path)) == {"0000001": 2, "0000002": 1}
    assert versions(iter_records(tmp_path, unfinished=False)) == {"0000001": 1}


def test_a_finished_run_is_read_as_its_manifest_lists_it(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    run = write_run(archive, RUN_1, [article(1)])
    write_run(tmp_path / "other", RUN_1, [article(9)])
    (tmp_path / "other" / RUN_1 / "articles-00001.jsonl").rename(run / "articles-00002.jsonl")

    assert versions(iter_records(archive)) == {"0000001": 1}


def test_removed_articles_are_skipped_with_latest(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2), article(3)])
    write_run(tmp_path, RUN_2, [removed(1), removed(2)])
    write_run(tmp_path, RUN_3, [article(2, 2)])  # the page came back

    assert versions(iter_records(tmp_path)) == {"0000003": 1, "0000002": 2}
    assert [r["id"] for r in iter_records(tmp_path, type="removed")] == ["0000001"]
    assert len(list(iter_records(tmp_path, type="removed", latest=False))) == 2


def test_a_removed_record_without_id_matches_on_the_url(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2)])
    write_run(tmp_path, RUN_2, [removed(1, id=None)])

    assert versions(iter_records(tmp_path)) == {"0000002": 1}


def test_type_filter(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2)], categories=["Old"])
    write_run(tmp_path, RUN_2, [removed(2)], categories=["New", "Newer"])

    assert [r["type"] for r in iter_records(tmp_path, type=None)] == [
        "article",
        "removed",
        "category",
        "category",
    ]
    # The site's categories as the latest run saw them; every run's without latest.
    assert [r["name"] for r in iter_records(tmp_path, type="category")] == ["New", "Newer"]
    assert [r["name"] for r in iter_records(tmp_path, "category", latest=False)] == [
        "Old",
        "New",
        "Newer",
    ]
    assert len(list(iter_records(tmp_path, type=None, latest=False))) == 6
    with pytest.raises(ValueError, match="unknown record type 'articles'"):
        list(iter_records(tmp_path, type="articles"))


def test_equal_versions_go_to_the_later_run_then_fetched_at(tmp_path: Path) -> None:
    # Two workers of one distributed run (same start) wrote the same version.
    write_run(tmp_path, f"{RUN_1}-worker-b", [article(1, 1, fetched_at="2026-11-21T03:00:05Z")])
    write_run(tmp_path, f"{RUN_1}-worker-c", [article(1, 1, fetched_at="2026-11-21T03:00:01Z")])

    [record] = iter_records(tmp_path)

    assert record["fetched_at"] == "2026-11-21T03:00:05Z"


def test_a_reparse_follows_its_source_run(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2)])
    write_run(tmp_path, RUN_2, [removed(2)])
    # Made after RUN_2, from RUN_1: its copy of article 2 must not bring it back, and its
    # copy of article 1 (the same version) replaces RUN_1's.
    reparsed = [{**article(n), "title": "Reparsed.", "reparsed_from": RUN_1} for n in (1, 2)]
    write_run(tmp_path, f"reparse-{RUN_1}-20261124T000000Z", reparsed)

    [record] = iter_records(tmp_path, reparsed=True)

    assert record["id"] == "0000001"
    assert record["title"] == "Reparsed."


REPARSE_1 = f"reparse-{RUN_1}-20261124T000000Z"


def reparsed(n: int, version: int = 1, title: str = "Reparsed.") -> dict[str, Any]:
    """Article ``n``'s record as a reparse of ``RUN_1`` writes it."""
    return {**article(n, version), "title": title, "reparsed_from": RUN_1}


def test_reparse_folders_are_left_out_by_default(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2)], categories=["Film"])
    write_run(tmp_path, REPARSE_1, [reparsed(1), reparsed(2)], categories=["Film"])

    assert list(iter_records(tmp_path)) == [article(1), article(2)]
    assert list(iter_records(tmp_path, latest=False)) == [article(1), article(2)]
    assert len(list(iter_records(tmp_path, type="category", latest=False))) == 1
    assert [Path(path).parent.name for path in shard_paths(tmp_path)] == [RUN_1]
    assert len(load_dataframe(tmp_path, type=None, latest=False)) == 3


def test_with_reparsed_each_record_is_read_once(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2), article(3)], categories=["Film"])
    write_run(tmp_path, RUN_2, [article(1, 2)])
    # Article 3 no longer extracts: the reparse lost it, and its source still has it.
    write_run(tmp_path, REPARSE_1, [reparsed(1), reparsed(2)], categories=["Film"])

    every = list(iter_records(tmp_path, latest=False, reparsed=True))
    latest = list(iter_records(tmp_path, reparsed=True))

    assert every == [article(3), reparsed(1), reparsed(2), article(1, 2)]
    assert latest == [article(3), reparsed(2), article(1, 2)]
    assert len(list(iter_records(tmp_path, type="category", latest=False, reparsed=True))) == 1
    assert len(load_dataframe(tmp_path, latest=False, reparsed=True)) == 4


def test_with_reparsed_a_run_s_latest_finished_reparse_is_read(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1)])
    write_run(tmp_path, REPARSE_1, [reparsed(1, title="First fix.")])
    write_run(tmp_path, f"reparse-{RUN_1}-20261125T000000Z", [reparsed(1, title="Second fix.")])
    write_run(
        tmp_path, f"reparse-{RUN_1}-20261126T000000Z", [reparsed(1, title="Half.")], finished=False
    )

    assert [r["title"] for r in iter_records(tmp_path, latest=False, reparsed=True)] == [
        "Second fix."
    ]


def test_a_reparse_folder_can_be_read_alone(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2)])
    reparse = write_run(tmp_path, REPARSE_1, [reparsed(1)])

    assert list(iter_records(reparse)) == [reparsed(1)]
    assert [Path(path).parent.name for path in shard_paths(reparse)] == [REPARSE_1]


def test_a_folder_that_is_not_an_archive_is_refused(tmp_path: Path) -> None:
    write_run(tmp_path / "archive", RUN_1, [article(1)])
    (tmp_path / "state").mkdir()

    with pytest.raises(NotAnArchive, match="did you mean"):
        list(iter_records(tmp_path))


def test_a_run_folder_can_be_read_alone(tmp_path: Path) -> None:
    run = write_run(tmp_path, RUN_1, [article(1), article(2)])
    write_run(tmp_path, RUN_2, [article(1, 2)])

    assert versions(iter_records(run)) == {"0000001": 1, "0000002": 1}


def test_a_missing_archive_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no archive folder"):
        list(iter_records(tmp_path / "missing"))


def test_many_shards_only_winning_lines_are_yielded(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(n) for n in range(1, 51)], shard_items=7)
    write_run(tmp_path, RUN_2, [article(n, 2) for n in range(1, 51, 3)], shard_items=5)

    records = list(iter_records(tmp_path))

    assert len(records) == 50
    assert versions(records) == {f"{n:07d}": 2 if n % 3 == 1 else 1 for n in range(1, 51)}


def test_load_dataframe_equals_iter_records(tmp_path: Path) -> None:
    write_run(tmp_path, RUN_1, [article(1), article(2, summary=None), article(3)])
    write_run(tmp_path, RUN_2, [article(1, 2), removed(3)], gzip=True)

    frame = load_dataframe(tmp_path)

    records = list(iter_records(tmp_path))
    assert len(frame) == len(records) == 2
    assert list(frame.columns) == list(records[0])
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert rows == records
    assert frame["id"].tolist() == ["0000002", "0000001"]


def test_load_dataframe_of_nothing_is_empty(tmp_path: Path) -> None:
    assert load_dataframe(tmp_path).empty


def test_load_dataframe_without_pandas_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=r"evergreen-crawler\[pandas\]"):
        load_dataframe(tmp_path)


def test_importing_the_reader_loads_no_scrapy_twisted_or_lxml() -> None:
    check = (
        "import crawler.archive, sys; "
        "loaded = {m.split('.')[0] for m in sys.modules} & {'scrapy', 'twisted', 'lxml'}; "
        "assert not loaded, loaded"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def test_extract_article_is_still_reachable_from_the_package() -> None:
    from crawler import extract_article

    assert crawler.extract_article is extract_article
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = crawler.nothing


@given(st.text(alphabet="pqx=&?#%2+0a/", max_size=24))
def test_url_article_id_reads_the_p_parameter_as_parse_qs_does(tail: str) -> None:
    url = f"https://articles.example/page.php{tail}"
    values = parse_qs(urlsplit(url).query).get("p")
    assert url_article_id(url) == (values[0] if values else None)
