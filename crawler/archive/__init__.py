"""Crash-safe archive storage (shards, categories, manifest) with no Scrapy dependency."""
