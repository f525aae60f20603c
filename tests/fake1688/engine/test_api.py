"""The two APIs: search and upload, their arguments (40/41) and answers."""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway, UploadLimits
from fake1688.catalog import vocab
from fake1688.catalog.catalog import Catalog, DrawnImages
from fake1688.engine.store import imgid_for

from pailitao.models import parse_search_response, parse_upload_response

IMGID = re.compile(r"https://cbu01\.alicdn\.com/img/ibank/O1CN01[0-9A-Za-z]{22}_!!0-0-cib\.jpg")


def _search(call: Any, helpers: Any, photo: bytes, **args: str) -> dict[str, Any]:
    return call(helpers.system_params(image=helpers.b64(photo), **args))


def _items(answer: dict[str, Any]) -> dict[str, Any]:
    items: dict[str, Any] = answer["1688_items_search_img_response"]["items"]
    return items


def _low(price: str) -> Decimal:
    return Decimal(price.partition("-")[0])


# -- search answers ------------------------------------------------------------------


def test_search_answer_shape(client: httpx.Client, helpers: Any, photo: bytes) -> None:
    params = helpers.signed(helpers.system_params(image=helpers.b64(photo)))
    response = client.post("/openapi/router/rest", data=params)
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert int(response.headers["content-length"]) == len(response.content)
    data = json.loads(response.content)
    assert list(data) == ["1688_items_search_img_response"]
    body = data["1688_items_search_img_response"]
    assert list(body) == ["items", "request_id"]
    assert re.fullmatch(r"[0-9a-z]{13}", body["request_id"])
    items = body["items"]
    assert list(items) == [
        "page",
        "page_size",
        "pagecount",
        "total_results",
        "real_total_results",
        "item",
    ]
    assert (items["page"], items["page_size"]) == (1, 20)
    assert items["total_results"] == items["real_total_results"] > 0
    assert items["pagecount"] == -(-items["total_results"] // 20)
    assert len(items["item"]) == min(20, items["total_results"])
    # compact, UTF-8, Chinese not escaped: exactly how the fake renders it
    assert response.content == json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def test_search_answer_parses_with_the_client_models(
    call: Any, helpers: Any, photo: bytes, catalog: Any
) -> None:
    answer = _search(call, helpers, photo, page_size="7")
    page = parse_search_response(answer)
    assert page.page_size == 7
    assert len(page.items) == 7
    assert page.items[0].num_iid == catalog.offers[0].num_iid  # the photo finds its own offer
    assert page.request_id == answer["1688_items_search_img_response"]["request_id"]


def test_a_page_past_the_end_is_empty(call: Any, helpers: Any, photo: bytes) -> None:
    first = _items(_search(call, helpers, photo, page_size="50"))
    past = _items(_search(call, helpers, photo, page_size="50", page=str(first["pagecount"] + 1)))
    assert past["item"] == []
    assert (past["total_results"], past["pagecount"]) == (
        first["total_results"],
        first["pagecount"],
    )


def test_pages_cover_the_result_set_once(call: Any, helpers: Any, photo: bytes) -> None:
    first = _items(_search(call, helpers, photo, page_size="50"))
    seen = []
    for page in range(1, first["pagecount"] + 1):
        seen += [
            item["num_iid"]
            for item in _items(_search(call, helpers, photo, page_size="50", page=str(page)))[
                "item"
            ]
        ]
    assert len(seen) == len(set(seen)) == first["total_results"]


@pytest.mark.parametrize(
    "case",
    [
        ("price_asc", "price", False),
        ("bid2", "price", False),
        ("price_desc", "price", True),
        ("_bid2", "price", True),
        ("sales_asc", "sales", False),
        ("sale", "sales", False),
        ("sales_desc", "sales", True),
        ("_sale", "sales", True),
    ],
)
def test_sort_orders_the_similar_set(
    call: Any, helpers: Any, photo: bytes, case: tuple[str, str, bool]
) -> None:
    sort, key, descending = case
    items = _items(_search(call, helpers, photo, sort=sort, page_size="50"))["item"]
    values = [_low(item["price"]) if key == "price" else item["sales"] for item in items]
    assert values == sorted(values, reverse=descending)


def test_aliases_give_the_same_pages(call: Any, helpers: Any, photo: bytes) -> None:
    plain = _items(_search(call, helpers, photo, sort="sales_desc"))
    alias = _items(_search(call, helpers, photo, sort="_sale"))
    assert plain == alias


def test_sorting_keeps_the_same_set(call: Any, helpers: Any, photo: bytes) -> None:
    def ids(sort: str) -> set[str]:
        found: set[str] = set()
        page = 1
        while items := _items(
            _search(call, helpers, photo, sort=sort, page_size="50", page=str(page))
        )["item"]:
            found |= {item["num_iid"] for item in items}
            page += 1
        return found

    assert ids("relevance") == ids("price_desc") == ids("sales_asc")


def test_price_range_filters_on_the_low_price(call: Any, helpers: Any, photo: bytes) -> None:
    items = _items(
        _search(call, helpers, photo, start_price="20", end_price="60.5", page_size="50")
    )
    assert items["item"]
    assert all(Decimal(20) <= _low(item["price"]) <= Decimal("60.5") for item in items["item"])
    everything = _items(_search(call, helpers, photo, page_size="50"))
    assert items["total_results"] < everything["total_results"]


def test_cat_filters_the_similar_set(call: Any, helpers: Any, photo: bytes, catalog: Any) -> None:
    cat = catalog.offers[0].cat
    items = _items(_search(call, helpers, photo, cat=cat, page_size="50"))["item"]
    assert items
    assert {item["cat"] for item in items} == {cat}


def test_unknown_cat_finds_nothing(call: Any, helpers: Any, photo: bytes) -> None:
    items = _items(_search(call, helpers, photo, cat="999999999"))
    assert (items["item"], items["total_results"], items["pagecount"]) == ([], 0, 0)


# -- search arguments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "sub_msg"),
    [
        ({"page": "0"}, "page '0' is not a whole number from 1 to 1,000,000"),
        ({"page": "-1"}, "page '-1' is not a whole number from 1 to 1,000,000"),
        ({"page": "1.5"}, "page '1.5' is not a whole number from 1 to 1,000,000"),
        ({"page_size": "51"}, "page_size '51' is not a whole number from 1 to 50"),
        ({"page_size": "ten"}, "page_size 'ten' is not a whole number from 1 to 50"),
        (
            {"sort": "cheapest"},
            "sort 'cheapest' is unknown; use one of relevance, price_asc, "
            "price_desc, sales_asc, sales_desc, bid2, _bid2, sale, _sale",
        ),
        ({"start_price": "¥5"}, "start_price '¥5' is not a price like '12.50'"),
        ({"start_price": "9", "end_price": "5"}, "start_price 9 is above end_price 5; swap them"),
    ],
)
def test_invalid_search_arguments(
    call: Any, helpers: Any, photo: bytes, args: dict[str, str], sub_msg: str
) -> None:
    error = _search(call, helpers, photo, **args)["error_response"]
    assert (error["code"], error["msg"], error["sub_code"]) == (
        41,
        "Invalid Arguments",
        "isv.invalid-parameter",
    )
    assert error["sub_msg"] == sub_msg


