"""The crawler's version: its own module, so that what records it (the manifest, WARC files,
the User-Agent) imports it without the package's lazy extraction entry point."""

__version__ = "0.1.0"
