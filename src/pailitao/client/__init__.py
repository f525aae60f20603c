"""The search clients: :class:`PailitaoClient` (sync) and :class:`AsyncPailitaoClient`.

Both take any httpx transport — the network (default), the fake gateway's,
respx, or a cassette — and never patch httpx globally. Every attempt is signed
afresh (the timestamp must be current), and retries follow :class:`RetryPolicy`.
Everything but sending and waiting lives in :class:`~pailitao.client._base.BaseClient`;
the methods here repeat only the signatures that typing needs twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Self

import httpx
import tenacity

from .._checks import Price
from ..images import ImageSource, PreparedImage
from ..models import Item, SearchPage, parse_search_response, parse_upload_response
from ..wire.top import SEARCH_METHOD, UPLOAD_METHOD
from ._answers import T
from ._base import BaseClient
from ._paging import SearchPlan
from ._requests import Sort

__all__ = ["AsyncPailitaoClient", "PailitaoClient"]


class PailitaoClient(BaseClient[httpx.BaseTransport, Callable[[float], None]]):
    """Synchronous 拍立淘 client.

    >>> with PailitaoClient(app_key="...", app_secret="...") as client:  # doctest: +SKIP
    ...     page = client.search_image(file="shoe.jpg", sort="price_asc")
    """

    _http: httpx.Client

    def _open(self, transport: httpx.BaseTransport | None, timeout: float | httpx.Timeout) -> None:
        self._http = httpx.Client(transport=transport, timeout=timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def search_image(
        self,
        *,
        file: ImageSource | None = None,
        image_url: str | None = None,
        imgid: str | None = None,
        cat: str | int | None = None,
        sort: Sort | str | None = None,
        page: int = 1,
        page_size: int = 20,
        start_price: Price | None = None,
        end_price: Price | None = None,
        country: str | None = None,
    ) -> SearchPage:
        """One page of offers that look like the image (exactly one source)."""
        plan = self._search_plan(locals())
        self._upload_first(plan)
        return self._call(SEARCH_METHOD, plan.params(), plan.image, parse_search_response)

    def iter_search(
        self,
        *,
        file: ImageSource | None = None,
        image_url: str | None = None,
        imgid: str | None = None,
        cat: str | int | None = None,
        sort: Sort | str | None = None,
        page_size: int = 20,
        start_price: Price | None = None,
        end_price: Price | None = None,
        country: str | None = None,
        max_pages: int | None = None,
        max_items: int | None = None,
    ) -> Iterator[Item]:
        """Every offer of every page, each ``num_iid`` once, within the bounds.

        Stops at an empty page, the last page, a bound, or a page with nothing
        new; an answer for another page than asked raises ResponseParseError.
        """
        plan = self._search_plan(locals())
        self._upload_first(plan)
        while not plan.done:
            page = self._call(SEARCH_METHOD, plan.params(), plan.image, parse_search_response)
            yield from plan.take(page)

    def upload_image(self, file: ImageSource) -> str:
        """Upload an image; returns the ``imgid`` to search with.

        An Open Platform imageId with ``dialect="aop"``, the hosted image's URL
        with ``dialect="reseller"``.
        """
        return self._call(UPLOAD_METHOD, {}, self._prepare_image(file), parse_upload_response)

    def _upload_first(self, plan: SearchPlan) -> None:
        if plan.uploads_first:
            plan.use_image_id(self._call(UPLOAD_METHOD, {}, plan.image, parse_upload_response))

    def _call(
        self, api_method: str, params: dict[str, str], image: PreparedImage | None,
        parse: Callable[[object], T],
    ) -> T:  # fmt: skip
        def attempt() -> T:
            request, signature = self._build_request(api_method, params, image)
            with self._sending(request, signature):
                response = self._http.send(request)
            return self._read_answer(response, parse, signature)

        retrying = tenacity.Retrying(**self._retrying_kwargs(time.sleep))
        with self._giving_up(retrying):
            return retrying(attempt)


class AsyncPailitaoClient(BaseClient[httpx.AsyncBaseTransport, Callable[[float], Awaitable[None]]]):
    """Asynchronous 拍立淘 client: :class:`PailitaoClient`'s methods, awaited.

    ``close`` is ``aclose``; each method does what the sync one of its name does.
    """

    _http: httpx.AsyncClient

    def _open(
        self, transport: httpx.AsyncBaseTransport | None, timeout: float | httpx.Timeout
    ) -> None:
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._http.aclose()

    async def search_image(
        self,
        *,
        file: ImageSource | None = None,
        image_url: str | None = None,
        imgid: str | None = None,
        cat: str | int | None = None,
        sort: Sort | str | None = None,
        page: int = 1,
        page_size: int = 20,
        start_price: Price | None = None,
        end_price: Price | None = None,
        country: str | None = None,
    ) -> SearchPage:
        """:meth:`PailitaoClient.search_image`, awaited."""
        plan = self._search_plan(locals())
        await self._upload_first(plan)
        return await self._call(SEARCH_METHOD, plan.params(), plan.image, parse_search_response)

    async def iter_search(
        self,
        *,
        file: ImageSource | None = None,
        image_url: str | None = None,
        imgid: str | None = None,
        cat: str | int | None = None,
        sort: Sort | str | None = None,
        page_size: int = 20,
        start_price: Price | None = None,
        end_price: Price | None = None,
        country: str | None = None,
        max_pages: int | None = None,
        max_items: int | None = None,
    ) -> AsyncIterator[Item]:
        """:meth:`PailitaoClient.iter_search`, with ``async for``."""
        plan = self._search_plan(locals())
        await self._upload_first(plan)
        while not plan.done:
            page = await self._call(SEARCH_METHOD, plan.params(), plan.image, parse_search_response)
            for item in plan.take(page):
                yield item

    async def upload_image(self, file: ImageSource) -> str:
        """:meth:`PailitaoClient.upload_image`, awaited."""
        image = self._prepare_image(file)
        return await self._call(UPLOAD_METHOD, {}, image, parse_upload_response)

    async def _upload_first(self, plan: SearchPlan) -> None:
        if plan.uploads_first:
            image_id = await self._call(UPLOAD_METHOD, {}, plan.image, parse_upload_response)
            plan.use_image_id(image_id)

    async def _call(
        self, api_method: str, params: dict[str, str], image: PreparedImage | None,
        parse: Callable[[object], T],
    ) -> T:  # fmt: skip
        async def attempt() -> T:
            request, signature = self._build_request(api_method, params, image)
            with self._sending(request, signature):
                response = await self._http.send(request)
            return self._read_answer(response, parse, signature)

        retrying = tenacity.AsyncRetrying(**self._retrying_kwargs(asyncio.sleep))
        with self._giving_up(retrying):
            return await retrying(attempt)
