"""Scrapy middlewares: retry pacing, crawl limits and named failure causes for hostile sites."""
