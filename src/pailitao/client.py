"""The search clients: :class:`PailitaoClient` (sync) and :class:`AsyncPailitaoClient`.

Both take any httpx transport — the network (default), the fake gateway's,
respx, or a cassette — and never patch httpx globally. Every attempt is signed
afresh (the timestamp must be current), and retries follow :class:`RetryPolicy`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Literal, Self

import httpx
import tenacity

from ._base import (
    SEARCH_METHOD,
    UPLOAD_METHOD,
    BaseClient,
    SearchPlan,
    Sort,
    T,
)
from ._checks import Price
from .errors import PailitaoError
from .images import DEFAULT_MAX_BYTES, ImageSource, PreparedImage
from .models import Item, SearchPage, parse_search_response, parse_upload_response
from .retry import RetryPolicy
from .wire import Dialect, signing

__all__ = ["AsyncPailitaoClient", "PailitaoClient"]

DEFAULT_TIMEOUT = 10.0


class PailitaoClient(BaseClient):
    """Synchronous 拍立淘 client.

    >>> with PailitaoClient(app_key="...", app_secret="...") as client:  # doctest: +SKIP
    ...     page = client.search_image(file="shoe.jpg", sort="price_asc")
    """

    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        base_url: str | None = None,
        dialect: Dialect = "top",
        access_token: str | None = None,
        sign_method: signing.SignMethod = "md5",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        clock: signing.Clock = time.time,
        transport: httpx.BaseTransport | None = None,
        timestamp_format: Literal["datetime", "millis"] = "datetime",
        image_encoding: Literal["base64", "multipart"] = "base64",
        max_image_bytes: int = DEFAULT_MAX_BYTES,
        downscale_images: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            app_key=app_key,
            app_secret=app_secret,
            base_url=base_url,
            dialect=dialect,
            access_token=access_token,
            sign_method=sign_method,
            timestamp_format=timestamp_format,
            image_encoding=image_encoding,
            max_image_bytes=max_image_bytes,
            downscale_images=downscale_images,
            retry=retry,
            clock=clock,
        )
        self._sleep = sleep
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
        plan = self.search_plan(
            file, image_url=image_url, imgid=imgid, cat=cat, sort=sort, page_size=page_size,
            start_price=start_price, end_price=end_price, country=country, first_page=page,
        )  # fmt: skip
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
        plan = self.search_plan(
            file, image_url=image_url, imgid=imgid, cat=cat, sort=sort, page_size=page_size,
            start_price=start_price, end_price=end_price, country=country, max_pages=max_pages,
            max_items=max_items,
        )  # fmt: skip
        self._upload_first(plan)
        while not plan.done:
            page = self._call(SEARCH_METHOD, plan.params(), plan.image, parse_search_response)
            yield from plan.take(page)

    def upload_image(self, file: ImageSource) -> str:
        """Upload an image; returns the ``imgid`` to search with.

        An Open Platform imageId with ``dialect="aop"``, the hosted image's URL
        with ``dialect="reseller"``.
        """
        image = self.prepare_image(file)
        return self._call(UPLOAD_METHOD, {}, image, parse_upload_response)

    def _upload_first(self, plan: SearchPlan) -> None:
        if plan.image is not None and self.dialect != "top":  # their searches take no image
            plan.use_image_id(self._call(UPLOAD_METHOD, {}, plan.image, parse_upload_response))

    def _call(
        self,
        api_method: str,
        params: dict[str, str],
        image: PreparedImage | None,
        parse: Callable[[object], T],
    ) -> T:
        def attempt() -> T:
            request, signature = self.build_request(api_method, params, image)
            try:
                response = self._http.send(request)
            except httpx.TransportError as error:
                raise self.network_error(error, request) from None
            except httpx.DecodingError as error:
                raise self.unreadable_answer(error) from None
            except Exception as error:
                self.scrub_escaping(error, signature)
                raise
            return self.read_answer(response, parse, signature)

        retrying = tenacity.Retrying(sleep=self._sleep, **self.tenacity_kwargs())
        try:
            return retrying(attempt)
        except PailitaoError as error:
            _note_give_up(error, retrying.statistics, self.retry)
            raise


class AsyncPailitaoClient(BaseClient):
    """Asynchronous 拍立淘 client; the same API as :class:`PailitaoClient`, awaited."""

    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        base_url: str | None = None,
        dialect: Dialect = "top",
        access_token: str | None = None,
        sign_method: signing.SignMethod = "md5",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        clock: signing.Clock = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
        timestamp_format: Literal["datetime", "millis"] = "datetime",
        image_encoding: Literal["base64", "multipart"] = "base64",
        max_image_bytes: int = DEFAULT_MAX_BYTES,
        downscale_images: bool = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            app_key=app_key,
            app_secret=app_secret,
            base_url=base_url,
            dialect=dialect,
            access_token=access_token,
            sign_method=sign_method,
            timestamp_format=timestamp_format,
            image_encoding=image_encoding,
            max_image_bytes=max_image_bytes,
            downscale_images=downscale_images,
            retry=retry,
            clock=clock,
        )
        self._sleep = sleep
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
        """One page of offers that look like the image (exactly one source)."""
        plan = self.search_plan(
            file, image_url=image_url, imgid=imgid, cat=cat, sort=sort, page_size=page_size,
            start_price=start_price, end_price=end_price, country=country, first_page=page,
        )  # fmt: skip
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
        """Every offer of every page, each ``num_iid`` once, within the bounds.

        Stops at an empty page, the last page, a bound, or a page with nothing
        new; an answer for another page than asked raises ResponseParseError.
        """
        plan = self.search_plan(
            file, image_url=image_url, imgid=imgid, cat=cat, sort=sort, page_size=page_size,
            start_price=start_price, end_price=end_price, country=country, max_pages=max_pages,
            max_items=max_items,
        )  # fmt: skip
        await self._upload_first(plan)
        while not plan.done:
            page = await self._call(SEARCH_METHOD, plan.params(), plan.image, parse_search_response)
            for item in plan.take(page):
                yield item

    async def upload_image(self, file: ImageSource) -> str:
        """Upload an image; returns the ``imgid`` to search with.

        An Open Platform imageId with ``dialect="aop"``, the hosted image's URL
        with ``dialect="reseller"``.
        """
        image = self.prepare_image(file)
        return await self._call(UPLOAD_METHOD, {}, image, parse_upload_response)

    async def _upload_first(self, plan: SearchPlan) -> None:
        if plan.image is not None and self.dialect != "top":  # their searches take no image
            image_id = await self._call(UPLOAD_METHOD, {}, plan.image, parse_upload_response)
            plan.use_image_id(image_id)

    async def _call(
        self,
        api_method: str,
        params: dict[str, str],
        image: PreparedImage | None,
        parse: Callable[[object], T],
    ) -> T:
        async def attempt() -> T:
            request, signature = self.build_request(api_method, params, image)
            try:
                response = await self._http.send(request)
            except httpx.TransportError as error:
                raise self.network_error(error, request) from None
            except httpx.DecodingError as error:
                raise self.unreadable_answer(error) from None
            except Exception as error:
                self.scrub_escaping(error, signature)
                raise
            return self.read_answer(response, parse, signature)

        retrying = tenacity.AsyncRetrying(sleep=self._sleep, **self.tenacity_kwargs())
        try:
            return await retrying(attempt)
        except PailitaoError as error:
            _note_give_up(error, retrying.statistics, self.retry)
            raise


def _note_give_up(error: PailitaoError, statistics: dict[str, object], policy: RetryPolicy) -> None:
    """Say why a retryable error reached the caller after all."""
    if not error.retryable or policy.max_attempts == 1:
        return
    attempts = statistics.get("attempt_number", 1)
    if attempts == policy.max_attempts:
        error.add_note(f"pailitao: gave up after {attempts} attempts")
    else:
        error.add_note(
            f"pailitao: gave up after {attempts} attempt(s): the next wait would pass "
            f"the retry budget of {policy.max_total:g}s (RetryPolicy.max_total)"
        )
