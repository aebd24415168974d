"""The sample-site server on a real loopback socket: routing, headers, origins, request log."""

from __future__ import annotations

import doctest
import http.client
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sample_site import server
from sample_site.assets import STATIC
from sample_site.expected import DEFAULT_ROOT, site_summary
from sample_site.placeholders import substitute_bytes
from sample_site.server import (
    SampleSite,
    entity_tag,
    etag_matches,
    route_key,
    start_server,
)

#: The checkout, the command line's working directory: sample_site is importable from there.
ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://articles.example"
SUMMARY: dict[str, Any] = site_summary()


class Reply:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = {name.lower(): value for name, value in response.getheaders()}
        self.body = response.read()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(
    site: SampleSite, target: str, method: str = "GET", headers: dict[str, str] | None = None
) -> Reply:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    try:
        connection.request(method, target, headers=headers or {})
        return Reply(connection.getresponse())
    finally:
        connection.close()


@pytest.fixture
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


@pytest.fixture
def public_site() -> Iterator[SampleSite]:
    with SampleSite(public_origin=PUBLIC) as running:
        yield running


def test_base_url_is_loopback_with_the_chosen_port(site: SampleSite) -> None:
    assert site.base_url == f"http://127.0.0.1:{site.port}/"
    assert site.origin == site.base_url.rstrip("/")


def test_home_names_the_server_origin(site: SampleSite) -> None:
    reply = fetch(site, "/")
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert f'href="{site.origin}/category.php?c=national-cinemas"' in reply.text
    assert "{{" not in reply.text


def test_robots_disallows_search_and_private_and_names_the_sitemap(site: SampleSite) -> None:
    reply = fetch(site, "/robots.txt")
    assert reply.headers["content-type"].startswith("text/plain")
    assert "Disallow: /search.php\n" in reply.text
    assert "Disallow: /private/\n" in reply.text
    assert f"Sitemap: {site.origin}/sitemap.xml" in reply.text


def test_sitemap_lists_every_archived_article(site: SampleSite) -> None:
    reply = fetch(site, "/sitemap.xml")
    assert reply.headers["content-type"] == "application/xml"
    for article_id in SUMMARY["archived_ids"]:
        assert f"<loc>{site.origin}/page.php?p={article_id}</loc>" in reply.text


def test_article_is_utf8_with_the_charset_in_the_header(site: SampleSite) -> None:
    article_id = SUMMARY["archived_ids"][0]
    reply = fetch(site, f"/page.php?p={article_id}")
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert f'<link rel="canonical" href="{site.origin}/page.php?p={article_id}">' in reply.text


def test_tracking_parameters_do_not_change_the_page(site: SampleSite) -> None:
    article_id = SUMMARY["archived_ids"][1]
    plain = fetch(site, f"/page.php?p={article_id}")
    tracked = fetch(site, f"/page.php?utm_source=x&p={article_id}&fbclid=1")
    assert tracked.status == 200
    assert tracked.body == plain.body


def test_windows_1252_page_declares_its_charset_only_in_the_markup(site: SampleSite) -> None:
    article_id = SUMMARY["windows_1252_ids"][0]
    reply = fetch(site, f"/page.php?p={article_id}")
    assert reply.headers["content-type"] == "text/html"
    assert b'<meta charset="windows-1252">' in reply.body
    # Bytes 0x80-0x9F are where windows-1252 differs from Latin-1 (curly quotes, dashes, euro).
    assert re.search(rb"[\x80-\x9f]", reply.body)
    with pytest.raises(UnicodeDecodeError):
        reply.body.decode("utf-8")
    assert site.origin in reply.body.decode("cp1252")


def test_old_url_redirects_permanently_to_the_article(site: SampleSite) -> None:
    rule = SUMMARY["redirects"][0]
    reply = fetch(site, rule["from"])
    assert reply.status == 301
    assert reply.headers["location"] == site.origin + rule["to"]
    assert reply.headers["content-length"] == "0"


def test_old_url_with_tracking_still_redirects(site: SampleSite) -> None:
    rule = SUMMARY["redirects"][0]
    assert fetch(site, rule["from"] + "&utm_source=x").status == 301


@pytest.mark.parametrize("article_id", SUMMARY["not_found_ids"])
def test_retired_ids_answer_404(site: SampleSite, article_id: str) -> None:
    assert fetch(site, f"/page.php?p={article_id}").status == 404


@pytest.mark.parametrize(
    "target",
    ["/page.php", "/page.php?p=", "/page.php?p=9999999", "/about.php", "/private/other.html"],
)
def test_unknown_pages_answer_404(site: SampleSite, target: str) -> None:
    assert fetch(site, target).status == 404


