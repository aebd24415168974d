"""Distributed crawls: several ``scrapy crawl`` workers sharing one crawl through Redis.

``REDIS_URL`` turns it on, through the add-on ``RedisAddon`` (``addon``). The crawl state
(``crawler.redis.state.RedisState``) then lives in Redis instead of SQLite, and the scheduler
is scrapy-redis's, adapted to Scrapy 2.19 and to the state's frontier:

- ``keys``: where everything lives, under one prefix per site;
- ``state``: the ``CrawlState``, on ``claims``, ``indexes`` (the articles') and ``sitemaps``,
  with ``stored`` to read back what it stored;
- ``heartbeat``: a worker's hold of its id; ``workers``: the runs' parts, how a run ends;
- ``frontier``: the run's queue, seen set and each worker's requests in flight;
- ``queue``, ``dupefilter``, ``scheduler``: scrapy-redis's components, subclassed;
- ``takeover``: what a live worker does with the folder and requests of a dead one;
- ``held``: the pages a worker holds for learning, in Redis for whoever outlives it;
- ``extension``: the state extension of a worker (its heartbeat, the run it joins, when the
  crawl is over);
- ``connection``: the Redis client, the key prefix and the worker id from the settings.

README.md, "Distributed crawls", says how to run workers and what each piece changes in
scrapy-redis 0.9.1, and why.
"""

from crawler.redis.addon import RedisAddon

__all__ = ["RedisAddon"]
