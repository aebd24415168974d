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
# crawler.middlewares.useragent.ContactUserAgentMiddleware fills in {version} and {contact}
# (BOT_CONTACT: the archivist's URL or mailto: address, which site operators need to reach us).
USER_AGENT = "evergreen-archiver/{version} (+{contact})"
BOT_CONTACT = ""
ROBOTSTXT_OBEY = True
# robots.txt groups for our product token apply to us, whatever the full User-Agent says.
ROBOTSTXT_USER_AGENT = "evergreen-archiver"
# crawler.middlewares.robots.CrawlDelayRobotsTxtMiddleware: robots.txt's Crawl-delay is a floor
# on the gap between requests to the site (AutoThrottle on or off), up to this many seconds.
ROBOTSTXT_MAX_CRAWL_DELAY = 60
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Scrapy starts this many asyncio tasks for the output of every response, to run pipelines in
# parallel. Ours never wait on I/O, so parallelism buys nothing here, while Scrapy's default of
# 100 tasks a response was a fifth of a profiled crawl's CPU (bench/, README "Benchmarks").
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
COOKIES_ENABLED = False
# Scrapy's CloseSpider: stop after this many responses (0: no cap). A run stopped at the cap
# has no manifest; the next crawl with the same STATE_DIR resumes it.
CLOSESPIDER_PAGECOUNT = 0

# --- Robustness -------------------------------------------------------------------------------
# Sane defaults against a misbehaving site; each limit's failure is counted under a stats key
# naming its cause (pages/failed/<cause>, limits/..., retry/...).
# Covers the whole body; articles are tens of kB. A hanging server costs 30 s x 4 attempts.
DOWNLOAD_TIMEOUT = 30
# Far below Scrapy's 1 GB: the longest legitimate pages (thousands of paragraphs) are < 8 MB.
# Also bounds decompressed size, so a gzip bomb stops at 16 MiB (DecompressionBomb).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# A body cut short (Content-Length longer than what arrived) is retried, never archived.
DOWNLOAD_FAIL_ON_DATALOSS = True
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# crawler.middlewares.retry.RetryAfterMiddleware: honours Retry-After up to RETRY_AFTER_MAX
# seconds ("come back in an hour" fails fast and is counted), else backs off exponentially
# with jitter: 0.5-1 s, 1-2 s, 2-4 s, which rides out a restart or a deploy.
RETRY_AFTER_MAX = 60
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0
REDIRECT_MAX_TIMES = 10
# crawler.middlewares.limits.CrawlLimitsMiddleware: crawler traps. 500 listing pages is about
# 6,000 articles per category; real pages link to under 100 pages (sitemaps are exempt).
CATEGORY_MAX_PAGES = 500
PAGE_MAX_LINKS = 2_000
# Backstop for loops outside listings: deeper than listing page 500 (depth 501).
DEPTH_LIMIT = 600
# crawler.middlewares.failures.ResponseGuardMiddleware: bytes of a body checked for binary.
RESPONSE_GUARD_ENABLED = True
RESPONSE_GUARD_SNIFF_BYTES = 1024

# --- Middlewares ------------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Before Scrapy's offsite filter (50): requests naming the site's public origin are
    # re-issued to the host the crawl fetches from.
    "crawler.middlewares.alias.SiteAliasMiddleware": 40,
    # Pages held for a learned template are answered from the run's store, not the site.
    "crawler.middlewares.held.HeldResponseMiddleware": 30,
    # Scrapy's own, extended: Retry-After and backoff; named causes for refused pages.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.RetryAfterMiddleware": 550,
    # Below 590 so it sees decompressed bodies.
    "crawler.middlewares.failures.ResponseGuardMiddleware": 585,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.failures.DecompressionBombMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.failures.RedirectGuardMiddleware": 600,
    # Article pages the state knows are asked for with If-None-Match / If-Modified-Since;
    # sees a 304 before the retry middleware (550) and after the guards (585+).
    "crawler.middlewares.conditional.ConditionalRequestMiddleware": 570,
    # Scrapy's own, extended: robots.txt's Crawl-delay paces the site's downloader slot.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.CrawlDelayRobotsTxtMiddleware": 100,
    # The User-Agent names the project and BOT_CONTACT.
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "crawler.middlewares.useragent.ContactUserAgentMiddleware": 500,
    # Last before the downloader: counts every request sent, retries included, by purpose.
    "crawler.middlewares.purpose.RequestPurposeMiddleware": 990,
}
SPIDER_MIDDLEWARES = {
    # Above DepthMiddleware (900), so it sees the spider's own output first.
    "crawler.middlewares.limits.CrawlLimitsMiddleware": 950,
    # Article items carry their HTTP exchange to the archive, which stores it as WARC.
    "crawler.middlewares.capture.CaptureMiddleware": 800,
}

