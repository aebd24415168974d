"""Crash-safe archive storage (shards, categories, manifest) with no Scrapy dependency, and
its reader: ``iter_records``, ``load_dataframe`` and ``shard_paths`` (``crawler.archive.reader``).

Importing this package loads neither Scrapy, Twisted nor lxml (a test checks it)."""

from crawler.archive.reader import iter_records, load_dataframe, shard_paths

__all__ = ["iter_records", "load_dataframe", "shard_paths"]
