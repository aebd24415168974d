"""Tests for ``crawler.archive``."""
