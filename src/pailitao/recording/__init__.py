"""Record and replay 1688 image search with vcrpy: small, safe, signature-checked cassettes.

>>> from pailitao.recording import make_vcr                    # doctest: +SKIP
>>> vcr = make_vcr(secret="...", cassette_library_dir="cassettes")
>>> with vcr.use_cassette("search_by_image"):
...     client.search_image(file="shoe.jpg")

Needs the ``record`` extra: ``pip install 'pailitao[record]'``.
"""

from .canonical import ImageFingerprint, fingerprint
from .config import (
    IN_PROCESS_HOST,
    RecordMode,
    ReplaySignatureError,
    make_vcr,
    register,
    vcr_config,
)
from .serializer import CASSETTE_FORMAT, CassetteFormatError

__all__ = [
    "CASSETTE_FORMAT",
    "IN_PROCESS_HOST",
    "CassetteFormatError",
    "ImageFingerprint",
    "RecordMode",
    "ReplaySignatureError",
    "fingerprint",
    "make_vcr",
    "register",
    "vcr_config",
]
