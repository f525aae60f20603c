"""The npm TOP SDKs, unmodified, against ``fake1688 serve``.

``node-taobao-topclient``, ``topsdk`` and ``ali-topsdk`` (versions pinned in
``node/package-lock.json``, installed by ``make node-sdks``, which ``make test``
runs) each make their calls from ``node node/top.js``, configured only through
their own settings: the router URL (``REST_URL``, ``endpoint``, ``url``), the
app key and the secret. Each reads its answer as its users do: the value of
``1688_items_search_img_response`` or ``1688_upload_img_response``.

The SDKs stamp requests with local wall-clock time (``yyyy-MM-dd HH:mm:ss`` from
``Date#getHours()`` and the like), and the platform reads that as GMT+8. So they
run with ``TZ=Asia/Shanghai``, as they must on any machine outside China; with
``TZ=UTC`` the timestamp is 8 h behind and the gateway refuses it (code 31).

Without ``node`` the tests skip; ``make test`` installs it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
from fake1688 import Catalog

from .conftest import Served

NODE = shutil.which("node")
NODE_DIR = Path(__file__).parent / "node"
TOPCLIENT, TOPSDK, ALI = "node-taobao-topclient", "topsdk", "ali-topsdk"
SDKS = [TOPCLIENT, TOPSDK, ALI]
MULTIPART = [TOPSDK, ALI]  # node-taobao-topclient has no file parts
SEARCH, UPLOAD = "1688.items.search.img", "1688.upload.img"
ROUTERS = ["/router/rest", "/openapi/router/rest"]
APP_KEY, APP_SECRET = "test_app_key", "test_app_secret"

pytestmark = pytest.mark.skipif(NODE is None, reason="node is missing (`make test` installs it)")


def run(
    served: Served,
    sdk: str,
    method: str,
    params: dict[str, Any],
    *,
    secret: str = APP_SECRET,
    tz: str = "Asia/Shanghai",
    router: str = "/router/rest",
) -> dict[str, Any]:
    """One ``execute`` through ``sdk``; its outcome as ``top.js`` prints it."""
    assert NODE is not None
    if not (NODE_DIR / "node_modules" / sdk).is_dir():
        pytest.fail(f"{sdk} is not installed in {NODE_DIR}/node_modules: run `make node-sdks`")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TZ": tz,  # the SDKs format local time; the platform reads it as GMT+8
        "TOP_URL": served.root + router,
        "TOP_APP_KEY": APP_KEY,
        "TOP_APP_SECRET": secret,
    }
    done = subprocess.run(
        [NODE, "top.js", sdk, method, json.dumps(params)],
        cwd=NODE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr or done.stdout
    outcome: dict[str, Any] = json.loads(done.stdout)
    return outcome


def result(outcome: dict[str, Any]) -> dict[str, Any]:
    """The value ``execute`` gave, which must be the answer under its response key."""
    assert outcome.get("result"), f"no answer under the SDK's response key: {outcome}"
    value: dict[str, Any] = outcome["result"]
    return value


@pytest.fixture(scope="module")
def photo_file(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("node-top") / "photo.jpg"
    path.write_bytes(requests.get(served.photo_url, timeout=10).content)
    return path


@pytest.fixture(scope="module")
def own_offer(served: Served) -> str:
    """The num_iid of the offer whose photo ``served.photo_url`` is (``serve`` uses seed 0)."""
    offer = Catalog.default().offer_for_url(served.photo_url)
    assert offer is not None
    return offer.num_iid


def assert_found(answer: dict[str, Any], own_offer: str, page_size: int) -> None:
    items = answer["items"]
    assert items["item"][0]["num_iid"] == own_offer
    assert items["page_size"] == page_size
    assert len(items["item"]) == page_size


@pytest.mark.parametrize("router", ROUTERS)
@pytest.mark.parametrize("sdk", SDKS)
def test_search_by_imgid(served: Served, own_offer: str, sdk: str, router: str) -> None:
    params = {"imgid": served.photo_url, "page_size": "7"}
    answer = result(run(served, sdk, SEARCH, params, router=router))
    assert_found(answer, own_offer, 7)


@pytest.mark.parametrize("sdk", SDKS)
def test_search_by_base64_image(served: Served, photo_file: Path, own_offer: str, sdk: str) -> None:
    image = base64.b64encode(photo_file.read_bytes()).decode()
    answer = result(run(served, sdk, SEARCH, {"image": image, "page_size": "5"}))
    assert_found(answer, own_offer, 5)


@pytest.mark.parametrize("sdk", MULTIPART)
def test_search_by_image_file_part(
    served: Served, photo_file: Path, own_offer: str, sdk: str
) -> None:
    # topsdk sends it with execute(..., 'file_upload'); ali-topsdk takes a Buffer param.
    params = {"image": {"file": str(photo_file)}, "page_size": "4"}
    answer = result(run(served, sdk, SEARCH, params))
    assert_found(answer, own_offer, 4)


@pytest.mark.parametrize("sdk", SDKS)
def test_upload_then_search_by_its_imgid(
    served: Served, photo_file: Path, own_offer: str, sdk: str
) -> None:
    image: Any = (
        {"file": str(photo_file)}
        if sdk in MULTIPART
        else base64.b64encode(photo_file.read_bytes()).decode()
    )
    uploaded = result(run(served, sdk, UPLOAD, {"image": image}))
    imgid = uploaded["items"]["item"]["name"]
    assert uploaded["items"]["item"]["status"] == 1
    answer = result(run(served, sdk, SEARCH, {"imgid": imgid, "page_size": "6"}))
    assert_found(answer, own_offer, 6)


@pytest.mark.parametrize("sdk", SDKS)
def test_a_wrong_secret_is_code_25_the_sdk_s_way(served: Served, sdk: str) -> None:
    outcome = run(served, sdk, SEARCH, {"imgid": served.photo_url}, secret="not_the_secret")
    if sdk == ALI:  # the callback gets the error_response object itself
        error = outcome["callback_error"]
        assert set(error) == {"code", "msg", "sub_code", "sub_msg", "request_id"}
        assert error["msg"] == "Invalid signature"
    else:  # the promise rejects with an Error named TOPClientError
        error = outcome["rejected"]
        assert error["name"] == "TOPClientError"
        assert error["message"].startswith("Invalid signature, code 25; ")
    assert error["code"] == 25
    assert "not_the_secret" not in json.dumps(outcome)


def test_a_utc_clock_is_code_31_naming_gmt8(served: Served) -> None:
    outcome = run(served, TOPSDK, SEARCH, {"imgid": served.photo_url}, tz="UTC")
    error = outcome["rejected"]
    assert error["code"] == 31
    assert "exactly 8 h behind" in error["message"]
    assert "GMT+8 (Asia/Shanghai)" in error["message"]
