from __future__ import annotations

import logging
from typing import Any

import pytest
from scrapy import Request

from crawler import __version__
from crawler import settings as project_settings
from crawler.middlewares.useragent import PROJECT_REFERENCE, ContactUserAgentMiddleware
from tests.middlewares.conftest import make_crawler

URL = "http://127.0.0.1:8000/page.php?p=0000001"
CONTACT = "mailto:archivist@example.org"


def sent_user_agent(**settings: Any) -> bytes | None:
    """The User-Agent a request goes out with, under the project's USER_AGENT by default."""
    crawler = make_crawler(**{"USER_AGENT": project_settings.USER_AGENT, **settings})
    request = Request(URL)
    ContactUserAgentMiddleware.from_crawler(crawler).process_request(request)
    return request.headers.get(b"User-Agent")


def test_the_contact_is_filled_in() -> None:
    expected = f"evergreen-archiver/{__version__} (+{CONTACT})"
    assert sent_user_agent(BOT_CONTACT=CONTACT) == expected.encode()


def test_without_a_contact_it_names_the_readme_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = make_crawler(USER_AGENT=project_settings.USER_AGENT, BOT_CONTACT="")
    with caplog.at_level(logging.WARNING):
        middleware = ContactUserAgentMiddleware.from_crawler(crawler)
        requests = [Request(f"{URL}{n}") for n in range(3)]
        for request in requests:
            middleware.process_request(request)

    expected = f"evergreen-archiver/{__version__} (+{PROJECT_REFERENCE})"
    assert {request.headers[b"User-Agent"] for request in requests} == {expected.encode()}
    [warning] = caplog.records
    assert "BOT_CONTACT" in warning.getMessage()


@pytest.mark.parametrize("contact", ["", CONTACT])
def test_a_full_user_agent_is_used_as_is(contact: str, caplog: pytest.LogCaptureFixture) -> None:
    given = "ArchiveBot/2.0 (+https://archive.example/bot; {not-a-placeholder})"
    with caplog.at_level(logging.WARNING):
        assert sent_user_agent(USER_AGENT=given, BOT_CONTACT=contact) == given.encode()
    assert caplog.records == []


def test_a_request_with_its_own_user_agent_keeps_it() -> None:
    crawler = make_crawler(USER_AGENT=project_settings.USER_AGENT, BOT_CONTACT=CONTACT)
    request = Request(URL, headers={"User-Agent": "Probe/1.0"})
    ContactUserAgentMiddleware.from_crawler(crawler).process_request(request)
    assert request.headers[b"User-Agent"] == b"Probe/1.0"
