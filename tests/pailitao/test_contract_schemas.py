"""The schemas are generated from the models, shipped and published, and never stale."""

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pailitao.contract import schemas
from pailitao.models import Item

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = [ROOT / "src" / "pailitao" / "schemas", ROOT / "docs" / "schemas"]


@pytest.mark.parametrize("folder", FOLDERS, ids=["shipped", "published"])
def test_files_match_the_generator(folder: Path) -> None:
    for name, schema in schemas.generate().items():
        text = (folder / name).read_text("utf-8")
        assert text == schemas.render(schema), (
            f"{folder / name} is stale: run python -m pailitao.contract.schemas --write"
        )


def test_shipped_schemas_load_from_the_package() -> None:
    assert list(schemas.SCHEMAS) == [
        *schemas.ENVELOPES,
        *schemas.AOP_ENVELOPES,
        *schemas.RESELLER_ENVELOPES,
    ]
    for envelope, name in schemas.SCHEMAS.items():
        assert schemas.load_schema(envelope) == schemas.generate()[name]


def test_unknown_envelope_names_the_known_ones() -> None:
    with pytest.raises(
        KeyError, match="no schema for 'items'; known: 1688_items_search_img_response"
    ):
        schemas.load_schema("items")


@pytest.mark.parametrize("schema", schemas.generate().values(), ids=schemas.SCHEMA_FILES)
def test_schemas_are_valid_draft_2020_12(schema: dict) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is True


def test_item_properties_are_the_model_fields_by_wire_name() -> None:
    item = schemas.search_schema()["$defs"]["item"]
    wire = {field.alias or name for name, field in Item.model_fields.items()}
    assert set(item["properties"]) == wire
    assert "turnHead" in item["properties"]
    assert "turn_head" not in item["properties"]
    assert item["required"] == ["num_iid", "title", "price", "pic_url"]
    assert item["additionalProperties"] is True
    assert item["properties"]["price"] == {"$ref": "#/$defs/price_or_range"}
    assert item["properties"]["promotion_price"] == {"$ref": "#/$defs/price"}
    assert item["properties"]["sales"] == {"type": "integer", "minimum": 0}


def test_page_and_error_requirements() -> None:
    page = schemas.search_schema()["properties"]["items_search_img_response"]["properties"]
    assert page["items"]["required"] == ["item", "page", "page_size", "total_results", "pagecount"]
    assert page["items"]["properties"]["page"] == {"type": "integer", "minimum": 1}
    assert "request_id" not in page["items"]["properties"]
    error = schemas.error_schema()["properties"]["error_response"]
    assert error["required"] == ["code", "msg"]
    assert set(error["properties"]) == {"code", "msg", "sub_code", "sub_msg", "request_id"}
    upload = schemas.upload_schema()["properties"]["upload_img_response"]
    assert upload["properties"]["items"]["properties"]["item"]["required"] == ["name"]


def test_a_new_model_field_changes_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    class Wider(Item):
        moq: int | None = None
        freight: Decimal | None = None

    monkeypatch.setattr(schemas, "Item", Wider)
    properties = schemas.search_schema()["$defs"]["item"]["properties"]
    assert properties["moq"] == {"type": "integer", "minimum": 0}
    assert properties["freight"] == {"$ref": "#/$defs/price"}
    assert (
        schemas.render(schemas.search_schema())
        != (FOLDERS[0] / schemas.SCHEMA_FILES[0]).read_text()
    )


def test_a_field_without_a_wire_type_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Odd(Item):
        ratio: complex | None = None

    monkeypatch.setattr(schemas, "Item", Odd)
    with pytest.raises(TypeError, match=r"field .ratio. has type .* map it in pailitao\.contract"):
        schemas.search_schema()


def _copy_repo(tmp_path: Path) -> Path:
    for folder in FOLDERS:
        target = tmp_path / folder.relative_to(ROOT)
        shutil.copytree(folder, target)
    return tmp_path


def test_check_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert schemas.main(["--check", "--root", str(ROOT)]) == 0
    assert capsys.readouterr().out == ""


def test_check_names_stale_files_and_write_fixes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy_repo(tmp_path)
    stale = root / "docs" / "schemas" / "error_response.schema.json"
    stale.write_text(json.dumps({"stale": True}))
    assert schemas.main(["--check", "--root", str(root)]) == 1
    assert capsys.readouterr().out == (
        f"stale: {stale} (run python -m pailitao.contract.schemas --write)\n"
    )
    assert schemas.main(["--write", "--root", str(root)]) == 0
    assert capsys.readouterr().out == f"wrote {stale}\n"
    assert schemas.main(["--check", "--root", str(root)]) == 0


def test_write_refuses_a_directory_that_is_not_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert schemas.main(["--write", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path} is not the pailitao repository root; pass --root. This command "
        "maintains pailitao's own schema files; in your project, check your cassettes with "
        "'pailitao contract check DIR'\n"
    )
    assert not list(tmp_path.iterdir())
