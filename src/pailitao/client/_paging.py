"""The pages of one search, shared by the sync and async clients."""

from __future__ import annotations

from typing import Any

from .._checks import is_count
from ..errors import ResponseParseError, UsageError
from ..images import PreparedImage
from ..models import Item, SearchPage
from ._requests import search_params
from ._settings import ClientSettings

__all__ = ["SearchPlan"]


class SearchPlan:
    """The pages of one search: the next page's params, the bounds, the items given.

    Shared by the sync and async clients, which only send and await.
    """

    def __init__(
        self,
        settings: ClientSettings,
        image: PreparedImage | None,
        query: dict[str, Any],
        *,
        first_page: int,
        max_pages: int | None,
        max_items: int | None,
    ) -> None:
        for name, bound in (("max_pages", max_pages), ("max_items", max_items)):
            if bound is not None and not is_count(bound):
                raise UsageError(f"{name} must be an integer >= 1, not {bound!r}")
        self.image = image
        self._settings, self._query = settings, query
        #: The Open Platform's and the reseller's searches take no image: upload it first.
        self.uploads_first = image is not None and settings.dialect != "top"
        self._page, self._pages_left, self._items_left = first_page, max_pages, max_items
        self._seen: set[str] = set()
        self.done = False

    def params(self) -> dict[str, str]:
        """The params of the page to fetch next."""
        return search_params(self._settings, image=self.image, page=self._page, **self._query)

    def use_image_id(self, image_id: str) -> None:
        """Search by an uploaded image's id from now on, instead of sending the image."""
        self.image = None
        self.uploads_first = False
        self._query["imgid"] = image_id

    def take(self, page: SearchPage) -> list[Item]:
        """The items of ``page`` not given before (within ``max_items``); moves on.

        A page other than the one asked for raises :class:`ResponseParseError`
        (a gateway that ignores ``page`` would repeat page 1 forever), and a page
        with no item that was not given before ends the search: the results are
        no longer advancing.
        """
        if page.page != self._page:
            raise ResponseParseError(
                f"items.page = {page.page}: asked for page {self._page}; "
                "the gateway ignored the page parameter"
            )
        fresh, advanced = [], False
        for item in page.items:
            if item.num_iid in self._seen:
                continue
            advanced = True
            if self._items_left != 0:
                self._seen.add(item.num_iid)
                fresh.append(item)
                self._items_left = None if self._items_left is None else self._items_left - 1
        self._pages_left = None if self._pages_left is None else self._pages_left - 1
        self.done = self._items_left == 0 or self._pages_left == 0
        self.done = self.done or not advanced or not page.has_next
        self._page += 1
        return fresh
