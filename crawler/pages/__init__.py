"""Page objects: extraction only, one class per page type, one method per field."""

from crawler.pages.article import ArticlePage
from crawler.pages.base import Page
from crawler.pages.category import CategoryPage

__all__ = ["ArticlePage", "CategoryPage", "Page"]
