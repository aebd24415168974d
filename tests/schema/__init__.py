"""Tests for ``crawler.schema``."""
