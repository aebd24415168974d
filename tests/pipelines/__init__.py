"""Tests for ``crawler.pipelines``."""
