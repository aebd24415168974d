"""A fault-injecting local copy of the site, and a real crawl against it."""
