"""Site templates as data, learned from the archive when the site is redesigned.

``model`` is the template (JSON), ``apply`` the page objects that read one, ``learn`` and
``listing`` learn one from labelled pages (with ``fields``, ``body``, ``related`` and
``candidates``), ``held`` keeps the pages a run could not read until a template can. No
Scrapy needed.
"""
