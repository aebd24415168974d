"""The large site's change signals for incremental crawls: sitemap and index ``<lastmod>``,
silent edits, published articles, conditional sitemaps and ``Crawl-delay``.

Requests go through ``site.respond`` directly: no socket is needed to see what is served.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sample_site.large import LargeSite
from sample_site.server import Response, entity_tag

#: 6,000 articles make two child sitemaps: ids 2000000-2004999 and 2005000-2005999.
#: The checkout, the command lines' working directory: sample_site is importable from there.
ROOT = Path(__file__).resolve().parents[2]
TWO_CHILDREN = 6000


def get(site: LargeSite, target: str, headers: dict[str, str] | None = None) -> Response:
    return site.respond("GET", target, headers or {})


def text(site: LargeSite, target: str) -> str:
    return get(site, target).body.decode()


def header(response: Response, name: str) -> str:
    return dict(response.headers)[name]


def url_line(site: LargeSite, article_id: str, lastmod: str | None) -> str:
    tail = "" if lastmod is None else f"<lastmod>{lastmod}</lastmod>"
    return f"  <url><loc>{site.origin}/page.php?p={article_id}</loc>{tail}</url>\n"


def index_lastmods(site: LargeSite) -> list[str]:
    return re.findall(r"</loc><lastmod>([^<]+)</lastmod></sitemap>", text(site, "/sitemap.xml"))


def card_ids(site: LargeSite, target: str) -> list[str]:
    return re.findall(r'class="card-link" href="[^"]+p=(\d+)"', text(site, target))


@pytest.fixture
def site() -> Iterator[LargeSite]:
    """A 3,000-article site, one sitemap; never started, so only ``respond`` serves it."""
    made = LargeSite(3000)
    yield made
    made.shutdown()


@pytest.fixture
def big() -> Iterator[LargeSite]:
    """A site with two child sitemaps."""
    made = LargeSite(TWO_CHILDREN)
    yield made
    made.shutdown()


@pytest.fixture
def bare() -> Iterator[LargeSite]:
    """A site whose sitemaps carry no ``<lastmod>``."""
    made = LargeSite(TWO_CHILDREN, lastmod=False)
    yield made
    made.shutdown()


# ---- sitemap <lastmod> --------------------------------------------------------------------


def test_sitemap_urls_carry_their_article_date(site: LargeSite) -> None:
    xml = text(site, "/sitemap-1.xml")
    assert url_line(site, "2000000", "1998-01-01T09:00:00+00:00") in xml
    assert url_line(site, "2000007", "1998-01-02T09:00:00+00:00") in xml


def test_no_lastmod_drops_it_from_the_urlsets(bare: LargeSite) -> None:
    xml = text(bare, "/sitemap-1.xml")
    assert "<lastmod>" not in xml
    assert xml.count("<url>") == 5000
    assert url_line(bare, "2000007", None) in xml


def test_no_lastmod_drops_it_from_the_index(bare: LargeSite) -> None:
    assert text(bare, "/sitemap.xml") == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"  <sitemap><loc>{bare.origin}/sitemap-1.xml</loc></sitemap>\n"
        f"  <sitemap><loc>{bare.origin}/sitemap-2.xml</loc></sitemap>\n"
        "</sitemapindex>\n"
    )


def test_no_lastmod_keeps_the_sitemaps_http_validators(bare: LargeSite) -> None:
    child = get(bare, "/sitemap-2.xml")
    assert header(child, "ETag") == entity_tag(child.body)
    assert header(child, "Last-Modified") == "Fri, 08 Feb 2002 09:00:00 GMT"


# ---- silent and announced edits -----------------------------------------------------------


def test_silent_edit_keeps_the_sitemap_lastmod(site: LargeSite) -> None:
    get(site, "/sitemap-1.xml")
    site.change(["2000007"], announce=False)
    assert site.edition("2000007") == 2
    assert url_line(site, "2000007", "1998-01-02T09:00:00+00:00") in text(site, "/sitemap-1.xml")
    assert site.lastmod("2000007") == datetime(1998, 1, 2, 9, tzinfo=UTC)


def test_silent_edit_keeps_the_last_modified_header(site: LargeSite) -> None:
    site.change(["2000007"], announce=False)
    reply = get(site, "/page.php?p=2000007")
    assert header(reply, "Last-Modified") == "Fri, 02 Jan 1998 09:00:00 GMT"


def test_silent_edit_changes_bytes_and_etag(site: LargeSite) -> None:
    before = get(site, "/page.php?p=2000007")
    site.change(["2000007"], announce=False)
    after = get(site, "/page.php?p=2000007", {"If-None-Match": header(before, "ETag")})
    assert after.status == 200
    assert after.body == site.render_article("2000007", edition=2) != before.body
    assert header(after, "ETag") == entity_tag(after.body)


def test_silent_edit_fools_if_modified_since(site: LargeSite) -> None:
    since = header(get(site, "/page.php?p=2000007"), "Last-Modified")
    site.change(["2000007"], announce=False)
    reply = get(site, "/page.php?p=2000007", {"If-Modified-Since": since})
    assert reply.status == 304
    assert header(reply, "ETag") == entity_tag(site.render_article("2000007"))


def test_announced_edit_moves_lastmod_a_week(site: LargeSite) -> None:
    get(site, "/sitemap-1.xml")
    site.change(["2000007"])
    assert url_line(site, "2000007", "1998-01-09T09:00:00+00:00") in text(site, "/sitemap-1.xml")
    assert header(get(site, "/page.php?p=2000007"), "Last-Modified") == (
        "Fri, 09 Jan 1998 09:00:00 GMT"
    )
    assert site.lastmod("2000007") == datetime(1998, 1, 9, 9, tzinfo=UTC)


def test_announced_edit_after_silent_ones_dates_the_current_edition(site: LargeSite) -> None:
    site.change(["2000007"], announce=False)
    site.change(["2000007"], announce=False)
    site.change(["2000007"])
    assert site.edition("2000007") == 4
    assert site.lastmod("2000007") == datetime(1998, 1, 23, 9, tzinfo=UTC)


def test_lastmod_of_an_unknown_id_raises_key_error(site: LargeSite) -> None:
    with pytest.raises(KeyError):
        site.lastmod("2003000")


# ---- publish ------------------------------------------------------------------------------


def test_publish_returns_the_next_ids(site: LargeSite) -> None:
    assert site.publish(3) == ["2003000", "2003001", "2003002"]
    assert site.publish(1) == ["2003003"]
    assert site.article_ids()[-4:] == ["2003000", "2003001", "2003002", "2003003"]
    assert len(site.live_ids()) == 3004


def test_published_articles_top_their_category_listing(site: LargeSite) -> None:
    site.publish(3)
    # 2003000 is article 3000, in category 3000 % 8 == 0.
    assert card_ids(site, "/category.php?c=national-cinemas")[:2] == ["2003000", "2002992"]
    assert card_ids(site, "/category.php?c=festivals-awards")[:2] == ["2003002", "2002994"]


def test_published_articles_top_the_home_page(site: LargeSite) -> None:
    site.publish(3)
    assert card_ids(site, "/") == [f"{2000000 + i}" for i in range(3002, 2990, -1)]


def test_published_articles_are_in_the_expected_category_newest_first(site: LargeSite) -> None:
    site.publish(9)
    articles = site.expected_category("national-cinemas")["articles"]
    assert articles[:3] == [site.article_url(i) for i in ("2003008", "2003000", "2002992")]
    assert len(articles) == 3000 // 8 + 2


def test_published_articles_are_served_with_their_expected_record(site: LargeSite) -> None:
    assert get(site, "/page.php?p=2003000").status == 404
    site.publish(1)
    assert get(site, "/page.php?p=2003000").status == 200
    records = list(site.expected_records())
    assert len(records) == 3001
    assert records[-1] == site.expected_record("2003000")
    assert records[-1]["published"] == "2000-01-21"


def test_published_articles_relate_to_older_ones_of_their_category(site: LargeSite) -> None:
    site.publish(1)
    related = [card["url"] for card in site.expected_record("2003000")["related"]]
    ids = [int(url.rpartition("=")[2]) for url in related]
    assert len(set(ids)) == 6
    assert all(i < 2003000 and (i - 2000000) % 8 == 0 for i in ids)


@pytest.mark.parametrize(("articles", "categories"), [(3000, 8), (20, 8), (60, 12)])
def test_publish_changes_no_existing_article_page(articles: int, categories: int) -> None:
    # 20 articles make categories smaller than the related list: the case where a category's
    # size picks every related card.
    site = LargeSite(articles, categories=categories)
    try:
        ids = site.article_ids()
        before = [get(site, f"/page.php?p={i}").body for i in ids]
        site.publish(50)
        after = [get(site, f"/page.php?p={i}").body for i in ids]
    finally:
        site.shutdown()
    assert after == before


def test_publish_fills_the_last_sitemap_then_opens_a_new_one() -> None:
    site = LargeSite(4999)
    try:
        site.publish(2)
        first = text(site, "/sitemap-1.xml")
        second = text(site, "/sitemap-2.xml")
        index = text(site, "/sitemap.xml")
    finally:
        site.shutdown()
    assert site.sitemap_count() == 2
    assert first.endswith(url_line(site, "2004999", "2001-06-03T09:00:00+00:00") + "</urlset>\n")
    assert re.findall(r"<loc>[^<]+p=(\d+)</loc>", second) == ["2005000"]
    assert re.findall(r"<sitemap><loc>([^<]+)</loc>", index) == [
        f"{site.origin}/sitemap-{n}.xml" for n in (1, 2)
    ]


def test_publish_rejects_a_negative_count(site: LargeSite) -> None:
    with pytest.raises(ValueError, match="count"):
        site.publish(-1)


def test_concurrent_publishes_hand_out_distinct_ids(site: LargeSite) -> None:
    published: list[str] = []

    def add() -> None:
        for _ in range(50):
            published.extend(site.publish(1))

    threads = [threading.Thread(target=add) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(published) == [f"{2000000 + i}" for i in range(3000, 3400)]
    assert site.articles == 3400


# ---- sitemap index <lastmod> --------------------------------------------------------------


def test_index_entries_carry_their_newest_article_date(big: LargeSite) -> None:
    # Dates grow with ids: 2004999 is the newest of sitemap 1, 2005999 of sitemap 2.
    assert index_lastmods(big) == ["2001-06-03T09:00:00+00:00", "2002-02-08T09:00:00+00:00"]
    assert big.sitemap_lastmod(1) == datetime(2001, 6, 3, 9, tzinfo=UTC)


def test_announced_edit_of_an_older_article_moves_its_child_a_second(big: LargeSite) -> None:
    index_lastmods(big)
    big.change(["2000000"])
    assert index_lastmods(big) == ["2001-06-03T09:00:01+00:00", "2002-02-08T09:00:00+00:00"]


def test_announced_edit_of_the_newest_article_moves_its_child_past_it(big: LargeSite) -> None:
    index_lastmods(big)
    big.change(["2004999"])
    assert index_lastmods(big) == ["2001-06-10T09:00:01+00:00", "2002-02-08T09:00:00+00:00"]


def test_edits_before_the_first_index_fetch_date_it_the_same() -> None:
    # The per-sitemap peak is computed on first use and kept up to date afterwards.
    early, late = LargeSite(TWO_CHILDREN), LargeSite(TWO_CHILDREN)
    try:
        early.change(["2004990", "2000001"])
        index_lastmods(late)
        late.change(["2004990", "2000001"])
        assert (
            index_lastmods(early)
            == index_lastmods(late)
            == [
                "2001-06-08T09:00:02+00:00",
                "2002-02-08T09:00:00+00:00",
            ]
        )
    finally:
        early.shutdown()
        late.shutdown()


def test_silent_edit_leaves_the_index_and_its_child(big: LargeSite) -> None:
    index, child = get(big, "/sitemap.xml"), get(big, "/sitemap-1.xml")
    big.change(["2004999"], announce=False)
    assert get(big, "/sitemap.xml") == index
    assert get(big, "/sitemap-1.xml") == child


def test_removal_moves_its_child_a_second(big: LargeSite) -> None:
    big.remove(["2005001"])
    assert index_lastmods(big) == ["2001-06-03T09:00:00+00:00", "2002-02-08T09:00:01+00:00"]


def test_removing_a_removed_article_again_moves_nothing(big: LargeSite) -> None:
    big.remove(["2005001"])
    big.remove(["2005001"], status=404)
    assert index_lastmods(big) == ["2001-06-03T09:00:00+00:00", "2002-02-08T09:00:01+00:00"]


def test_removing_the_newest_article_never_moves_its_child_back(big: LargeSite) -> None:
    big.remove(["2005999"])
    assert index_lastmods(big)[1] == "2002-02-08T09:00:01+00:00"


def test_publish_moves_the_child_it_lands_in(big: LargeSite) -> None:
    big.publish(2)
    assert index_lastmods(big) == ["2001-06-03T09:00:00+00:00", "2002-02-09T09:00:02+00:00"]


def test_publish_into_a_new_child_lists_it_with_its_date() -> None:
    site = LargeSite(5000)
    try:
        site.publish(1)
        assert index_lastmods(site) == ["2001-06-03T09:00:00+00:00", "2001-06-04T09:00:01+00:00"]
    finally:
        site.shutdown()


def test_redesign_moves_every_child_an_hour(big: LargeSite) -> None:
    big.set_redesign(True)
    assert index_lastmods(big) == ["2001-06-03T10:00:00+00:00", "2002-02-08T10:00:00+00:00"]


def test_sitemap_lastmod_of_an_unlisted_number_raises_key_error(big: LargeSite) -> None:
    with pytest.raises(KeyError):
        big.sitemap_lastmod(3)


# ---- conditional sitemaps -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["/sitemap.xml", "/sitemap-2.xml"])
def test_sitemaps_carry_an_etag_of_their_body(big: LargeSite, target: str) -> None:
    reply = get(big, target)
    assert reply.content_type == "application/xml"
    assert header(reply, "ETag") == entity_tag(reply.body)


def test_child_last_modified_is_its_index_lastmod(big: LargeSite) -> None:
    big.change(["2000000"])
    assert header(get(big, "/sitemap-1.xml"), "Last-Modified") == "Sun, 03 Jun 2001 09:00:01 GMT"


def test_index_last_modified_is_its_latest_entry(big: LargeSite) -> None:
    assert header(get(big, "/sitemap.xml"), "Last-Modified") == "Fri, 08 Feb 2002 09:00:00 GMT"


def test_index_last_modified_moves_a_second_per_change_of_any_child(big: LargeSite) -> None:
    # Sitemap 1's entry moves, sitemap 2's stays the latest: the index changed all the same.
    big.change(["2000000"])
    big.remove(["2000001"])
    assert header(get(big, "/sitemap.xml"), "Last-Modified") == "Fri, 08 Feb 2002 09:00:02 GMT"


@pytest.mark.parametrize("target", ["/sitemap.xml", "/sitemap-1.xml"])
def test_matching_if_none_match_answers_304(big: LargeSite, target: str) -> None:
    etag = header(get(big, target), "ETag")
    reply = get(big, target, {"If-None-Match": etag})
    assert (reply.status, reply.body, header(reply, "ETag")) == (304, b"", etag)


@pytest.mark.parametrize("target", ["/sitemap.xml", "/sitemap-1.xml"])
def test_if_modified_since_at_last_modified_answers_304(big: LargeSite, target: str) -> None:
    since = header(get(big, target), "Last-Modified")
    assert get(big, target, {"If-Modified-Since": since}).status == 304


@pytest.mark.parametrize("target", ["/sitemap.xml", "/sitemap-1.xml"])
def test_if_modified_since_before_an_announced_edit_gets_the_sitemap(
    big: LargeSite, target: str
) -> None:
    since = header(get(big, target), "Last-Modified")
    big.change(["2000000"])
    assert get(big, target, {"If-Modified-Since": since}).status == 200


def test_stale_etag_gets_the_changed_sitemap(big: LargeSite) -> None:
    etag = header(get(big, "/sitemap-1.xml"), "ETag")
    big.remove(["2000000"])
    reply = get(big, "/sitemap-1.xml", {"If-None-Match": etag})
    assert reply.status == 200
    assert reply.body.decode().count("<url>") == 4999


def test_sitemap_etag_still_matches_after_a_silent_edit(big: LargeSite) -> None:
    etag = header(get(big, "/sitemap-1.xml"), "ETag")
    big.change(["2000000"], announce=False)
    assert get(big, "/sitemap-1.xml", {"If-None-Match": etag}).status == 304


def test_sitemap_304s_are_counted(big: LargeSite) -> None:
    etag = header(get(big, "/sitemap-1.xml"), "ETag")
    since = header(get(big, "/sitemap.xml"), "Last-Modified")
    get(big, "/sitemap-1.xml", {"If-None-Match": etag})
    get(big, "/sitemap.xml", {"If-Modified-Since": since})
    get(big, "/sitemap-1.xml", {"If-None-Match": '"stale"'})
    assert big.counts() == Counter({("sitemap", 200): 3, ("sitemap", 304): 2})
    assert big.conditional_counts() == Counter({("sitemap", 304): 2, ("sitemap", 200): 1})
    assert [(r.target, r.status) for r in big.requests][2:4] == [
        ("/sitemap-1.xml", 304),
        ("/sitemap.xml", 304),
    ]


# ---- robots.txt ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delay", "line"), [(2.0, "Crawl-delay: 2\n"), (0.5, "Crawl-delay: 0.5\n")]
)
def test_crawl_delay_joins_the_star_group(delay: float, line: str) -> None:
    site = LargeSite(10, crawl_delay=delay)
    try:
        robots = text(site, "/robots.txt")
    finally:
        site.shutdown()
    assert robots == (
        f"User-agent: *\nDisallow: /search.php\nDisallow: /private/\n{line}\n"
        f"Sitemap: {site.origin}/sitemap.xml\n"
    )


def test_robots_has_no_crawl_delay_by_default(site: LargeSite) -> None:
    assert "Crawl-delay" not in text(site, "/robots.txt")


@pytest.mark.parametrize("delay", [-1.0, float("inf"), float("nan")])
def test_construction_rejects_an_impossible_crawl_delay(delay: float) -> None:
    with pytest.raises(ValueError, match="crawl_delay"):
        LargeSite(10, crawl_delay=delay)


# ---- command line -------------------------------------------------------------------------


def test_command_line_serves_without_lastmod_and_with_a_crawl_delay() -> None:
    command = [
        sys.executable, "-m", "sample_site.large",
        "--articles", "50", "--no-lastmod", "--crawl-delay", "1.5",
    ]  # fmt: skip
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            found = re.fullmatch(r"serving http://127\.0\.0\.1:(\d+)/\n", process.stdout.readline())
            assert found
            connection = http.client.HTTPConnection("127.0.0.1", int(found[1]), timeout=5)
            connection.request("GET", "/robots.txt")
            robots = connection.getresponse().read().decode()
            connection.request("GET", "/sitemap-1.xml")
            sitemap = connection.getresponse().read().decode()
            connection.close()
        finally:
            process.terminate()
        assert process.wait(timeout=10) == 0
    assert "Crawl-delay: 1.5\n" in robots
    assert sitemap.count("<url>") == 50 and "<lastmod>" not in sitemap
