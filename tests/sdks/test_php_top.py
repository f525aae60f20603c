"""The TOP PHP SDK, unmodified, with ``format=xml``, against ``fake1688 serve``.

The SDK (``TopSdk.php`` with ``TopClient``) is a download from the Open Platform's
console, in no registry this project installs from (PyPI, npm, Debian), so it is
not in this repository: point ``$TOPSDK_PHP`` at the folder that holds
``TopSdk.php`` to run these tests, with ``php`` and its ``curl`` and ``xml``
modules installed (Debian: ``php-cli php-curl php-xml``). Without either the
tests skip, saying which is missing.

``php/top.php`` makes one ``execute`` with ``$client->format = "xml"`` (TOP's own
default, and the SDK's in its older releases); the SDK reads the answer with
``simplexml_load_string``, and the driver prints what it got as JSON.
"""

from __future__ import annotations

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

PHP = shutil.which("php")
SDK = os.environ.get("TOPSDK_PHP", "")
DRIVER = Path(__file__).parent / "php" / "top.php"
SEARCH, UPLOAD = "1688.items.search.img", "1688.upload.img"
APP_KEY, APP_SECRET = "test_app_key", "test_app_secret"

pytestmark = [
    pytest.mark.skipif(PHP is None, reason="php is missing (Debian: php-cli php-curl php-xml)"),
    pytest.mark.skipif(
        not (Path(SDK) / "TopSdk.php").is_file(),
        reason="the TOP PHP SDK is in no registry this project installs from: "
        "set TOPSDK_PHP to the folder holding TopSdk.php",
    ),
]


def run(served: Served, method: str, params: dict[str, Any], *, secret: str = APP_SECRET) -> Any:
    """One ``execute``; the element the SDK parsed, as ``(root name, content)``."""
    assert PHP is not None
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TOPSDK_PHP": SDK,
        "TOP_URL": served.root + "/router/rest",
        "TOP_APP_KEY": APP_KEY,
        "TOP_APP_SECRET": secret,
    }
    done = subprocess.run(
        [PHP, str(DRIVER), method, json.dumps(params)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr or done.stdout
    outcome = json.loads(done.stdout)
    assert outcome["result"] is not None, f"the SDK found the answer not well formed: {outcome}"
    return outcome["root"], outcome["result"]


@pytest.fixture(scope="module")
def own_offer(served: Served) -> str:
    offer = Catalog.default().offer_for_url(served.photo_url)
    assert offer is not None
    return offer.num_iid


def test_search_by_imgid_reads_the_xml_answer(served: Served, own_offer: str) -> None:
    root, answer = run(served, SEARCH, {"imgid": served.photo_url, "page_size": "3"})
    assert root == "_1688_items_search_img_response"
    items = answer["items"]
    assert [items["page"], items["page_size"]] == ["1", "3"]
    assert len(items["item"]) == 3
    assert items["item"][0]["num_iid"] == own_offer


def test_upload_a_file_part_then_search_by_its_imgid(
    served: Served, own_offer: str, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(requests.get(served.photo_url, timeout=10).content)
    root, uploaded = run(served, UPLOAD, {"image": {"file": str(photo)}})
    assert root == "_1688_upload_img_response"
    assert uploaded["items"]["item"]["status"] == "1"
    _, answer = run(served, SEARCH, {"imgid": uploaded["items"]["item"]["name"], "page_size": "2"})
    assert answer["items"]["item"][0]["num_iid"] == own_offer


def test_a_wrong_secret_is_an_xml_error_response(served: Served) -> None:
    root, error = run(served, SEARCH, {"imgid": served.photo_url}, secret="not_the_secret")
    assert root == "error_response"
    assert [error["code"], error["msg"]] == ["25", "Invalid signature"]
    assert "partner_id" in error["sub_msg"]  # the SDK signs its partner_id too
    assert "not_the_secret" not in json.dumps(error)
