"""The reseller dialect's wire facts, as the SDK onebound-sdk sends them."""

from urllib.parse import parse_qsl, urlsplit

from pailitao.wire import reseller

#: A request onebound-sdk 1.0.0 sent to a stub server (item_search_img, page 2, _bid2).
CAPTURED = (
    "/1688/item_search_img/?key=test_app_key&secret=test_app_secret&api_name=item_search_img"
    "&cache=yes&result_type=json&lang=cn&imgid=https%3A%2F%2Fimg.example.com%2Fa+b.jpg%3Fx%3D1"
    "%26y%3D2&page=2&sort=_bid2"
)


def test_the_paths_and_params_are_what_the_sdk_sends() -> None:
    url = urlsplit(CAPTURED)
    assert url.path == reseller.api_path(reseller.SEARCH_API)
    params = dict(parse_qsl(url.query))
    assert tuple(params)[:2] == reseller.CREDENTIAL_PARAMS
    assert set(params) - {"imgid", "page", "sort"} <= {
        *reseller.CREDENTIAL_PARAMS,
        *reseller.COMMON_PARAMS,
    }
    assert reseller.SORTS[params["sort"]] == "price_desc"
    assert params["lang"] in reseller.LANGS
    assert reseller.api_path(reseller.UPLOAD_API) == "/1688/upload_img/"


def test_the_codes() -> None:
    assert reseller.SUCCESS_CODE in reseller.SUCCESS_CODES
    assert not reseller.SUCCESS_CODES & set(reseller.ERROR_CODES)
    assert reseller.ERROR_CODES["4005"] == "bad credentials (key or secret)"
