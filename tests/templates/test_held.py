"""The bounded store of the pages a run could not read."""

from __future__ import annotations

from pathlib import Path

from crawler.templates.held import HeldPages


def test_bodies_are_kept_on_disk_up_to_the_bound_then_by_url_only() -> None:
    held = HeldPages(max_pages=2)
    pages = [
        held.hold(
            f"https://x/page.php?p={n}",
            "article",
            200,
            [(b"ETag", b'"1"')],
            b"<p>%d" % n,
            "missing_body",
        )
        for n in range(3)
    ]
    assert [held.body(page) for page in pages] == [b"<p>0", b"<p>1", None]
    assert [page.stored for page in pages] == [True, True, False]
    assert len(held) == 3
    held.release(pages[0].key)
    assert held.get(pages[0].key) is None and len(held) == 2
    held.close()
    assert held.body(pages[1]) is None


def hold(held: HeldPages, n: int) -> str:
    return held.hold(f"https://x/page.php?p={n}", "article", 200, [], b"<p>%d" % n, "x").key


def test_a_kept_store_gives_a_resumed_process_the_lines_committed(tmp_path: Path) -> None:
    held = HeldPages(10, tmp_path / "held", run="7 site")
    first, second = hold(held, 1), hold(held, 2)
    committed = held.lines
    held.release(first)
    hold(held, 3)  # after the last commit: fetched and held again by the next process
    held.close(keep=True)
    again = HeldPages(10, tmp_path / "held", run="7 site", committed=committed)
    assert [page.key for page in again.pages()] == [first, second]
    assert again.body(again.get(second)) == b"<p>2"  # type: ignore[arg-type]
    assert again.lines == committed
    again.close()
    assert not (tmp_path / "held").exists()


def test_a_kept_store_of_another_run_is_emptied(tmp_path: Path) -> None:
    held = HeldPages(10, tmp_path / "held", run="7 site")
    hold(held, 1)
    held.close(keep=True)
    other = HeldPages(10, tmp_path / "held", run="8 site", committed=held.lines)
    assert len(other) == 0
    other.close()
