"""A User-Agent that names the project and a way to reach whoever runs the crawl."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware

from crawler.version import __version__

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: What the User-Agent names when no contact is set. The project declares no homepage, so it
#: points at its README, which says what the crawler is and how it behaves.
PROJECT_REFERENCE = "evergreen-crawler README"


def user_agent(template: str, contact: str, version: str = __version__) -> str:
    """``template`` with ``{contact}`` and ``{version}`` filled in; anything else, braces
    included, is kept as written, so a full User-Agent of the operator's is used as is.

    >>> user_agent("evergreen-archiver/{version} (+{contact})", "mailto:a@b.example", "1.2")
    'evergreen-archiver/1.2 (+mailto:a@b.example)'
    >>> user_agent("Mozilla/5.0 (compatible; {bot})", "https://b.example/")
    'Mozilla/5.0 (compatible; {bot})'
    """
    return template.replace("{contact}", contact).replace("{version}", version)


class ContactUserAgentMiddleware(UserAgentMiddleware):
    """Downloader middleware in place of Scrapy's ``UserAgentMiddleware`` (at 500): the
    ``USER_AGENT`` it sends is built at crawl start from a template, so a site's operator who
    sees the crawler in their logs can tell what it is and whom to ask. A spider's own
    ``user_agent`` attribute and a request's own header still win, as with Scrapy's.

    Settings:

    - ``USER_AGENT`` (default ``"evergreen-archiver/{version} (+{contact})"``): ``{version}``
      becomes the project's version and ``{contact}`` the ``BOT_CONTACT``. A value without
      ``{contact}`` is used as written.
    - ``BOT_CONTACT`` (default ``""``): a URL or ``mailto:`` address of the archivist. When it
      is empty the User-Agent names the project's README instead, and one WARNING asks the
      operator to set it.

    The product token before the ``/`` is what robots.txt groups are matched against
    (``ROBOTSTXT_USER_AGENT``, ``"evergreen-archiver"``). No stats.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        template = crawler.settings.get("USER_AGENT") or ""
        contact = (crawler.settings.get("BOT_CONTACT") or "").strip()
        if "{contact}" in template and not contact:
            logger.warning(
                "BOT_CONTACT is not set: the User-Agent names the project's README instead "
                "of a way to reach you. Set it to your URL or mailto: address, e.g. "
                "-s BOT_CONTACT=mailto:archivist@example.org"
            )
            contact = PROJECT_REFERENCE
        middleware = cls(user_agent(template, contact))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware
