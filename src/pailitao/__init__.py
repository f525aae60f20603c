"""pailitao: a tested client and test harness for 1688's 拍立淘 image search.

The public API is listed in ``__all__``; ``tests/pailitao/test_public_api.py``
pins it. The wire rules (signing, dialects,
error codes) live in :mod:`pailitao.wire`.
"""

from .client import AsyncPailitaoClient, PailitaoClient
from .client._requests import Sort
from .errors import (
    AccessTokenError,
    ApiError,
    AppKeyError,
    CassetteError,
    HTTPStatusError,
    ImageError,
    InvalidArgumentsError,
    NetworkError,
    PailitaoError,
    RateLimitError,
    ResponseParseError,
    ServerError,
    SignatureError,
    TimestampError,
    TransportError,
    UsageError,
)
from .images import PreparedImage, prepare_image
from .models import (
    AopOffer,
    AopSearchInfo,
    Item,
    SearchPage,
    parse_error_response,
    parse_search_response,
    parse_upload_response,
)
from .retry import RetryPolicy
from .wire.top import DEFAULT_BASE_URL, SEARCH_METHOD, UPLOAD_METHOD

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BASE_URL",
    "SEARCH_METHOD",
    "UPLOAD_METHOD",
    "AccessTokenError",
    "AopOffer",
    "AopSearchInfo",
    "ApiError",
    "AppKeyError",
    "AsyncPailitaoClient",
    "CassetteError",
    "HTTPStatusError",
    "ImageError",
    "InvalidArgumentsError",
    "Item",
    "NetworkError",
    "PailitaoClient",
    "PailitaoError",
    "PreparedImage",
    "RateLimitError",
    "ResponseParseError",
    "RetryPolicy",
    "SearchPage",
    "ServerError",
    "SignatureError",
    "Sort",
    "TimestampError",
    "TransportError",
    "UsageError",
    "__version__",
    "parse_error_response",
    "parse_search_response",
    "parse_upload_response",
    "prepare_image",
]
