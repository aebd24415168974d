"""What the crawl's log shows on stderr: a request that could not reach the site is one line
there, not a traceback.

Scrapy's robots.txt middleware logs a robots.txt it could not download with the exception's
traceback: some thirty lines of Twisted and download-handler frames, twice over (the Twisted
error and the Scrapy error raised from it), that say nothing the line above them does not ("Error
downloading <GET .../robots.txt>: Connection was refused by other side"). On stderr, which a
person or a cron mail reads, those records are written without their traceback; a ``LOG_FILE``
keeps it. The crawl's ``error:`` line and its closing summary say the rest. (No module of this
package defines a command class, so there is no ``scrapy stderr_log``.)
"""

from __future__ import annotations

import copy
import logging

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.utils.log import get_scrapy_root_handler
from twisted.internet.error import ConnectError, ConnectionLost, TimeoutError
from twisted.web.client import ResponseFailed, ResponseNeverReceived

#: Errors that say the site, or the network to it, could not be reached or gave up mid-answer.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    DownloadConnectionRefusedError,
    CannotResolveHostError,
    DownloadTimeoutError,
    DownloadFailedError,
    ResponseDataLossError,
    ConnectError,
    ConnectionLost,
    TimeoutError,
    ResponseFailed,
    ResponseNeverReceived,
    ConnectionError,
)


class WithoutInfrastructureTracebacks(logging.Formatter):
    """``formatter``'s lines, leaving out the traceback of a record whose exception is one of
    ``INFRASTRUCTURE_ERRORS`` (the record itself is not changed: other handlers still get it)."""

    def __init__(self, formatter: logging.Formatter | None) -> None:
        super().__init__()
        self.formatter = formatter or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, INFRASTRUCTURE_ERRORS):
            record = copy.copy(record)
            record.exc_info = record.exc_text = None
        return self.formatter.format(record)


def quiet_infrastructure_tracebacks() -> None:
    """Write Scrapy's root log handler's infrastructure errors without their traceback, if it
    writes to a stream (stderr) rather than a ``LOG_FILE``. Call it once the engine has
    started (``engine_started``): a crawl installs the handler anew as it starts."""
    handler = get_scrapy_root_handler()
    if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
        handler.setFormatter(WithoutInfrastructureTracebacks(handler.formatter))
