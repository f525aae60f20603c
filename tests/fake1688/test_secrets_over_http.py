"""No secret in the access log, the journal or any answer: ``fake1688 serve``, every dialect.

One real server process (127.0.0.1, a free port, ``--log-level info``) gets
every secret-bearing param through each dialect, in calls that succeed and in
calls that fail (their error texts quote the params), in the query string
(what an access log prints) and in the body. Then its stdout and stderr, its
journal (fetched with the admin token) and every answer are searched for each
value sent.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest

from pailitao.wire import aop, signing

SHOP_KEY, SHOP_SECRET = "shop-app-key-81f3", "shop-app-secret-7c2d9e"
SHOP_TOKEN = "shop-access-token-44b1"
RESELLER_KEY, RESELLER_SECRET = "reseller-key-9a0c55", "reseller-secret-3e8f71"
ADMIN_TOKEN = "admin-token-d6a2f0"
#: Params a caller may send by mistake, each with a value of its own.
STRAY = {
    "session": "session-value-1b7e",
    "app_secret": "app-secret-param-0d4c",
    "password": "password-value-6f13",
    "token": "token-value-8e2d",
    "Password": "password-upper-3d1c",
    "note": SHOP_SECRET,  # a known secret under a harmless name
}
PHOTO = "https://cbu01.alicdn.com/img/ibank/O1CN01OE7Dt0qLRYWxdcT7vBSOqP_!!2093476219-0-cib.jpg"


class Served(NamedTuple):
    root: str
    out: Path
    err: Path
    process: subprocess.Popen[str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("served")
    apps = folder / "apps.json"
    shop = {"app_key": SHOP_KEY, "app_secret": SHOP_SECRET, "access_tokens": [SHOP_TOKEN]}
    reseller = {"app_key": RESELLER_KEY, "app_secret": RESELLER_SECRET}
    apps.write_text(json.dumps({"apps": [shop, reseller]}))
    out, err = folder / "stdout.txt", folder / "stderr.txt"
    command = [sys.executable, "-m", "fake1688", "serve", "--port", "0", "--log-level", "info"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FAKE1688_ADMIN_TOKEN": ADMIN_TOKEN}
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [*command, "--apps", str(apps)], stdout=stdout, stderr=stderr, text=True, env=env
        )
    try:
        root = _root(out, process)
        yield Served(root, out, err, process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)


def _root(out: Path, process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        first = out.read_text().partition("\n")[0]
        if first:
            root = first.split()[-1].removesuffix("/openapi/router/rest")
            try:
                httpx.get(root + "/openapi.json", timeout=5)
                return root
            except httpx.TransportError:
                pass
        assert process.poll() is None, "fake1688 serve ended"
        time.sleep(0.05)
    raise AssertionError("fake1688 serve did not start")


# -- the calls --------------------------------------------------------------------


def _top(root: str, answers: list[dict[str, Any]], sent: set[str]) -> None:
    url = root + "/openapi/router/rest"
    system = {
        "method": "1688.items.search.img",
        "app_key": SHOP_KEY,
        "timestamp": signing.format_timestamp(time.time()),
        "v": "2.0",
        "imageUrl": PHOTO,
        "access_token": SHOP_TOKEN,
        **STRAY,
    }
    signed = {**system, "sign": signing.sign(system, SHOP_SECRET)}
    sent.add(signed["sign"])
    answers.append(httpx.post(url, params=signed).json())  # succeeds
    wrong = {**system, "sign": "0BADC0FFEE0BADC0FFEE0BADC0FFEE00"}
    sent.add(wrong["sign"])
    answers.append(httpx.post(url, params=wrong).json())  # 25, the signed string explained
    body = {**system, "sort": "sideways"}
    answers.append(httpx.post(url, data={**body, "sign": signing.sign(body, SHOP_SECRET)}).json())
    answers.append(httpx.post(url, params={**wrong, "format": "xml"}).text)  # type: ignore[arg-type]


def _aop(root: str, answers: list[dict[str, Any]], sent: set[str]) -> None:
    path = aop.ApiPath(aop.NAMESPACE, aop.SEARCH_API, SHOP_KEY)
    url = path.url(root + aop.BASE_PATH)
    params = {
        "access_token": SHOP_TOKEN,
        "offerQueryParam": json.dumps({"imageAddress": PHOTO, "pageSize": 2, "country": "en"}),
        "_aop_timestamp": str(int(time.time() * 1000)),
        **STRAY,
    }
    good = {**params, aop.SIGNATURE: aop.sign(path.signed, params, SHOP_SECRET)}
    sent.add(good[aop.SIGNATURE])
    answers.append(httpx.get(url, params=good).json())  # succeeds
    wrong = {**params, aop.SIGNATURE: "C0FFEE0BADC0FFEE0BADC0FFEE0BADC0FFEE0BAD"}
    sent.add(wrong[aop.SIGNATURE])
    answers.append(httpx.get(url, params=wrong).json())  # gw.SignatureInvalid, explained
    stranger = {**params, "access_token": "wrong-access-token-55c0"}
    stranger[aop.SIGNATURE] = aop.sign(path.signed, stranger, SHOP_SECRET)
    sent |= {stranger["access_token"], stranger[aop.SIGNATURE]}
    answers.append(httpx.post(url, data=stranger).json())  # 401


def _reseller(root: str, answers: list[dict[str, Any]], sent: set[str]) -> None:
    url = root + "/1688/item_search_img/"
    params = {"key": RESELLER_KEY, "secret": RESELLER_SECRET, "imgid": PHOTO, **STRAY}
    answers.append(httpx.get(url, params=params).json())  # succeeds, call_args echoed
    wrong = {**params, "secret": "wrong-reseller-secret-2a9b"}
    sent.add(wrong["secret"])
    answers.append(httpx.get(url, params=wrong).json())  # 4005
    answers.append(httpx.get(url, params={**params, "sort": "sideways"}).json())  # 4003
    answers.append(httpx.post(url, data={**params, "page": "0"}).json())  # in the body


ERROR_TEXTS = ("sub_msg", "exception", "error_message", "reason", "message", "msg", "error")


def _error_texts(answer: object) -> list[str]:
    """Every error text in an answer, wherever its envelope keeps it."""
    if isinstance(answer, dict):
        found = [
            value for key, value in answer.items() if key in ERROR_TEXTS and isinstance(value, str)
        ]
        return found + [text for value in answer.values() for text in _error_texts(value)]
    return []


def test_no_secret_reaches_the_access_log_the_journal_or_an_answer(served: Served) -> None:
    answers: list[Any] = []
    sent = {SHOP_SECRET, SHOP_TOKEN, RESELLER_KEY, RESELLER_SECRET, ADMIN_TOKEN, *STRAY.values()}
    _top(served.root, answers, sent)
    _aop(served.root, answers, sent)
    _reseller(served.root, answers, sent)
    bearer = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    journal = httpx.get(served.root + "/__fake__/requests", headers=bearer)
    assert journal.status_code == 200
    entries = journal.json()["requests"]
    served.process.send_signal(signal.SIGINT)
    served.process.wait(timeout=20)
    # The banner names the apps' keys (app keys, not secrets); the log follows it.
    banner, end, log = served.out.read_text().partition("Ctrl-C stops the server.\n")
    assert end, banner
    log += served.err.read_text()

    # Every call got its answer, and the failing ones explain themselves.
    assert len(entries) == len(answers) == 11
    assert "1688_items_search_img_response" in answers[0]
    assert answers[1]["error_response"]["code"] == 25
    assert "app_secret<redacted>" in answers[1]["error_response"]["sub_msg"]
    assert "note<redacted>" in answers[1]["error_response"]["sub_msg"]
    assert answers[4]["result"]["success"] is True
    assert answers[5]["error_code"] == "gw.SignatureInvalid"
    assert "password<redacted>" in answers[5]["exception"]
    assert answers[6]["error_code"] == "401"
    assert answers[7]["error_code"] == "0000"
    assert answers[7]["call_args"]["password"] == "<redacted>"
    assert answers[8]["error_code"] == "4005"
    texts = [text for answer in answers for text in _error_texts(answer)]
    assert len(texts) > 10

    # Each request is in the access log, with its query redacted.
    lines = [line for line in log.splitlines() if '" 200' in line or '" 4' in line]
    assert len(lines) == len(answers) + 2  # and the readiness probe, the journal fetch
    reseller = next(line for line in lines if "item_search_img" in line)
    assert re.fullmatch(
        r'INFO: +127\.0\.0\.1:\d+ - "GET /1688/item_search_img/\?key=rese\*\*\*c55&'
        r"secret=<redacted>&imgid=https%3A%2F%2Fcbu01.alicdn.com%2F.*&session=<redacted>&"
        r"app_secret=<redacted>&password=<redacted>&token=<redacted>&Password=<redacted>&"
        r'note=<redacted> HTTP/1.1" 200',
        reseller,
    ), reseller

    # The Open Platform's paths carry the app key: shown masked, as the journal shows app_key.
    aop_paths = [entry["path"] for entry in entries if "/param2/" in entry["path"]]
    assert aop_paths
    assert all(path.endswith("/shop***1f3") for path in aop_paths), aop_paths
    assert SHOP_KEY not in log.replace(banner, "")

    journalled = json.dumps(entries)
    shown = "\n".join(
        json.dumps(answer) if isinstance(answer, dict) else answer for answer in answers
    )
    for value in sorted(sent):
        assert value not in log, value
        assert value not in journalled, value
        assert value not in shown, value
        assert not [text for text in texts if value in text], value
