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


@pytest.mark.parametrize(
    ("code", "family"),
    [
        (26, errors.AccessTokenError),
        (27, errors.AccessTokenError),
        ("401", errors.AccessTokenError),
        (401, errors.ApiError),  # an int 401 is no AOP code
        ("25", errors.ApiError),  # nor is a TOP code spelled as text
        ("gw.SignatureInvalid", errors.SignatureError),
        ("gw.APIACLDecline", errors.AppKeyError),
        ("gw.TimestampInvalid", errors.TimestampError),
        ("gw.NoUsageLeftError", errors.RateLimitError),
        ("400", errors.InvalidArgumentsError),
        ("500", errors.ServerError),
        ("gw.Unheard", errors.ApiError),
    ],
)
def test_families_hold_top_ints_and_aop_strings(code: int | str, family: type) -> None:
    error = errors.api_error(code, "m")
    assert type(error) is family
    assert error.code == code


def test_no_code_is_in_two_families() -> None:
    families = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ApiError) and cls.codes
    ]
    seen: dict[int | str, str] = {}
    for family in families:
        for code in family.codes:
            assert isinstance(code, int | str)
            assert code not in seen, f"{code!r} is in {seen.get(code)} and {family.__name__}"
            seen[code] = family.__name__
    assert errors.AccessTokenError in families


def test_an_aop_error_prints_pickles_and_hints() -> None:
    error = errors.api_error(
        "gw.QosAppFrequencyLimit", "App call exceeds", None, "This ban will last for 9 more seconds"
    )
    assert (
        str(error)
        == "gw.QosAppFrequencyLimit App call exceeds - This ban will last for 9 more seconds"
    )
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is errors.RateLimitError
    assert (clone.code, clone.retry_after) == ("gw.QosAppFrequencyLimit", 9.0)
    token = errors.api_error(27, "Invalid session")
    assert "hint: check access_token" in str(token)
    assert not token.retryable


def test_a_ban_is_read_in_digits_0_to_9() -> None:
    error = errors.api_error(7, "m", None, "This ban will last for ٣ more seconds")
    assert isinstance(error, errors.RateLimitError)
    assert error.retry_after is None


def test_a_cassette_error_names_the_place_says_the_test_is_wrong_and_pickles() -> None:
    problem = "interaction 3: response.status.code must be an integer, got 'two hundred'"
    error = errors.CassetteError(problem, "cassettes/x.yaml", 23)
    assert str(error) == f"cassettes/x.yaml:23: {problem}"
    assert str(errors.CassetteError("the file is empty", "x.yaml")) == "x.yaml: the file is empty"
    assert isinstance(error, AssertionError)
    assert not isinstance(error, errors.ApiError | errors.TransportError | ValueError)
    assert not error.retryable
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.problem, again.source, again.line) == (
        errors.CassetteError,
        str(error),
        problem,
        "cassettes/x.yaml",
        23,
    )