def test_flaky_article_fails_once_then_succeeds(site: SampleSite) -> None:
    article_id = SUMMARY["flaky_ids"][0]
    first = fetch(site, f"/page.php?p={article_id}")
    assert first.status == 503
    assert first.headers["retry-after"] == "1"
    assert fetch(site, f"/page.php?p={article_id}").status == 200
    assert fetch(site, f"/page.php?p={article_id}").status == 200


def test_reset_makes_flaky_articles_fail_again(site: SampleSite) -> None:
    target = f"/page.php?p={SUMMARY['flaky_ids'][0]}"
    fetch(site, target)
    site.reset()
    assert site.requests == []
    assert fetch(site, target).status == 503


def test_category_first_page_answers_with_and_without_page_1(site: SampleSite) -> None:
    slug = SUMMARY["categories"][0]["slug"]
    bare = fetch(site, f"/category.php?c={slug}")
    explicit = fetch(site, f"/category.php?c={slug}&page=1")
    assert bare.status == 200
    assert bare.body == explicit.body


@pytest.mark.parametrize("category", SUMMARY["categories"], ids=lambda c: c["slug"])
def test_category_pages_end_after_the_last(site: SampleSite, category: dict[str, Any]) -> None:
    slug, pages = category["slug"], category["pages"]
    assert fetch(site, f"/category.php?c={slug}&page={pages}").status == 200
    assert fetch(site, f"/category.php?c={slug}&page={pages + 1}").status == 404


@pytest.mark.parametrize("target", ["/category.php?c=nope", "/category.php?c=documentary&page=x"])
def test_bad_category_requests_answer_404(site: SampleSite, target: str) -> None:
    assert fetch(site, target).status == 404


@pytest.mark.parametrize("path", SUMMARY["disallowed_paths"])
def test_disallowed_paths_exist(site: SampleSite, path: str) -> None:
    assert fetch(site, path).status == 200


def test_head_sends_headers_without_a_body(site: SampleSite) -> None:
    reply = fetch(site, "/", method="HEAD")
    assert reply.status == 200
    assert int(reply.headers["content-length"]) > 0
    assert reply.body == b""


def test_public_origin_is_named_in_pages_while_served_from_loopback(
    public_site: SampleSite,
) -> None:
    assert public_site.base_url.startswith("http://127.0.0.1:")
    assert public_site.origin == PUBLIC
    page = fetch(public_site, "/category.php?c=festivals-awards&page=2").text
    assert f'href="{PUBLIC}/page.php?p=' in page
    assert 'href="//articles.example/page.php?p=' in page
    assert 'href="http://articles.example/page.php?p=' in page
    assert "127.0.0.1" not in page


def test_public_origin_redirects_to_the_public_origin(public_site: SampleSite) -> None:
    rule = SUMMARY["redirects"][0]
    assert fetch(public_site, rule["from"]).headers["location"] == PUBLIC + rule["to"]


