"""The error tree: families, retryability, messages, pickling."""

import pickle

import pytest

from pailitao import errors


def test_api_error_message_carries_code_detail_hint_and_request_id() -> None:
    error = errors.api_error(
        25, "Invalid signature", "isv.invalid-signature", "sign mismatch", "r9"
    )
    assert isinstance(error, errors.SignatureError)
    assert str(error) == (
        "25 Invalid signature [isv.invalid-signature] - sign mismatch "
        "(hint: compare your canonical string with the server's; `pailitao sign` prints yours) "
        "request_id=r9"
    )


@pytest.mark.parametrize(
    ("sub_msg", "expected"),
    [
        ("This ban will last for 58 more seconds", 58.0),
        ("this BAN will last for 1 more seconds.", 1.0),
        ("slow down", None),
        (None, None),
    ],
)
def test_retry_after_from_the_ban_message(sub_msg: str | None, expected: float | None) -> None:
    error = errors.api_error(
        7, "App Call Limited", "accesscontrol.limited-by-api-access-count", sub_msg
    )
    assert isinstance(error, errors.RateLimitError)
    assert error.retry_after == expected
    assert error.retryable


def test_retryability_by_family() -> None:
    assert errors.api_error(15, "x").retryable
    assert errors.api_error(11, "x", "isp.unknown").retryable
    assert not errors.api_error(11, "x", "isv.unknown").retryable
    assert not errors.api_error(41, "x").retryable
    assert errors.HTTPStatusError(500).retryable
    assert not errors.HTTPStatusError(404).retryable
    assert errors.NetworkError("x").retryable
    assert errors.ResponseParseError("x", retryable=True).retryable
    assert not errors.ResponseParseError("x").retryable


def test_every_error_is_a_pailitao_error_and_value_errors_are_value_errors() -> None:
    for name in errors.__all__:
        thing = getattr(errors, name)
        if isinstance(thing, type):
            assert issubclass(thing, errors.PailitaoError)
    for cls in (errors.UsageError, errors.ImageError, errors.ResponseParseError):
        assert issubclass(cls, ValueError)


def test_api_errors_pickle_with_their_fields() -> None:
    error = errors.api_error(
        7, "App Call Limited", "s", "This ban will last for 5 more seconds", "r"
    )
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is errors.RateLimitError
    assert (clone.code, clone.sub_code, clone.retry_after, str(clone)) == (7, "s", 5.0, str(error))