# --- Scheduling -------------------------------------------------------------------------------
# One request per article however it is linked: fingerprints use canonical URLs.
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalRequestFingerprinter"
# The queue and the seen set are the crawl state's frontier, on disk (Scrapy's own scheduler
# when STATE_ENABLED is False; scrapy-redis's, adapted, with REDIS_URL: crawler.addons).
SCHEDULER = "crawler.scheduler.StateScheduler"

# --- Crawl state and drift alarms ---------------------------------------------------------------
# crawler.extensions.state.CrawlStateExtension: incremental, resumable runs. One state folder
# per site; a second crawl on the same folder is refused while one runs.
STATE_ENABLED = True
# "": data/state/<host>[-<port>] of the start URL, one folder per site. A state folder belongs
# to the site it was made for: a crawl of another site on it is refused (exit 2).
STATE_DIR = ""
STATE_COMMIT_INTERVAL = 0.5
# crawler.clock: "" is real UTC time; an ISO time with a zone (2026-03-01T03:00:00Z) makes the
# run act as if it started then, for every schedule decision and every time it records.
CRAWL_CLOCK = ""

# --- Revisits: incremental runs that cost what changed ------------------------------------------
# crawler.extensions.revisit.RevisitPolicy (docs: README "Incremental runs"). Every archived
# article is checked at least once every REVISIT_MAX_AGE_DAYS, or REVISIT_MAX_AGE_DAYS_TRUSTED
# while the site's sitemap <lastmod> has not been caught lying; an unchanged article's interval
# doubles from REVISIT_MIN_DAYS up to that bound.
REVISIT_MAX_AGE_DAYS = 7.0
REVISIT_MAX_AGE_DAYS_TRUSTED = 30.0
REVISIT_MIN_DAYS = 1.0
# Most due articles one run checks, oldest check first (0: no cap); the rest stay due.
REVISIT_BUDGET = 0
# Share of the archived articles checked at random each run to test the lastmod, at least
# REVISIT_TRUST_SAMPLE_MIN; trust lost comes back after REVISIT_TRUST_RECOVER clean runs.
REVISIT_TRUST_SAMPLE = 0.005
REVISIT_TRUST_SAMPLE_MIN = 5
REVISIT_TRUST_RECOVER = 7
# A category's pagination is followed until this many pages in a row list only known
# articles; every listing page is still swept every LISTING_FULL_SWEEP_DAYS.
LISTING_STOP_AFTER_KNOWN = 1
LISTING_FULL_SWEEP_DAYS = 7.0
# crawler.extensions.alarms.DriftAlarms: a crawl that could not reach the site, whose article
# pages stopped yielding records, or whose field coverage fell, exits non-zero (README).
ALARM_ENABLED = True
ALARM_FAILED_SHARE = 0.9
ALARM_NO_RECORD_SHARE = 0.25
ALARM_COVERAGE_DROP = 0.2
ALARM_MIN_PAGES = 20
# crawler.extensions.learning.TemplateLearning: a run whose article pages stop yielding records,
# or whose field coverage collapses, learns the site's new template from the archive and reads
# them again with it (README).
TEMPLATE_LEARNING = True
TEMPLATE_HOLD_MAX_PAGES = 50_000
TEMPLATE_SAMPLE_PAGES = 60
EXTENSIONS = {
    # Extensions are built before pipelines, middlewares and the scheduler, which find the
    # state through this one.
    "crawler.extensions.state.CrawlStateExtension": 10,
    "crawler.extensions.revisit.RevisitPolicy": 15,
    "crawler.extensions.alarms.DriftAlarms": 20,
    # Learns a new template when pages stop yielding records; the spider reads with it.
    "crawler.extensions.learning.TemplateLearning": 22,
    # After the drift alarms: a finished run accounts for every article its sitemaps list.
    "crawler.extensions.accounting.Accounting": 25,
    # AutoThrottle that never goes below robots.txt's Crawl-delay and counts a 304 as a 200.
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.extensions.throttle.CrawlDelayAutoThrottle": 0,
    # A progress line on stderr while a person watches (PROGRESS_ENABLED).
    "crawler.extensions.progress.CrawlProgress": 30,
    # The search index (<ARCHIVE_DIR>/index.sqlite) updated from each finished run.
    "crawler.extensions.index.SearchIndexExtension": 35,
}

