"""Spiders: navigation only (which URLs to follow, in which order, within which scope)."""
