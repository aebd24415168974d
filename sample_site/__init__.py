"""A deterministic stand-in for the article site, for offline tests and demos.

``build`` turns a seed into a model of the site (what every page is meant to say), ``render``
prints that model in the real site's markup, ``oracle`` derives the expected records from the
model alone, ``generate`` writes both to ``data/sample_site/`` and ``server`` serves the pages
on the loopback interface. See ``data/sample_site/README.md`` for the layout.
"""
