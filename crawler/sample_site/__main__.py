"""``python -m crawler.sample_site``: serve the bundled sample site (see ``server``)."""

import sys

from crawler.sample_site.server import main

sys.exit(main())
