"""Every stats key the crawler counts under, in one place.

The manifest, the run report, the drift alarms and the crawl state read the stats a run
leaves; each key is defined here once, grouped by the component that counts it, so no
component imports another's module for a key. Keys ending in ``/`` are prefixes: the
reason or cause follows (``validate/dropped/missing_title``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# --- outcomes ---
ARTICLES_PREFIX = "articles/"
NEW_KEY = ARTICLES_PREFIX + "new"
CHANGED_KEY = ARTICLES_PREFIX + "changed"
UNCHANGED_KEY = ARTICLES_PREFIX + "unchanged"
REMOVED_KEY = ARTICLES_PREFIX + "removed"
#: Article records the archive wrote (new and changed ones).
WRITTEN_KEY = "archive/articles_written"

# --- coverage ---
#: Stats keys: article pages checked, and pages on which each field was found.
PAGES_KEY = "coverage/pages"
FIELD_PREFIX = "coverage/field/"

# --- failure_stats ---
PAGES_FAILED_PREFIX = "pages/failed/"

# --- pipelines.validate ---
#: Stats key prefix; the suffix is the reason from ``crawler.contract.violation``.
DROPPED_PREFIX = "validate/dropped/"
#: The reason's prefix of a page held for a field it lost (``lost_related``:
#: ``crawler.extensions.degraded``): it gave a record, which its field's coverage judges, not
#: the alarm on pages without records.
LOST_REASON = "lost_"

# --- extensions.learning ---
#: The learned template in use (id, digest, when and where it was learned): the manifest's.
TEMPLATE_KEY = "template/in_use"
#: The JSON of a template learned in this run, for the archive to write beside it.
TEMPLATE_LEARNED_KEY = "template/learned"
#: Why learning a template failed, one line.
TEMPLATE_FAILED_KEY = "template/failed"
#: Pages held for a template to read, and pages read again with one.
TEMPLATE_HELD_KEY = "template/held"
TEMPLATE_REREAD_KEY = "template/reread"

# --- pipelines.schema ---
#: Stats key prefix of invalid records; the suffix is the record type.
INVALID_PREFIX = "schema/invalid/"
#: The drop reason, among the validation pipeline's (and so in the manifest's ``dropped``).
DROPPED_KEY = DROPPED_PREFIX + "schema"

# --- pipelines.dedup ---
DUPLICATE_URL_KEY = "dedup/duplicate_url"
DUPLICATE_CONTENT_KEY = "dedup/duplicate_content"

# --- pipelines.version ---
#: Pages answering 404/410 that were never archived (or were already reported removed).
GONE_NOT_ARCHIVED_KEY = "gone/not_archived"
GONE_ALREADY_REMOVED_KEY = "gone/already_removed"

# --- pipelines.archive ---
CATEGORIES_WRITTEN_KEY = "archive/categories_written"
RUN_DIR_KEY = "archive/run_dir"
#: Set (to the error) when writing failed: the run has no manifest and the command exits 1.
FAILED_KEY = "archive/failed"
DROPPED_AFTER_FAILURE_KEY = "archive/dropped_after_failure"

#: Pages and requisites kept for replay with no record pointing at them, by purpose
#: (``listing``, ``requisite``), and how many of those were revisit records.
KEPT_PREFIX = "warc/kept/"
REVISITS_KEY = "warc/revisits"

# --- extensions.state ---
RESUMED_KEY = "state/resumed"
RECOVERED_KEY = "state/recovered_records"

# --- extensions.alarms ---
#: Stats key holding the run's alarms (a list of ``Alarm``).
ALARMS_KEY = "alarms"
#: Articles the sitemaps list that a finished run did not account for
#: (``crawler.extensions.accounting``): the manifest's ``counts.unaccounted``.
UNACCOUNTED_KEY = "accounting/unaccounted"

# --- extensions.revisit ---
#: Stats keys.
TRUST_KEY = "revisit/lastmod_trust"
FRESHNESS_KEY = "revisit/freshness"
LEFT_DUE_KEY = "revisit/left_due"
SKIPPED_PREFIX = "revisit/skipped/"
#: Sitemap entries not fetched: their lastmod is the one recorded at the last check.
LASTMOD_UNCHANGED_KEY = SKIPPED_PREFIX + "lastmod_unchanged"
LASTMOD_INVALID_KEY = "sitemap/lastmod_invalid"
SITEMAP_UNCHANGED_KEY = "sitemap/unchanged"
LISTING_STOPPED_KEY = "listing/stopped_at_known"

# --- spiders.site ---
#: Article entries of the sitemaps read by this process (an article two sitemaps list counts
#: twice): how many articles the crawl's progress line expects.
SITEMAP_LISTED_KEY = "sitemap/articles_listed"

#: Requisites (stylesheets, images) that could not be fetched, by status or error: not
#: pages, so not among ``pages/failed/``.
REQUISITE_FAILED_PREFIX = "warc/requisite_failed/"

# --- spiders.base ---
WRONG_SITE_KEY = "state/wrong_site"

# --- middlewares.limits ---
CATEGORY_PAGES_KEY = "limits/category_pages"
PAGES_TRUNCATED_KEY = "limits/pages_truncated"

# --- middlewares.robots ---
CRAWL_DELAY_KEY = "robotstxt/crawl_delay"

# --- middlewares.retry ---
RETRY_AFTER_KEY = "retry/retry_after"
RETRY_AFTER_TOO_LONG_KEY = "retry/retry_after_too_long"
WAITED_KEY = "retry/waited_ms"

# --- middlewares.conditional ---
NOT_MODIFIED_KEY = "state/not_modified"
SITEMAP_NOT_MODIFIED_KEY = "sitemap/not_modified"

# --- middlewares.purpose ---
#: Stats prefix: requests sent, by purpose (the manifest's ``requests``).
REQUESTS_PREFIX = "requests/"

# --- extensions.index ---
#: Runs the end-of-run update applied to the search index, the live articles it then holds,
#: and the error when the update failed (``scrapy crawl`` warns).
INDEX_RUNS_APPLIED_KEY = "index/runs_applied"
INDEX_ARTICLES_KEY = "index/articles"
INDEX_FAILED_KEY = "index/failed"

# --- redis.extension ---
#: Stats: parts of dead workers this worker took over.
TAKEN_OVER_KEY = "workers/taken_over"

# --- Scrapy's own, read by the crawl's progress line ---
RESPONSES_KEY = "response_received_count"

# --- Scrapy's own, read by the drift alarms ---
DOWNLOADER_EXCEPTION_PREFIX = "downloader/exception_type_count/"
DOWNLOADER_STATUS_PREFIX = "downloader/response_status_count/"


def with_prefix(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    """The counters under ``prefix``, named by what follows it.

    >>> with_prefix({"pages/failed/404": 2, "pages/ok": 1}, "pages/failed/")
    {'404': 2}
    """
    return {k.removeprefix(prefix): int(v) for k, v in stats.items() if k.startswith(prefix)}
