# Two commands do everything on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Stamps record what was installed, so re-running a target skips pip unless pyproject changed.
BASE_STAMP := $(VENV)/.installed-base
TEST_STAMP := $(VENV)/.installed-test
FUZZ_STAMP := $(VENV)/.installed-fuzz
BENCH_STAMP := $(VENV)/.installed-bench
# pywb (scrapy replay) has a virtualenv of its own: it pins redis==2.10.6, which the crawler's
# Redis backend (redis-py 8) cannot share. scrapy replay finds it here (REPLAY_PYWB_BIN).
PYWB_VENV := .venv-pywb
PYWB_SPEC := pywb>=2.10,<2.11
PYWB_STAMP := $(PYWB_VENV)/.installed
FUZZ_RUNS ?= 20000

.PHONY: demo test lint fuzz bench redis-server chromium pywb sample-site clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(BASE_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(BASE_STAMP) $@

$(FUZZ_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,fuzz]'
	touch $(BASE_STAMP) $(TEST_STAMP) $@

$(BENCH_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(BASE_STAMP) $(TEST_STAMP) $@

$(PYWB_STAMP): Makefile
	$(PYTHON) -m venv $(PYWB_VENV) || python3 -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYWB_VENV)/bin/python -m pip install --quiet '$(PYWB_SPEC)'
	touch $@

# pywb for `scrapy replay` and its test (about 10 s from PyPI).
pywb: $(PYWB_STAMP)

demo: $(BASE_STAMP)
	$(PY) -m sample_site.demo

lint: $(TEST_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

test: $(TEST_STAMP) $(PYWB_STAMP) lint
	$(PY) -m pytest

# A fixed number of libFuzzer iterations from a fixed seed; exits non-zero on the first crash.
fuzz: $(FUZZ_STAMP)
	$(PY) fuzz/fuzz_extract.py -runs=$(FUZZ_RUNS) -seed=1 -max_len=65536 -timeout=60

# Extraction and crawl benchmarks with their floors, one Markdown report (README, Benchmarks);
# about 25 minutes. BENCH_ARGS=--quick skips the 30,000-article site.
bench: $(BENCH_STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

# The distributed-crawl tests start a redis-server of their own (Debian's package) and are
# skipped where there is none: installs it where apt-get can (as root, or through sudo).
redis-server:
	@command -v redis-server >/dev/null || { \
	  command -v apt-get >/dev/null || { echo "redis-server missing and no apt-get: install it" >&2; exit 1; }; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; }
	@redis-server --version

# The HTML report's test opens the report in headless Chromium (Debian's package): installs it
# where apt-get can (as root, or through sudo), as redis-server above.
chromium:
	@command -v chromium >/dev/null || { \
	  command -v apt-get >/dev/null || { echo "chromium missing and no apt-get: install it" >&2; exit 1; }; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

# Regenerates the bundled site and the per-variant fixtures (tests check both are current).
sample-site: $(BASE_STAMP)
	$(PY) -m sample_site.generate
	$(PY) tests/fixtures/make_fixtures.py

clean:
	rm -rf $(VENV) $(PYWB_VENV) .pytest_cache .mypy_cache .ruff_cache