# --- Distributed crawls ------------------------------------------------------------------------
# crawler.addons.StateBackends: each state backend's add-on is enabled by its setting being set.
ADDONS = {"crawler.addons.StateBackends": 0}
STATE_BACKENDS = {"REDIS_URL": "crawler.redis.RedisAddon"}
# crawler.redis.RedisAddon (crawler.redis.extension.WorkerStateExtension): with REDIS_URL set (e.g. redis://host:6379/0),
# every `scrapy crawl` with the same URL and key prefix is a worker of one crawl: the crawl
# state, the request queue and the duplicate filter (scrapy-redis, adapted: crawler/redis/) are
# shared in Redis, each worker writes its own run folder, and a dead worker's requests and
# folder are taken over by a live one. Needs the redis extra. README, "Distributed crawls".
REDIS_URL = ""
# "": evergreen:<host[:port] of the site>, one state per site (as one STATE_DIR per site).
REDIS_KEY_PREFIX = ""
# "": <host name>-<pid>. A worker restarted with the same id resumes its own run folder.
REDIS_WORKER_ID = ""
# Seconds between heartbeats, and without one before a worker is taken for dead (its requests
# are queued again then: the longest a kill delays them).
REDIS_HEARTBEAT_INTERVAL = 1.0
REDIS_WORKER_TIMEOUT = 15.0
# Seconds a worker retries a call to Redis, with backoff, while Redis does not answer (one
# warning when the outage starts, one when it ends); past them it stops as if killed: one
# error: line, exit status 4, its folder left for the same command to resume once Redis is
# back (crawler.redis.outage). Keep Redis's persistence on (appendonly yes) for that.
REDIS_OUTAGE_TIMEOUT = 60.0

# --- Item pipelines: validate, deduplicate, archive -------------------------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    # An archived article whose page lost a field is held for a learned template, not written
    # degraded (off with TEMPLATE_LEARNING=False); before dedup, so a page read again passes.
    "crawler.pipelines.degraded.DegradedPipeline": 150,
    "crawler.pipelines.dedup.DedupPipeline": 200,
    # New and changed articles only; removed ones get one record.
    "crawler.pipelines.version.VersionPipeline": 300,
    # Every record as it will be written, against crawler/schema/<type>.schema.json.
    "crawler.pipelines.schema.SchemaValidationPipeline": 800,
    "crawler.pipelines.archive.ArchivePipeline": 900,
}
# crawler.pipelines.schema.SchemaValidationPipeline: False writes records unchecked.
SCHEMA_VALIDATION_ENABLED = True
# Archive (see crawler.pipelines.archive.ArchivePipeline for the full description).
ARCHIVE_DIR = "data/archive"
ARCHIVE_SHARD_ITEMS = 10_000
ARCHIVE_GZIP = False
# crawler.extensions.index.SearchIndexExtension: <ARCHIVE_DIR>/index.sqlite, the full-text
# index `scrapy search` and Datasette read, updated at the end of every run (docs/search.md).
SEARCH_INDEX_ENABLED = True
# Bytes of terms, and as much SQLite page cache, a build of the whole index at the end of a
# crawl (the first run, or an index to rebuild) keeps in memory. `scrapy index` takes 16 MiB
# (crawler.archive.index.BUILD_MEMORY), which would make that build the peak of the crawl's RSS.
SEARCH_INDEX_BUILD_MEMORY = 4 << 20
# Raw captures: each archived article's request and response in the run's WARC files, and
# the listing pages (home, categories) a replay links to (crawler.middlewares.capture).
WARC_ENABLED = True
WARC_MAX_BYTES = 1 << 30
# The site spider also fetches, once per run, the stylesheets and images on the site's own host
# that its archived and listing pages load, so a replay shows them styled. A page or requisite
# whose bytes the archive holds already is written as a revisit record (docs/replay.md).
WARC_PAGE_REQUISITES = True
# scrapy replay: the folder of pywb's wb-manager and wayback. "": the checkout's .venv-pywb/bin
# (`make pywb` builds it: pywb pins a redis-py the crawler cannot share), else the PATH.
REPLAY_PYWB_BIN = ""

# --- Progress ---------------------------------------------------------------------------------
# crawler.extensions.progress.CrawlProgress: a crawl's progress line (pages, articles, failures,
# requests/s, and a percentage and ETA once the sitemaps said how many articles to expect) on
# stderr. "auto": only when stderr is a terminal, so cron, Scrapyd and pipes get nothing;
# True or False force it on or off. Redrawn every PROGRESS_INTERVAL seconds.
PROGRESS_ENABLED = "auto"
PROGRESS_INTERVAL = 0.5

# --- Runtime ----------------------------------------------------------------------------------
LOG_LEVEL = "INFO"
# Scrapy's telnet console: off. Workers started together race for its port range (one of them
# logs EADDRINUSE at listen() as a traceback), and an unattended crawl has no one to use it.
TELNETCONSOLE_ENABLED = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
