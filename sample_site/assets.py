"""The sample site's static files: its stylesheet and the images its pages show.

Every page links ``/static/site.css``; some article bodies show a film still, and a tracking
pixel sits in a ``noscript``. The server answers them as files (``routes.json``'s ``static``),
so a crawl that keeps the pages' requisites (``WARC_PAGE_REQUISITES``) can replay them styled.
The images are tiny, solid colours, kept here as base64 (written by PIL, not needed to serve).
"""

from __future__ import annotations

import base64

#: What the stylesheet sets that a replay test can see: the page's background and the title's
#: colour (tests/test_replay_e2e.py reads a pixel of a screenshot).
BACKGROUND = (244, 239, 230)
TITLE_COLOUR = (122, 31, 31)

SITE_CSS = f"""/* Evergreen */
body {{ background: rgb{BACKGROUND}; color: #222; font-family: Georgia, serif; margin: 0 auto;
  max-width: 46rem; padding: 0 1rem; }}
.site-header {{ border-bottom: 2px solid rgb{TITLE_COLOUR}; padding: 1rem 0; }}
.site-header .logo {{ color: rgb{TITLE_COLOUR}; font-size: 1.6rem; font-weight: bold;
  text-decoration: none; }}
.main-nav ul, .share-buttons, .site-footer ul {{ display: flex; gap: 1rem; list-style: none;
  padding: 0; }}
h1, .post-title, .category-title {{ color: rgb{TITLE_COLOUR}; }}
.post-summary {{ font-size: 1.2rem; font-style: italic; }}
.post-body img {{ height: auto; max-width: 100%; }}
.ad-container, .advertisement, .sponsored-content {{ display: none; }}
.site-footer {{ border-top: 1px solid #ccc; color: #666; margin-top: 2rem; }}
"""

#: What the two stills share, written by PIL at the same size and quality: the JPEG up to its
#: scan (markers, tables, the 64 x 36 frame and the start of scan).
_JPEG_HEADER = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERX"
    "RTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAkAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAA"
    "AAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAk"
    "M2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKT"
    "lJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QA"
    "HwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdh"
    "cRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hp"
    "anN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk"
    "5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwA="
)
#: Each still's scan, by its number: a solid colour of its own.
_STILL_SCANS = {
    "4471": "o0UUVzm4UUUUAFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAFFFFAH/2Q==",
    "9012": "xaKKK6DEKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigD/2Q==",
}
_PIXEL = "R0lGODlhAQABAIAAAAAAAAAAACH5BAEAAAAALAAAAAABAAEAAAgEAAEEBAA7"

#: URL path -> (file under ``site/``, Content-Type, bytes).
STATIC: dict[str, tuple[str, str, bytes]] = {
    "/static/site.css": ("static/site.css", "text/css; charset=utf-8", SITE_CSS.encode()),
    **{
        f"/static/stills/still-{still}.jpg": (
            f"static/stills/still-{still}.jpg",
            "image/jpeg",
            _JPEG_HEADER + base64.b64decode(scan),
        )
        for still, scan in _STILL_SCANS.items()
    },
    "/static/pixel.gif": ("static/pixel.gif", "image/gif", base64.b64decode(_PIXEL)),
}
