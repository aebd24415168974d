"""Scrapy settings for the archival crawler, grouped by component.

Each project-specific setting is documented on the component that reads it; this module only
holds the defaults. Override any of them per run with ``-s NAME=VALUE``.
"""

BOT_NAME = "evergreen"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Politeness -------------------------------------------------------------------------------
# Identify ourselves; obey robots.txt (Protego); pace by the server's own latency (AutoThrottle)
# so a slow site is not hammered while a fast local mirror is crawled at full speed.
USER_AGENT = "evergreen-archiver/0.1 (+archival crawler; scrapy)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
COOKIES_ENABLED = False

# --- Robustness -------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
# Article pages are tens of kilobytes; far below Scrapy's 1 GB default so a hostile or broken
# page cannot exhaust memory. The longest legitimate pages (thousands of paragraphs) stay < 8 MB.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10

# --- Downloader middlewares -------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Before Scrapy's offsite filter (50): requests naming the site's public origin are
    # re-issued to the host the crawl fetches from.
    "crawler.middlewares.alias.SiteAliasMiddleware": 40,
}

# --- Scheduling -------------------------------------------------------------------------------
# One request per article however it is linked: fingerprints use canonical URLs.
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalRequestFingerprinter"

# --- Item pipelines: validate, deduplicate, archive -------------------------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.dedup.DedupPipeline": 200,
    "crawler.pipelines.archive.ArchivePipeline": 900,
}
# Archive (see crawler.pipelines.archive.ArchivePipeline for the full description).
ARCHIVE_DIR = "data/archive"
ARCHIVE_SHARD_ITEMS = 10_000
ARCHIVE_GZIP = False

# --- Runtime ----------------------------------------------------------------------------------
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
