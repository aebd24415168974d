"""The bounded store of the pages a run could not read."""

from __future__ import annotations

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
