"""Scrapy extensions: the crawl state's lifecycle and the drift alarms."""
