"""``python -m sample_site``: serve the bundled sample site (see ``server``)."""

import sys

from sample_site.server import main

sys.exit(main())
