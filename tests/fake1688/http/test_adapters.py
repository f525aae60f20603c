"""Both adapters (direct transports, Starlette app) and the real client over them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway

from pailitao import AsyncPailitaoClient, PailitaoClient, SignatureError, TimestampError
from pailitao.errors import InvalidArgumentsError


def _requests(helpers: Any, photo: bytes) -> list[httpx.Request]:
    """A spread of requests: success, errors, multipart, 404, a served photo."""
    url = helpers.url
    search = helpers.signed(helpers.system_params(image=helpers.b64(photo), page_size="5"))
    multipart = helpers.signed(helpers.system_params(page="2"))
    return [
        httpx.Request("POST", url, data=search),
        httpx.Request("POST", url, data={**search, "sign": "00"}),
        httpx.Request("POST", url, data=multipart, files={"image": ("a.jpg", photo, "image/jpeg")}),
        httpx.Request(
            "POST",
            url,
            content=b"--b\r\nbroken",
            headers={"content-type": "multipart/form-data; boundary=b"},
        ),
        httpx.Request("POST", url, json={"method": "1688.items.search.img"}),
        httpx.Request("GET", "http://fake1688.test/favicon.ico"),
        httpx.Request(
            "GET", "http://fake1688.test/%0A"
        ),  # Starlette's routes would say "Not Found"
        httpx.Request("DELETE", url),
        httpx.Request("GET", url, params=search),
    ]


@pytest.mark.asyncio
async def test_transports_and_asgi_answer_the_same_bytes(
    gateway: FakeGateway, helpers: Any, photo: bytes
) -> None:
    sync = httpx.Client(transport=gateway.transport())
    direct = httpx.AsyncClient(transport=gateway.async_transport())
    asgi = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.asgi_app))
    async with direct, asgi:
        with sync:
            for request in _requests(helpers, photo):
                one = sync.send(request)
                two = await direct.send(request)
                three = await asgi.send(request)
                assert one.status_code == two.status_code == three.status_code, request
                assert one.content == two.content == three.content, request
                assert one.headers["content-type"] == three.headers["content-type"]


@pytest.mark.asyncio
async def test_a_body_over_the_limit_is_an_envelope_on_both_adapters(
    catalog: Any, helpers: Any
) -> None:
    gateway = FakeGateway(catalog=catalog, clock=lambda: helpers.now, max_image_bytes=1000)
    body = b"image=" + b"A" * (gateway.engine.max_body + 10)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    with httpx.Client(transport=gateway.transport()) as sync:
        one = sync.post(helpers.url, content=body, headers=headers)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.asgi_app)) as asgi:
        two = await asgi.post(helpers.url, content=body, headers=headers)
    assert one.content == two.content
    error = one.json()["error_response"]
    assert (error["code"], error["sub_code"]) == (41, "isv.invalid-parameter")
    assert error["sub_msg"] == (
        f"the request body is over {gateway.engine.max_body:,} bytes; the request's params cannot be read"
    )


@pytest.mark.asyncio
async def test_asgi_serves_catalog_photos(gateway: FakeGateway, catalog: Any) -> None:
    offer = catalog.offers[1]
    path = "/" + offer.pic_url.split("//", 1)[1].split("/", 1)[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.asgi_app)) as asgi:
        response = await asgi.get("http://fake1688.test" + path)
    assert response.status_code == 200
    assert response.content == catalog.image_bytes(offer)


# -- the real client ---------------------------------------------------------------------

CLIENT_VARIANTS = [
    {"sign_method": "md5", "timestamp_format": "datetime", "image_encoding": "base64"},
    {"sign_method": "hmac", "timestamp_format": "millis", "image_encoding": "multipart"},
    {"sign_method": "hmac-sha256", "timestamp_format": "millis", "image_encoding": "base64"},
]


@pytest.mark.parametrize("options", CLIENT_VARIANTS)
def test_sync_client(
    gateway: FakeGateway, helpers: Any, photo: bytes, catalog: Any, options: dict[str, Any]
) -> None:
    with PailitaoClient(
        app_key=helpers.key,
        app_secret=helpers.secret,
        base_url=helpers.url,
        transport=gateway.transport(),
        clock=lambda: helpers.now,
        **options,
    ) as client:
        page = client.search_image(file=photo, page=1, page_size=20)
        assert page.items[0].num_iid == catalog.offers[0].num_iid
        imgid = client.upload_image(photo)
        by_imgid = client.search_image(imgid=imgid, page_size=20)
        assert [item.num_iid for item in by_imgid.items] == [item.num_iid for item in page.items]
        every = list(client.iter_search(file=photo, page_size=50))
        assert len(every) == page.total_results == len({item.num_iid for item in every})


@pytest.mark.asyncio
@pytest.mark.parametrize("options", CLIENT_VARIANTS)
async def test_async_client_on_both_adapters(
    gateway: FakeGateway, helpers: Any, photo: bytes, options: dict[str, Any]
) -> None:
    pages = []
    for transport in (gateway.async_transport(), httpx.ASGITransport(app=gateway.asgi_app)):
        async with AsyncPailitaoClient(
            app_key=helpers.key,
            app_secret=helpers.secret,
            base_url=helpers.url,
            transport=transport,
            clock=lambda: helpers.now,
            **options,
        ) as client:
            page = await client.search_image(file=photo, sort="price_asc", page=2, page_size=10)
            imgid = await client.upload_image(photo)
            every = [item async for item in client.iter_search(imgid=imgid, page_size=50)]
            assert len(every) == page.total_results
            pages.append(page)
    assert pages[0] == pages[1]


def test_client_errors_map_to_the_client_exceptions(
    gateway: FakeGateway, helpers: Any, photo: bytes
) -> None:
    def client(**options: Any) -> PailitaoClient:
        return PailitaoClient(
            base_url=helpers.url,
            transport=gateway.transport(),
            **{"app_key": helpers.key, "clock": lambda: helpers.now, **options},
        )

    with client(app_secret="wrong") as wrong, pytest.raises(SignatureError) as caught:
        wrong.search_image(file=photo)
    assert caught.value.code == 25
    assert "<secret>" in str(caught.value)
    with (
        client(app_secret=helpers.secret, clock=lambda: helpers.now + 3600) as late,
        pytest.raises(TimestampError),
    ):
        late.search_image(file=photo)
    with client(app_secret=helpers.secret) as ok, pytest.raises(InvalidArgumentsError) as unknown:
        ok.search_image(
            imgid="https://cbu01.alicdn.com/img/ibank/O1CN01abcdefghijklmnopqrstuv_!!0-0-cib.jpg"
        )
    assert unknown.value.code == 41


async def _call_asgi(gateway: FakeGateway, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Call the ASGI app with these request messages; returns what it sent."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/router/rest",
        "raw_path": b"/router/rest",
        "query_string": b"",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
    }
    incoming = iter(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(incoming, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await gateway.asgi_app(scope, receive, send)
    return sent


@pytest.mark.asyncio
async def test_asgi_reads_a_body_sent_in_chunks(gateway: FakeGateway, helpers: Any) -> None:
    body = httpx.Request("POST", helpers.url, data=helpers.signed(helpers.system_params())).content
    chunks = [body[:10], body[10:-5], body[-5:]]
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < 2}
        for i, chunk in enumerate(chunks)
    ]
    sent = await _call_asgi(gateway, messages)
    assert sent[0]["status"] == 200
    assert dict(sent[0]["headers"])[b"content-type"] == b"application/json;charset=UTF-8"
    error = httpx.Response(200, content=sent[1]["body"]).json()["error_response"]
    assert error["code"] == 40  # every system param was read: only the image is missing


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "messages",
    [[{"type": "http.request", "body": b"a=1", "more_body": True}], []],
    ids=["mid-body", "before-any-body"],
)
async def test_asgi_answers_nothing_when_the_client_leaves(
    gateway: FakeGateway, messages: list[dict[str, Any]]
) -> None:
    sent = await _call_asgi(gateway, messages)
    assert sent == []
    assert len(gateway.journal) == 0


@pytest.mark.asyncio
async def test_asgi_answers_the_envelope_when_the_adapter_itself_fails(
    gateway: FakeGateway, helpers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The engine never raises; if the code around it does, Starlette's
    # ServerErrorMiddleware still answers the platform's envelope, then
    # re-raises for the server to log.
    def broken(*args: object) -> None:
        raise RuntimeError("adapter bug")

    monkeypatch.setattr(gateway.engine, "handle", broken)
    transport = httpx.ASGITransport(app=gateway.asgi_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.post(helpers.url, data={"method": "1688.items.search.img"})
    error = response.json()["error_response"]
    assert (error["code"], error["sub_code"]) == (15, "isp.remote-service-error")
    assert "adapter bug" not in response.text
    with pytest.raises(RuntimeError, match="adapter bug"):
        await httpx.ASGITransport(app=gateway.asgi_app).handle_async_request(
            httpx.Request("POST", helpers.url)
        )


@pytest.mark.asyncio
async def test_middleware_added_to_the_app_still_runs(gateway: FakeGateway) -> None:
    # What a user adds with Starlette's add_middleware wraps every request.
    class Tag:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async def tagged(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], (b"x-tag", b"1")]
                await send(message)

            await self.app(scope, receive, tagged)

    gateway.asgi_app.add_middleware(Tag)
    transport = httpx.ASGITransport(app=gateway.asgi_app)
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get("http://fake1688.test/router/rest")
    assert response.headers["x-tag"] == "1"
    assert response.json()["error_response"]["code"] == 21