def test_no_image_source_is_40(call: Any, helpers: Any) -> None:
    error = call(helpers.system_params())["error_response"]
    assert (error["code"], error["msg"], error["sub_code"]) == (
        40,
        "Missing Required Arguments",
        "isv.missing-parameter",
    )
    assert error["sub_msg"] == (
        "an image is required: send exactly one of image (base64), a file part 'image' or "
        "'file', imgid or imageUrl"
    )


def test_two_image_sources_are_41(call: Any, helpers: Any, photo: bytes) -> None:
    params = helpers.system_params(image=helpers.b64(photo), imgid="x")
    error = call(params, files={"file": photo})["error_response"]
    assert error["code"] == 41
    assert error["sub_msg"].startswith("file part 'file', image, imgid are all given;")


def test_a_file_part_with_another_name_is_41(call: Any, helpers: Any, photo: bytes) -> None:
    error = call(helpers.system_params(), files={"photo": photo})["error_response"]
    assert error["code"] == 41
    assert (
        error["sub_msg"]
        == "file part 'photo' is not an image source; name the part 'image' or 'file'"
    )


@pytest.mark.parametrize(
    ("image", "fragment"),
    [
        ("not base64!", "image is not valid base64"),
        ("图片", "image is not valid base64"),
        ("aGVsbG8", "image is not valid base64"),  # no padding
        ("aGVsbG8=aGVsbG8=", "image is not valid base64"),  # data after the padding
        ("data:image/jpeg;base64,/9j/4AAQ", "image is a data: URL"),
        ("aGVsbG8gd29ybGQ=", "the image cannot be decoded"),
    ],
)
def test_unusable_base64_images(call: Any, helpers: Any, image: str, fragment: str) -> None:
    error = call(helpers.system_params(image=image))["error_response"]
    assert error["code"] == 41
    assert fragment in error["sub_msg"]


