"""Tests for ``crawler.middlewares``."""
