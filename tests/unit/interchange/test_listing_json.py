from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from duijie.domain.errors import ValidationFailed
from duijie.interchange.listing_json import (
    FORMAT,
    dump_document,
    listing_from_document,
    listing_to_document,
    load_document,
)

DEMOS = ("chuanshan.json", "farm.json", "factory.json")


def demo_text(name: str) -> str:
    return resources.files("duijie.demo").joinpath("data", name).read_text(encoding="utf-8")


def schema() -> dict[str, Any]:
    text = resources.files("duijie").joinpath("schemas", "listing-v1.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def issues_of(doc: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as exc:
        listing_from_document(doc)
    return {i.path: i.reason for i in exc.value.issues}


@pytest.mark.parametrize("name", DEMOS)
def test_export_import_export_is_byte_identical(name: str) -> None:
    first = dump_document(listing_to_document(listing_from_document(json.loads(demo_text(name)))))
    second = dump_document(listing_to_document(listing_from_document(json.loads(first))))
    assert first == second
    assert first == demo_text(name)  # the shipped file is already in the stable form


@pytest.mark.parametrize("name", DEMOS)
def test_demo_documents_validate_against_the_json_schema(name: str) -> None:
    validator = Draft202012Validator(schema())
    errors = list(validator.iter_errors(json.loads(demo_text(name))))
    assert errors == []


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(schema())


def test_schema_rejects_money_as_a_number() -> None:
    doc = json.loads(demo_text("chuanshan.json"))
    doc["catalog"]["items"][0]["price"]["amount"] = 6.95
    assert list(Draft202012Validator(schema()).iter_errors(doc))


def test_money_is_written_as_decimal_strings() -> None:
    doc = json.loads(demo_text("farm.json"))
    assert doc["format"] == FORMAT
    assert doc["offers"][0]["tiers"][1]["unit_price"] == {"amount": "2.60", "currency": "USD"}


def test_stable_text_form_is_readable_utf8_with_final_newline() -> None:
    text = dump_document({"b": "凉皮", "a": 1})
    assert text == '{\n  "a": 1,\n  "b": "凉皮"\n}\n'


def test_bad_document_reports_every_error_with_its_path() -> None:
    doc = json.loads(demo_text("chuanshan.json"))
    bad = copy.deepcopy(doc)
    bad["catalog"]["items"][2]["price"]["amount"] = "-3.00"
    bad["catalog"]["items"][1]["spice"] = "hot"
    bad["catalog"]["items"][0]["section_id"] = "desserts"
    bad["provider"]["locations"][1]["time_zone"] = "America/Springfield"
    bad["resources"][0]["capacity"] = 0
    del bad["jobs"][1]["title"]
    bad["offers"] = "none"
    bad["surprise"] = True
    found = issues_of(bad)
    assert set(found) >= {
        "$.catalog.items[2].price",
        "$.catalog.items[1].spice",
        "$.catalog.items[0].section_id",
        "$.provider.locations[1].time_zone",
        "$.resources[0].capacity",
        "$.jobs[1].title",
        "$.offers",
        "$.surprise",
    }
    assert found["$.jobs[1].title"] == "missing required field"


def test_unparsable_hours_and_unknown_enum_are_structural_and_domain_errors_together() -> None:
    doc = json.loads(demo_text("chuanshan.json"))
    doc["provider"]["locations"][0]["opening_hours"] = "11am to 10pm"
    doc["resources"][2]["kind"] = "disco"
    doc["catalog"]["items"][3]["price"]["currency"] = "dollars"
    found = issues_of(doc)
    assert "$.provider.locations[0].opening_hours" in found
    assert found["$.resources[2].kind"] == "unknown value 'disco'"
    assert "$.catalog.items[3].price" in found


def test_wrong_format_is_refused() -> None:
    doc = json.loads(demo_text("farm.json"))
    doc["format"] = "duijie.listing/2"
    assert "$.format" in issues_of(doc)


def test_not_an_object_is_refused_at_root() -> None:
    assert set(issues_of([1, 2])) == {"$"}


def test_malformed_json_text_becomes_a_validation_failure() -> None:
    with pytest.raises(ValidationFailed) as exc:
        load_document("{ not json")
    assert exc.value.issues[0].path == "$"