def test_base64_with_line_breaks_and_urlsafe_alphabet(
    call: Any, helpers: Any, photo: bytes
) -> None:
    text = helpers.b64(photo)
    wrapped = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    assert "1688_items_search_img_response" in call(helpers.system_params(image=wrapped))
    urlsafe = text.replace("+", "-").replace("/", "_")
    assert "1688_items_search_img_response" in call(helpers.system_params(image=urlsafe))


def test_image_over_the_size_limit(catalog: Any, helpers: Any, photo: bytes) -> None:
    small = FakeGateway(catalog=catalog, clock=lambda: helpers.now, max_image_bytes=len(photo) - 1)
    with httpx.Client(transport=small.transport()) as http:
        for data, files in (
            (helpers.system_params(image=helpers.b64(photo)), None),
            (helpers.system_params(), {"image": ("a.jpg", photo)}),
        ):
            error = http.post(helpers.url, data=helpers.signed(data), files=files).json()[
                "error_response"
            ]
            assert error["code"] == 41
            assert error["sub_msg"].startswith(
                f"the image is {len(photo):,} bytes, over the {len(photo) - 1:,}-byte limit"
            )


def test_an_empty_file_part_is_41(call: Any, helpers: Any) -> None:
    error = call(helpers.system_params(), files={"image": b""})["error_response"]
    assert error["code"] == 41
    assert error["sub_msg"].startswith("the image is empty")


# -- image references ------------------------------------------------------------------


def test_imageurl_of_a_catalog_photo(call: Any, helpers: Any, catalog: Any) -> None:
    offer = catalog.offers[3]
    for url in (offer.pic_url, "//" + offer.pic_url.split("//", 1)[1]):
        items = _items(call(helpers.system_params(imageUrl=url)))
        assert items["item"][0]["num_iid"] == offer.num_iid


def test_imageurl_elsewhere_is_never_fetched(call: Any, helpers: Any) -> None:
    error = call(helpers.system_params(imageUrl="https://example.com/shoe.jpg"))["error_response"]
    assert error["code"] == 41
    assert error["sub_msg"] == (
        "imageUrl 'https://example.com/shoe.jpg' cannot be fetched: the fake never goes online; "
        "use a catalog pic_url or an imgid the fake issued, or send the image itself"
    )


def test_upload_then_search_by_imgid(call: Any, helpers: Any, photo: bytes) -> None:
    answer = call(helpers.system_params("1688.upload.img", image=helpers.b64(photo)))
    assert list(answer["1688_upload_img_response"]) == ["items", "request_id"]
    assert answer["1688_upload_img_response"]["items"]["item"]["status"] == 1
    imgid = parse_upload_response(answer)
    assert IMGID.fullmatch(imgid)
    again = call(helpers.system_params("1688.upload.img"), files={"image": photo})
    assert parse_upload_response(again) == imgid  # same bytes, same imgid
    by_bytes = _items(call(helpers.system_params(image=helpers.b64(photo))))
    assert _items(call(helpers.system_params(imgid=imgid))) == by_bytes
    assert _items(call(helpers.system_params(imageUrl=imgid))) == by_bytes


def test_unknown_imgid(call: Any, helpers: Any) -> None:
    imgid = "https://cbu01.alicdn.com/img/ibank/O1CN01abcdefghijklmnopqrstuv_!!0-0-cib.jpg"
    error = call(helpers.system_params(imgid=imgid))["error_response"]
    assert error["code"] == 41
    assert error["sub_msg"] == (
        f"imgid {imgid!r} is unknown: upload the image with 1688.upload.img first "
        "(the fake keeps the last 1,000 uploads)"
    )


