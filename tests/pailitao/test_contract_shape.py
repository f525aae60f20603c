"""Pure shape(), diff(), merging and the allow-list, on hand-written payloads."""

import doctest
import json
from pathlib import Path

import pytest

from pailitao.contract import shape as shape_module
from pailitao.contract.allow import AllowEntry, AllowList, AllowListError
from pailitao.contract.replay import compare_envelopes, merge_shapes
from pailitao.contract.shape import Drift, diff, kind_of, shape

ITEM = {
    "num_iid": "610947572360",
    "title": "韩版T恤",
    "price": "12.50",
    "sales": 803,
    "turnHead": "15%",
    "pic_url": "https://cbu01.alicdn.com/img/ibank/a.jpg",
}
P = "$.items_search_img_response.items.item[]"


def page(*items: dict) -> dict:
    body = {"page": 1, "page_size": 20, "pagecount": 1, "total_results": 1, "item": list(items)}
    return {"items_search_img_response": {"items": body, "request_id": "r"}}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ({}, "object"), ([], "array:empty"), ([1], "array"), (None, "null"), (True, "boolean"),
        (3, "integer"), (3.5, "number"), ("", "string:empty"), ("610947572360", "string:digits"),
        ("90.00", "string:price"), ("12.50-18.00", "string:price-range"),
        ("90.5", "string:decimal"), ("1000+", "string:count"), ("1.2万", "string:count"),
        ("15%", "string:percent"), ("//cbu01.alicdn.com/a.jpg", "string:url"),
        ("韩版T恤", "string"),
    ],
)  # fmt: skip
def test_kind_of(value: object, kind: str) -> None:
    assert kind_of(value) == kind


def test_shape_merges_array_elements_and_never_holds_values() -> None:
    found = shape(page(ITEM, {**ITEM, "price": "1.00-2.00", "sales": None}))
    assert found[f"{P}.price"] == "string:price|string:price-range"
    assert found[f"{P}.sales"] == "integer|null"
    assert found["$.items_search_img_response.items.item"] == "array"
    assert "韩版T恤" not in json.dumps(found, ensure_ascii=False)


def test_shape_quotes_odd_keys() -> None:
    assert shape({"a b": {"c": 1}}) == {
        "$": "object",
        "$['a b']": "object",
        "$['a b'].c": "integer",
    }


def test_module_doctest() -> None:
    assert doctest.testmod(shape_module).failed == 0


def test_equal_shapes_do_not_drift_whatever_the_values() -> None:
    other = {**ITEM, "num_iid": "1", "title": "不锈钢保温杯", "sales": 5, "price": "90.00"}
    assert diff(shape(page(ITEM)), shape(page(other))) == []


def test_every_kind_of_drift() -> None:
    recorded = page({**ITEM, "price": 12.5, "num_iid": 610947572360, "sales": "1000+", "x": 1})
    fake = page({**ITEM, "price": "12.50-18.00", "area": "广州"})
    assert [str(d) for d in diff(shape(recorded), shape(fake))] == [
        f"{P}.area: extra: platform -, fake string",
        f"{P}.num_iid: type: platform integer, fake string:digits",
        f"{P}.price: type: platform number, fake string:price-range",
        f"{P}.sales: type: platform string:count, fake integer",
        f"{P}.x: missing: platform integer, fake -",
    ]


def test_a_range_price_against_a_plain_one_is_a_format_drift() -> None:
    drifts = diff(shape(page({**ITEM, "price": "12.50-18.00"})), shape(page(ITEM)))
    assert drifts == [Drift(f"{P}.price", "format", "string:price-range", "string:price")]


def test_an_empty_page_says_nothing_about_items() -> None:
    assert diff(shape(page()), shape(page(ITEM))) == []
    assert diff(shape(page(ITEM)), shape(page())) == []