def test_requests_are_recorded_in_memory_and_in_the_log(tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    site, _ = start_server(log_path=log)
    try:
        fetch(site, "/robots.txt")
        fetch(site, "/page.php?p=9999999&utm_source=x")
        fetch(site, "/", method="HEAD")
    finally:
        site.shutdown()
    lines = [
        "GET /robots.txt 200",
        "GET /page.php?p=9999999&utm_source=x 404",
        "HEAD / 200",
    ]
    assert [request.line() for request in site.requests] == lines
    assert site.requests[1].path == "/page.php"
    assert log.read_text(encoding="utf-8").splitlines() == lines


def test_route_key_ignores_tracking_parameters_order_and_fragment() -> None:
    assert route_key("/article.php?utm_source=x&id=1&ref=home#top") == "/article.php?id=1"
    assert route_key("/search.php") == "/search.php"


def test_substitution_keeps_legacy_bytes() -> None:
    data = "“{{ORIGIN}}/x” €".encode("cp1252")
    filled = substitute_bytes(data, "http://127.0.0.1:8000")
    assert filled.decode("cp1252") == "“http://127.0.0.1:8000/x” €"


def test_command_line_prints_the_serving_line_and_serves(tmp_path: Path) -> None:
    log = tmp_path / "cli.log"
    command = [sys.executable, "-m", "sample_site", "--root", str(DEFAULT_ROOT)]
    command += ["--port", "0", "--log", str(log)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.fullmatch(r"serving http://127\.0\.0\.1:(\d+)/\n", line)
            assert match, line
            connection = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=5)
            connection.request("GET", "/robots.txt")
            assert connection.getresponse().status == 200
            connection.close()
        finally:
            process.terminate()
        assert process.wait(timeout=10) == 0
    assert log.read_text(encoding="utf-8") == "GET /robots.txt 200\n"


ARTICLE = f"/page.php?p={SUMMARY['archived_ids'][0]}"


@pytest.mark.parametrize(
    "target",
    [
        ARTICLE,
        "/",
        "/robots.txt",
        "/sitemap.xml",
        f"/category.php?c={SUMMARY['categories'][0]['slug']}",
    ],
)
def test_every_page_carries_a_strong_etag_of_its_body(site: SampleSite, target: str) -> None:
    reply = fetch(site, target)
    assert reply.status == 200
    assert reply.headers["etag"] == entity_tag(reply.body)
    assert not reply.headers["etag"].startswith("W/")


def test_etag_is_of_the_body_as_served_under_its_origin(
    site: SampleSite, public_site: SampleSite
) -> None:
    own, public = fetch(site, ARTICLE), fetch(public_site, ARTICLE)
    assert public.headers["etag"] == entity_tag(public.body)
    assert own.headers["etag"] != public.headers["etag"]


@pytest.mark.parametrize("target", ["/page.php?p=9999999", SUMMARY["redirects"][0]["from"]])
def test_responses_other_than_200_carry_no_etag(site: SampleSite, target: str) -> None:
    assert "etag" not in fetch(site, target).headers


def test_matching_if_none_match_answers_304_without_a_body(site: SampleSite) -> None:
    etag = fetch(site, ARTICLE).headers["etag"]
    reply = fetch(site, ARTICLE, headers={"If-None-Match": etag})
    assert reply.status == 304
    assert reply.body == b""
    assert reply.headers["etag"] == etag


def test_weak_form_of_the_etag_also_matches(site: SampleSite) -> None:
    etag = fetch(site, ARTICLE).headers["etag"]
    assert fetch(site, ARTICLE, headers={"If-None-Match": f'"x", W/{etag}'}).status == 304


def test_stale_if_none_match_gets_the_whole_page(site: SampleSite) -> None:
    reply = fetch(site, ARTICLE, headers={"If-None-Match": '"stale"'})
    assert reply.status == 200
    assert reply.body == fetch(site, ARTICLE).body


def test_head_with_a_matching_etag_answers_304(site: SampleSite) -> None:
    etag = fetch(site, ARTICLE).headers["etag"]
    assert fetch(site, ARTICLE, "HEAD", {"If-None-Match": etag}).status == 304


def test_not_modified_is_recorded_as_304(site: SampleSite) -> None:
    etag = fetch(site, ARTICLE).headers["etag"]
    fetch(site, ARTICLE, headers={"If-None-Match": etag})
    assert site.requests[-1].line() == f"GET {ARTICLE} 304"


def test_connection_stays_usable_after_a_304(site: SampleSite) -> None:
    etag = fetch(site, ARTICLE).headers["etag"]
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    try:
        connection.request("GET", ARTICLE, headers={"If-None-Match": etag})
        assert Reply(connection.getresponse()).status == 304
        connection.request("GET", "/robots.txt")
        assert Reply(connection.getresponse()).status == 200
    finally:
        connection.close()


def test_flaky_article_fails_once_even_when_conditional(site: SampleSite) -> None:
    target = f"/page.php?p={SUMMARY['flaky_ids'][0]}"
    assert fetch(site, target, headers={"If-None-Match": "*"}).status == 503
    assert fetch(site, target, headers={"If-None-Match": "*"}).status == 304


def test_etag_list_with_commas_inside_a_tag_is_split_on_quotes() -> None:
    assert etag_matches('"a,b", "c"', '"a,b"')
    assert not etag_matches('"a', '"a"')


def test_doctests() -> None:
    assert doctest.testmod(server).failed == 0


@pytest.mark.parametrize("path", sorted(STATIC))
def test_the_stylesheet_and_images_are_served_with_their_type(site: SampleSite, path: str) -> None:
    _, content_type, data = STATIC[path]
    reply = fetch(site, path)
    assert (reply.status, reply.headers["content-type"], reply.body) == (200, content_type, data)


def test_every_page_links_the_stylesheet(site: SampleSite) -> None:
    for path in ("/", "/category.php?c=documentary", f"/page.php?p={SUMMARY['archived_ids'][0]}"):
        assert '<link rel="stylesheet" href="/static/site.css">' in fetch(site, path).text