def test_an_evicted_imgid_is_unknown(
    catalog: Any, helpers: Any, photo: bytes, stranger: bytes
) -> None:
    tiny = FakeGateway(
        catalog=catalog, clock=lambda: helpers.now, upload_limits=UploadLimits(max_images=1)
    )
    with httpx.Client(transport=tiny.transport()) as http:

        def post(**params: str) -> dict[str, Any]:
            method = "1688.upload.img" if "image" in params else "1688.items.search.img"
            return http.post(
                helpers.url, data=helpers.signed(helpers.system_params(method, **params))
            ).json()

        first = parse_upload_response(post(image=helpers.b64(photo)))
        parse_upload_response(post(image=helpers.b64(stranger)))
        assert post(imgid=first)["error_response"]["code"] == 41


def test_an_upload_wins_over_a_catalog_photo_at_the_same_url(helpers: Any, stranger: bytes) -> None:
    # A loaded catalog may give an offer an imgid-shaped pic_url. Searches by
    # it find that photo until an upload answers to the same imgid, then the
    # upload, however often the catalog photo was searched by before.
    imgid = imgid_for(stranger)
    offers = vocab.generate(0, 20)
    offers[0] = dataclasses.replace(offers[0], pic_url=imgid)
    catalog = Catalog(offers, [DrawnImages().fingerprint(o) for o in offers], DrawnImages())
    gateway = FakeGateway(catalog=catalog, clock=lambda: helpers.now)
    with httpx.Client(transport=gateway.transport()) as http:

        def items(method: str = "1688.items.search.img", **params: str) -> Any:
            signed = helpers.signed(helpers.system_params(method, **params))
            answer = http.post(helpers.url, data=signed).json()
            (body,) = answer.values()  # the *_response of the method, or error_response
            return body["items"]

        catalog_photo = items(image=helpers.b64(catalog.image_bytes(offers[0])))
        uploaded_photo = items(image=helpers.b64(stranger))
        assert catalog_photo != uploaded_photo  # else the test could not tell them apart
        assert items(imgid=imgid) == items(imgid=imgid) == catalog_photo
        assert items("1688.upload.img", image=helpers.b64(stranger))["item"]["name"] == imgid
        assert items(imgid=imgid) == uploaded_photo


def test_upload_takes_the_image_itself(call: Any, helpers: Any) -> None:
    error = call(helpers.system_params("1688.upload.img", imgid="x"))["error_response"]
    assert error["code"] == 41
    assert (
        error["sub_msg"]
        == "imgid cannot be uploaded; send image (base64) or a file part 'image' or 'file'"
    )
    missing = call(helpers.system_params("1688.upload.img"))["error_response"]
    assert missing["code"] == 40


def test_upload_of_a_non_image(call: Any, helpers: Any) -> None:
    error = call(helpers.system_params("1688.upload.img"), files={"file": b"%PDF-1.4 hello"})[
        "error_response"
    ]
    assert error["code"] == 41
    assert error["sub_msg"].startswith("the image cannot be decoded (")


def test_a_stranger_photo_still_finds_similar_offers(
    call: Any, helpers: Any, stranger: bytes
) -> None:
    items = _items(call(helpers.system_params(), files={"image": stranger}))
    assert items["total_results"] > 0


# -- served images ---------------------------------------------------------------------


def test_catalog_photos_are_served_at_their_path(client: httpx.Client, catalog: Any) -> None:
    offer = catalog.offers[5]
    path = "/" + offer.pic_url.split("//", 1)[1].split("/", 1)[1]
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/")
    assert response.content == catalog.image_bytes(offer)


def test_uploaded_photos_are_served_at_their_imgid(
    call: Any, client: httpx.Client, helpers: Any, stranger: bytes
) -> None:
    imgid = parse_upload_response(
        call(helpers.system_params("1688.upload.img"), files={"image": stranger})
    )
    response = client.get(imgid.removeprefix("https://cbu01.alicdn.com"))
    assert response.headers["content-type"] == "image/png"
    assert response.content == stranger


def test_unknown_paths_are_a_404_envelope(client: httpx.Client, catalog: Any) -> None:
    for method, path in (
        ("GET", "/"),
        ("GET", "/openapi/router/rest/"),
        ("POST", "/img/ibank/x.jpg"),
    ):
        response = client.request(method, path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json;charset=UTF-8"
        error = response.json()["error_response"]
        assert (error["code"], error["msg"], error["sub_code"]) == (
            22,
            "Invalid Method",
            "isv.path-not-found",
        )
        assert error["sub_msg"] == (
            f"nothing is served at {path!r}; the TOP router is at /router/rest and /openapi/router/rest"
        )
