"""The Open Platform ("AOP") part of the OpenAPI document: ``/openapi/param2/1/...``.

What the gateway (``Engine._open_platform``) answers, by status::

    200      {"result": {"success": true, "code": "200", "message": "", "result": ...}}:
             the imageId, or a page of offers; or a business failure, ``success``
             false and ``code`` "400" (a param is wrong) or "500" (the service failed)
    400      a gateway refusal {"error_code": "gw....", "error_message", "exception"?,
             "request_id"}, ``error_code`` naming the check that failed
    401      the access_token is missing, or not one the app's user authorised
    405      an HTTP method other than GET and POST
    500      gw.InternalServerError: only an injected fault (platform_error 10, http_error)
    502-504  only an injected http_error: a proxy's HTML page, or gw.InternalServerError

Each image API has a path of its own, as its params and answers differ, and so
has the unsigned clock (``system/currentTimeMillis``, a bare JSON integer).
The template ``{namespace}/{name}`` stands for every other API, which the
gateway refuses; OpenAPI matches a concrete path before a templated one.

The failure shapes are the fake's own choice (the platform documents no list),
so they are closed: a stray key is drift, and the conformance tests catch it.
The platform's shapes (the result envelope, the page, the offer) stay open, as
the platform may add fields to them.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from fake1688.engine.args import MAX_PAGE
from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET, aop

from .openapi_kit import BOOL, INT, STR, injected_responses, json_response, obj, ref

__all__ = ["aop_paths", "aop_schemas"]

#: Where every API lives: the protocol and version before ``<namespace>/<name>/<appKey>``.
_ROOT: Final = f"{aop.BASE_PATH}/{aop.PROTOCOL}/{aop.API_VERSION}"
_FORM: Final = "application/x-www-form-urlencoded"
#: The examples' image, a 1x1 PNG, and the imageId its upload answers (the same on every
#: machine): uploading it, then searching by that id, are calls that succeed.
_PIXEL: Final = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IRcFAALyAUHXL9FmAAAAAElFTkSuQmCC"
)
_PIXEL_ID: Final = "2396108341915597512"
_SIGNING: Final = (
    "_aop_signature = UPPER(HEX(HMAC_SHA1(app secret, urlPath + s))), urlPath being the URL "
    "path from param2/ on and s the key+value of every other param, those strings sorted"
)


class _Api(NamedTuple):
    """What differs between the two image APIs."""

    name: str
    summary: str
    #: The JSON app param: its name, its schema's name, and an example value.
    param: str
    schema: str
    example: dict[str, Any]
    success: str

    @property
    def path(self) -> str:
        return f"{_ROOT}/{aop.NAMESPACE}/{self.name}/{{appKey}}"

    def params(self) -> list[tuple[str, dict[str, Any], bool]]:
        """``(name, schema, required)`` of every param, system params first."""
        timestamp = {
            "type": "string",
            "pattern": "^[0-9]{1,15}$",
            "description": "optional: epoch milliseconds, within 10 minutes of the gateway's",
            "examples": ["1764300000000"],
        }
        signature = {**_SIGNATURE, "examples": [self.signed_example()[aop.SIGNATURE]]}
        app_param = {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": ref(self.schema),
            "description": f"{self.param}: a JSON object, as text",
            "examples": [aop.encode_param(self.example)],
        }
        return [
            (aop.ACCESS_TOKEN, _TOKEN, True),
            (aop.TIMESTAMP, timestamp, False),
            (aop.SIGNATURE, signature, True),
            (self.param, app_param, True),
        ]

    def signed_example(self) -> dict[str, str]:
        """A call of the demo app, signed: it can be replayed against the fake."""
        params = {aop.ACCESS_TOKEN: DEMO_ACCESS_TOKEN, self.param: aop.encode_param(self.example)}
        signed_path = aop.ApiPath(aop.NAMESPACE, self.name, DEMO_APP_KEY).signed
        return {**params, aop.SIGNATURE: aop.sign(signed_path, params, DEMO_APP_SECRET)}


_IGNORED: Final = (
    "filter",
    "region",
    "outMemberId",
    "auxiliaryText",
    "itemTitle",
    "keywordTranslate",
    "productCollectionId",
)
_UPLOAD: Final = _Api(
    aop.UPLOAD_API,
    "keep an image, answer its imageId",
    aop.UPLOAD_PARAM,
    "AopUploadImageParam",
    {"imageBase64": _PIXEL, "outMemberId": "m1"},
    "AopUploadSuccess",
)
_SEARCH: Final = _Api(
    aop.SEARCH_API,
    "one page of the offers that look like an image",
    aop.SEARCH_PARAM,
    "AopOfferQueryParam",
    {"imageId": _PIXEL_ID, "beginPage": 1, "pageSize": 20, "country": "en"},
    "AopSearchSuccess",
)
_TOKEN: Final = {
    "type": "string",
    "description": "a token the app's user authorised",
    "examples": [DEMO_ACCESS_TOKEN],
}
_SIGNATURE: Final = {"type": "string", "pattern": "^[0-9A-Fa-f]{40}$", "description": _SIGNING}


def _open(**properties: Any) -> dict[str, Any]:
    """A platform object: every property listed is there, and the platform may add more."""
    return {**obj(list(properties), **properties), "additionalProperties": True}


def _strings(*names: str) -> dict[str, Any]:
    return dict.fromkeys(names, STR)


def _refusal(status: int) -> dict[str, Any]:
    """The gateway error, with the ``error_code`` values the gateway answers at ``status``."""
    codes = sorted(code.error_code for code in aop.GATEWAY_CODES.values() if code.status == status)
    return {**ref("AopGatewayError"), "properties": {"error_code": {"enum": codes}}}


def _success(result: dict[str, Any]) -> dict[str, Any]:
    return _open(
        result=_open(
            success={"const": True},
            code={"const": aop.SUCCESS_CODE},
            message={"const": ""},
            result=result,
        )
    )


def _failure() -> dict[str, Any]:
    result = obj(
        ["success", "code", "message"],
        success={"const": False},
        code={
            "enum": [aop.BAD_REQUEST_CODE, aop.SERVICE_ERROR_CODE],
            "description": "400: a param is wrong; 500: the service failed",
        },
        message={**STR, "description": "what was wrong, and how to fix it"},
    )
    return _open(result={**result, "additionalProperties": False})


def _offer() -> dict[str, Any]:
    strings = {"type": "array", "items": STR}
    date = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"}
    offer = _open(
        imageUrl=STR,
        subject=STR,
        subjectTrans=STR,
        priceInfo=_open(
            **_strings("price", "jxhyPrice", "pfJxhyPrice", "consignPrice", "promotionPrice")
        ),
        offerId=INT,
        isJxhy=BOOL,
        repurchaseRate=STR,
        monthSold=INT,
        traceInfo=STR,
        isOnePsale=BOOL,
        sellerIdentities=strings,
        offerIdentities=strings,
        tradeScore=STR,
        promotionModel=_open(hasPromotion=BOOL, promotionType=STR),
        topCategoryId=INT,
        secondCategoryId=INT,
        thirdCategoryId=INT,
        isPatentProduct=BOOL,
        createDate=date,
        modifyDate=date,
        isSelect=BOOL,
        sellerDataInfo=_open(
            **_strings(
                "tradeMedalLevel",
                "compositeServiceScore",
                "logisticsExperienceScore",
                "disputeComplaintScore",
                "offerExperienceScore",
                "afterSalesExperienceScore",
                "consultingExperienceScore",
                "repeatPurchasePercent",
            ),
            tpYear=INT,
        ),
        productSimpleShippingInfo=_open(
            **_strings(
                "shippingTimeGuarantee",
                "perfectFulfillmentRate30d",
                "pickupWithin24hRate30d",
                "qualityReturnRate30d",
                "perfectFulfillmentRate7d",
                "pickupWithin24hRate7d",
                "delayedShippingRate7d",
            )
        ),
        minOrderQuantity=INT,
        token=STR,
        promotionURL=STR,
        companyName=STR,
        companyAddress=STR,
        offerDataInfo=_open(
            **_strings(
                "offerApplauseRate",
                "kjFeaturedServices",
                "qualityRfdRate30d",
                "repurchaseRate30d",
                "pickupRate24h30d",
            )
        ),
        sales7d=STR,
        productTradeInfo=_open(
            **_strings("addCartCount7d", "payBuyerCount7d", "addCartCount30d", "payBuyerCount30d")
        ),
        invoiceInfo=_open(
            supportOnlineInvoice=BOOL,
            supportFastInvoice=BOOL,
            invoiceTypes=strings,
            taxpayerType=STR,
        ),
    )
    offer["description"] = (
        "An offer of result.result.data: every key of the platform's output example, with its "
        "JSON type. Prices are yuan as text; subjectTrans is English whatever the country "
        "(the fake's only translation)."
    )
    return offer


def _offer_query() -> dict[str, Any]:
    """``offerQueryParam``, as the fake reads it (``aop_api.read_offer_query``)."""
    sorts = [
        aop.encode_param({key: order})
        for key in ("price", "monthSold")
        for order in ("asc", "desc")
    ]
    price = {"type": "string", "pattern": r"^[0-9]{1,9}(\.[0-9]{1,4})?$", "examples": ["12.50"]}
    ignored = {"description": "accepted; the fake leaves the results as they are"}
    query = obj(
        ["country"],
        imageId={
            "type": "string",
            "pattern": "^[0-9]{1,19}$",
            "description": "an imageId from product.image.upload",
        },
        imageAddress={
            "type": "string",
            "description": "a 1688 image URL; the fake never goes online, so only its "
            "catalog's imageUrl values and its own uploads' URLs resolve",
        },
        beginPage={"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        pageSize={"type": "integer", "minimum": 1, "maximum": aop.MAX_PAGE_SIZE, "default": 20},
        country={"enum": sorted(aop.COUNTRIES), "description": "the language of subjectTrans"},
        sort={"enum": sorts, "description": "a JSON object as text; relevance when absent"},
        priceStart=price,
        priceEnd=price,
        categoryId={
            "type": "integer",
            "minimum": 0,
            "maximum": 10**18 - 1,
            "description": "a category id of any of the three levels",
        },
        keyword={**STR, "description": "a word of the title, Chinese or English"},
        **dict.fromkeys(_IGNORED, ignored),
    )
    query["oneOf"] = [{"required": ["imageId"]}, {"required": ["imageAddress"]}]
    query["description"] = "exactly one of imageId and imageAddress names the image"
    query["examples"] = [dict(_SEARCH.example)]
    return query


def _upload_param() -> dict[str, Any]:
    param = obj(
        ["imageBase64"],
        imageBase64={
            "type": "string",
            "contentEncoding": "base64",
            "description": "the image: JPEG, PNG, GIF, WebP or BMP, within the fake's size "
            "limit (5 MB by default)",
        },
        outMemberId={**STR, "description": "accepted; the fake keeps no members"},
    )
    param["examples"] = [dict(_UPLOAD.example)]
    return param


def aop_schemas() -> dict[str, Any]:
    """The AOP components, all named ``Aop...``."""
    gateway_error = obj(
        ["error_code", "error_message", "request_id"],
        error_code={"enum": sorted(aop.GATEWAY_CODES)},
        error_message={**STR, "description": "the platform's short text for error_code"},
        exception={**STR, "description": "the fake's explanation: what was wrong, how to fix it"},
        request_id={"type": "string", "pattern": "^[a-z2-7]{13}$"},
    )
    page = _open(
        totalRecords={"type": "integer", "minimum": 0},
        totalPage={"type": "integer", "minimum": 0},
        pageSize={"type": "integer", "minimum": 1, "maximum": aop.MAX_PAGE_SIZE},
        currentPage={"type": "integer", "minimum": 1},
        data={"type": "array", "items": ref("AopOffer"), "maxItems": aop.MAX_PAGE_SIZE},
        picRegionInfo=_open(**_strings("currentRegion", "yoloCropRegion")),
    )
    image_id = {
        "type": "string",
        "pattern": "^[1-9][0-9]{18}$",
        "description": "the imageId: 19 digits, the same for the same image",
    }
    return {
        "AopGatewayError": {**gateway_error, "additionalProperties": False},
        "AopBusinessFailure": _failure(),
        "AopUploadSuccess": _success(image_id),
        "AopSearchSuccess": _success(ref("AopSearchPage")),
        "AopSearchPage": page,
        "AopOffer": _offer(),
        _UPLOAD.schema: _upload_param(),
        _SEARCH.schema: _offer_query(),
        "AopTime": {"type": "integer", "minimum": 0, "description": "epoch milliseconds"},
    }


def _path_param(name: str, description: str, example: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "examples": [example]},
        "description": description,
    }


_APP_KEY: Final = _path_param("appKey", "your app key", DEMO_APP_KEY)
#: Any AOP URL: a path the gateway cannot read as namespace/name/appKey.
_NO_API: Final = json_response(
    "the URL path names no API (a segment is empty or holds a slash)", _refusal(400)
)


def _api_operation(api: _Api, verb: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": f"{api.name}: {api.summary}",
        "description": f"Signed: {_SIGNING}. The gateway checks, in order: the HTTP method, "
        "the API, the params, the app key, the signature, the timestamp, the access token "
        f"and {api.param}; the API then answers its outcome with HTTP 200.",
        "responses": {
            "200": json_response(
                "the API's outcome: success, or a business failure",
                {"anyOf": [ref(api.success), ref("AopBusinessFailure")]},
            ),
            "400": json_response(
                "the gateway refuses the call; error_code says why", _refusal(400)
            ),
            "401": json_response(
                "access_token is missing, or not one the app's user authorised", _refusal(401)
            ),
            **injected_responses(
                _refusal(500), "only an injected fault: http_error, or platform_error 10 (500)"
            ),
        },
    }
    params = api.params()
    if verb == "get":
        operation["parameters"] = [
            {"name": name, "in": "query", "required": required, "schema": schema}
            for name, schema, required in params
        ]
    else:
        form = obj([name for name, _, required in params if required])
        form["properties"] = {name: schema for name, schema, _ in params}
        operation["requestBody"] = {
            "required": True,
            "content": {_FORM: {"schema": form, "example": api.signed_example()}},
        }
    return operation


def _item(
    summary: str, operations: dict[str, Any], parameters: list[dict[str, Any]]
) -> dict[str, Any]:
    """A path: GET and POST as given; PUT, PATCH and DELETE refused, as any other method is."""
    refused = {
        "summary": "refused: only GET and POST reach an API",
        "responses": {
            "405": json_response("gw.HttpMethodNotAllowed", _refusal(405)),
            "400": _NO_API,
        },
    }
    methods = dict.fromkeys(("put", "patch", "delete"), refused)
    return {"summary": summary, "parameters": parameters, **operations, **methods}


def aop_paths() -> dict[str, Any]:
    """The AOP paths: the two image APIs, the clock, and every other API."""
    paths = {
        api.path: _item(
            f"{aop.NAMESPACE}:{api.name}",
            {verb: _api_operation(api, verb) for verb in ("get", "post")},
            [_APP_KEY],
        )
        for api in (_UPLOAD, _SEARCH)
    }
    clock = {
        "summary": "the gateway's clock: unsigned, any app key",
        "responses": {"200": json_response("epoch milliseconds", ref("AopTime")), "400": _NO_API},
    }
    paths[f"{_ROOT}/{aop.TIME_NAMESPACE}/{aop.TIME_API}/{{appKey}}"] = _item(
        f"{aop.TIME_NAMESPACE}:{aop.TIME_API}", {"get": clock, "post": clock}, [_APP_KEY]
    )
    other = {
        "summary": "refused: the fake serves no other API",
        "responses": {
            "400": json_response(
                "gw.APIUnsupported (gw.AppKeyMissing for a path it cannot read)", _refusal(400)
            )
        },
    }
    paths[f"{_ROOT}/{{namespace}}/{{name}}/{{appKey}}"] = _item(
        "any other API of the Open Platform",
        {"get": other, "post": other},
        [
            _path_param("namespace", "the API's namespace", "com.alibaba.product"),
            _path_param("name", "the API's name", "alibaba.product.get"),
            _APP_KEY,
        ],
    )
    return paths
