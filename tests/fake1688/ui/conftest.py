"""The browser fixtures (``browser``, ``page``) for the dashboard's tests: see browser.py."""

from .browser import browser, page

__all__ = ["browser", "page"]