def test_merging_shapes_of_many_answers() -> None:
    merged = merge_shapes(
        [shape(page(ITEM)), shape(page({**ITEM, "price": "1.00-2.00"})), shape(page())]
    )
    assert merged[f"{P}.price"] == "string:price|string:price-range"
    assert merged["$.items_search_img_response.items.item"] == "array"


def test_envelope_drift_quotes_the_error() -> None:
    error = {"error_response": {"code": 41, "msg": "Invalid Arguments", "sub_msg": "bad  page"}}
    assert compare_envelopes(page(ITEM), page()) is None
    assert compare_envelopes(page(ITEM), error) == Drift(
        "$",
        "envelope",
        "items_search_img_response",
        "error_response (41 Invalid Arguments bad page)",
    )


# -- the allow-list -----------------------------------------------------------


def test_patterns_match_one_step_or_anything() -> None:
    drift = Drift(f"{P}.price", "type", "number", "string:price")
    assert AllowEntry(f"{P}.price", "type", "r").matches(drift)
    assert AllowEntry(f"{P}.*", None, "r").matches(drift)
    assert AllowEntry("$.**", "type", "r").matches(drift)
    assert not AllowEntry("$.*", "type", "r").matches(drift)
    assert not AllowEntry(f"{P}.price", "format", "r").matches(drift)
    assert not AllowEntry(f"{P}.pric", "type", "r").matches(drift)


def test_load_yaml_and_json_and_report_unused(tmp_path: Path) -> None:
    (tmp_path / "allow.yaml").write_text(
        "allow:\n"
        f"  - path: '{P}.promotion_price'\n"
        "    kind: missing\n"
        "    reason: the fake's offers are never on promotion\n"
        f"  - path: '{P}.*'\n"
        "    kind: extra\n"
        "    reason: ' the platform adds fields '\n"
    )
    (tmp_path / "allow.json").write_text(json.dumps([{"path": "$.x", "reason": "why not"}]))
    loaded = AllowList.load(tmp_path / "allow.yaml")
    assert loaded.entries[1] == AllowEntry(f"{P}.*", "extra", "the platform adds fields")
    drift = Drift(f"{P}.is_tmall", "extra", None, "boolean")
    assert loaded.allowing(drift) is loaded.entries[1]
    assert loaded.unused([drift]) == [loaded.entries[0]]
    assert AllowList.load(tmp_path / "allow.json").entries == (AllowEntry("$.x", None, "why not"),)
    (tmp_path / "empty.yaml").write_text("")
    assert AllowList.load(tmp_path / "empty.yaml").entries == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("allow: 3", "expected a list of entries or {'allow': [...]}"),
        ("- 3", "entry 0: expected a mapping with path, kind and reason"),
        ("- {path: $.a, reason: r, why: x}", "entry 0: unknown key(s) why; use path, kind, reason"),
        ("- {path: a, reason: r}", "entry 0: 'path' must be a JSON path pattern starting with '$'"),
        ("- {path: $.a, kind: gone, reason: r}",
         "entry 0: 'kind' must be one of missing, extra, type, format, envelope"),
        ("- {path: $.a}", "entry 0: say why the difference is accepted in 'reason'"),
        ("- [", "is not YAML: expected the node content, but found '<stream end>' (line 1)"),
    ],
)  # fmt: skip
def test_malformed_allow_lists_say_how_to_fix_them(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "allow.yaml"
    path.write_text(text)
    with pytest.raises(AllowListError) as caught:
        AllowList.load(path)
    assert str(caught.value) in (f"{path}: {message}", f"{path} {message}")


def test_unreadable_allow_lists(tmp_path: Path) -> None:
    with pytest.raises(AllowListError, match=r"cannot read allow-list .*missing\.yaml"):
        AllowList.load(tmp_path / "missing.yaml")
    (tmp_path / "a.json").write_text("{")
    with pytest.raises(AllowListError, match=r"a.json is not JSON: Expecting property name"):
        AllowList.load(tmp_path / "a.json")
