"""docs/reference/error-codes.md: complete, and what it says is what the client raises."""

import re
from pathlib import Path

import pytest

from pailitao import errors
from pailitao.errors import api_error
from pailitao.models import parse_aop_error, parse_search_response
from pailitao.strategies import ERROR_CODES
from pailitao.wire import aop, reseller

PAGE = Path(__file__).resolve().parent.parent / "docs" / "reference" / "error-codes.md"


def table(heading: str) -> list[list[str]]:
    """The rows of the table under a ``## heading``, cells stripped of backticks."""
    section = PAGE.read_text("utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [[cell.strip().strip("`") for cell in row.strip("|").split("|")] for row in rows]


CODES = table("Platform codes")


def test_every_platform_code_has_a_row() -> None:
    assert [int(row[0]) for row in CODES] == sorted(ERROR_CODES)
    assert {int(row[0]): row[1] for row in CODES} == ERROR_CODES


@pytest.mark.parametrize("row", CODES, ids=[row[0] for row in CODES])
def test_each_code_raises_the_class_shown(row: list[str]) -> None:
    code, msg, raised, retried = int(row[0]), row[1], row[2], row[3]
    error = api_error(code, msg, "isv.invalid-parameter")
    assert type(error).__name__ == raised
    assert error.retryable is (retried == "yes")
    # A code with its own class keeps it whatever the sub_code; a plain one turns
    # into ServerError with an isp.* sub_code.
    isp = api_error(code, msg, "isp.remote-service-error")
    expected = raised if raised != "ApiError" else "ServerError"
    assert type(isp).__name__ == expected


@pytest.mark.parametrize("row", table("Sub-codes"), ids=lambda row: row[0])
def test_each_sub_code_raises_the_class_shown(row: list[str]) -> None:
    sub_code, with_codes, raised = row[0], row[1], row[2]
    codes = [int(c) for c in re.findall(r"\d+", with_codes)] or [3, 11, 42]
    sample = "isp.example" if sub_code.startswith("any other") else sub_code
    for code in codes:
        error = api_error(code, ERROR_CODES[code], sample, "This ban will last for 5 more seconds")
        shown = raised if raised != "the code's class" else type(api_error(code, "")).__name__
        assert type(error).__name__ == shown, (sub_code, code)
        if isinstance(error, errors.RateLimitError):
            assert error.retry_after == 5.0


GATEWAY = table("Open Platform gateway codes")


def test_every_open_platform_gateway_code_has_a_row() -> None:
    rows = {row[0]: (int(row[1]), row[2]) for row in GATEWAY}
    assert rows == {
        code.error_code: (code.status, code.error_message) for code in aop.GATEWAY_CODES.values()
    }


@pytest.mark.parametrize("row", GATEWAY, ids=[row[0] for row in GATEWAY])
def test_each_gateway_code_raises_the_class_shown(row: list[str]) -> None:
    body = {"error_code": row[0], "error_message": row[2], "request_id": "r"}
    error = parse_aop_error(body)
    assert type(error).__name__ == row[3]
    assert error is not None
    assert error.retryable is (row[4] == "yes")


@pytest.mark.parametrize("row", table("Open Platform business codes"), ids=lambda row: row[0])
def test_each_business_code_raises_the_class_shown(row: list[str]) -> None:
    answer = {"result": {"success": False, "code": row[0], "message": "m"}}
    with pytest.raises(errors.ApiError) as raised:
        parse_search_response(answer)
    assert type(raised.value).__name__ == row[1]
    assert raised.value.retryable is (row[2] == "yes")


RESELLER = table("Reseller codes")


def test_every_reseller_code_has_a_row() -> None:
    assert {row[0]: row[1] for row in RESELLER} == dict(reseller.ERROR_CODES)


@pytest.mark.parametrize("row", RESELLER, ids=[row[0] for row in RESELLER])
def test_each_reseller_code_raises_the_class_shown(row: list[str]) -> None:
    answer = {"error_code": row[0], "reason": "r", "error": row[1]}
    if row[2].startswith("none"):
        empty = {"page": 1, "page_size": 20, "total_results": 0, "item": []}
        assert parse_search_response({**answer, "items": empty}).items == []
        return
    with pytest.raises(errors.ApiError) as raised:
        parse_search_response(answer)
    assert type(raised.value).__name__ == row[2]
    assert raised.value.code == int(row[0])
    assert raised.value.retryable is (row[3] == "yes")


def test_the_other_errors_exist_and_are_pailitao_errors() -> None:
    for row in table("Not from the envelope"):
        cls = getattr(errors, row[0])
        assert issubclass(cls, errors.PailitaoError)
