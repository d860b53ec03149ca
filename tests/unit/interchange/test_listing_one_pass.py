"""A bad listing or menu reports every problem in one pass: fixing the first ones never reveals
others that were there all along (issue 15, "a first hour without surprises")."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from duijie.domain.errors import ValidationFailed
from duijie.interchange.listing_json import listing_from_document
from duijie.interchange.menu_csv import COLUMNS, read_menu_csv

BASE: dict[str, Any] = json.loads(
    resources.files("duijie.demo").joinpath("data", "chuanshan.json").read_text(encoding="utf-8"))


def _problems(doc: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        listing_from_document(doc)
    return [(i.path, i.reason) for i in caught.value.issues]


def test_a_broken_item_still_has_its_other_rules_checked_and_later_items_keep_their_index() -> None:
    doc = copy.deepcopy(BASE)
    items = doc["catalog"]["items"]
    items[0]["price"]["currency"] = "RMB"  # structural: the price cannot be read
    items[0]["section_id"] = "nope"  # a rule about the same item
    items[2]["section_id"] = "nope2"  # a rule about a later item
    problems = _problems(doc)
    paths = [p for p, _ in problems]
    assert paths == ["$.catalog.items[0].price", "$.catalog.items[0].section_id", "$.catalog.items[2].section_id"]
    # The placeholder price of item 0 does not make every other item "another currency".
    assert not any("currency" in p for p in paths[1:])


def test_a_broken_provider_does_not_hide_the_menu_problems() -> None:
    doc = copy.deepcopy(BASE)
    del doc["provider"]["name"]
    doc["catalog"]["items"][2]["section_id"] = "nope2"
    doc["resources"][0]["capacity"] = 0
    assert _problems(doc) == [
        ("$.provider.name", "missing required field"),
        ("$.catalog.items[2].section_id", "unknown section 'nope2'"),
        ("$.resources[0].capacity", "must be at least 1"),
    ]


def test_a_location_missing_its_address_is_not_also_unknown_to_the_rooms_there() -> None:
    doc = copy.deepcopy(BASE)
    del doc["provider"]["locations"][0]["address"]
    problems = _problems(doc)
    assert problems == [("$.provider.locations[0].address", "missing required field")]


def test_an_element_that_is_not_an_object_is_one_problem_and_the_next_keeps_its_path() -> None:
    doc = copy.deepcopy(BASE)
    doc["catalog"]["items"][1] = "roujiamo"
    doc["catalog"]["items"][3]["price"]["amount"] = "-1"
    doc["jobs"][0]["openings"] = 0
    assert _problems(doc) == [
        ("$.catalog.items[1]", "expected an object, got a string"),
        ("$.catalog.items[3].price", "must not be negative (got -1)"),
        ("$.jobs[0].openings", "must be at least 1"),
    ]


def test_missing_provider_and_catalog_are_both_reported_with_the_rest() -> None:
    doc = copy.deepcopy(BASE)
    del doc["provider"], doc["catalog"]
    doc["jobs"][0]["openings"] = 0
    paths = [p for p, _ in _problems(doc)]
    assert paths[:2] == ["$.provider", "$.catalog"]
    assert "$.jobs[0].openings" in paths


def test_a_menu_row_reports_all_its_cells_and_its_add_on_rules_at_once() -> None:
    header = ",".join(COLUMNS)
    rows = [
        ",,,noodle,面,Noodle,,,x,USD,,,,,,",  # no section and a bad price: both
        "main,主食,Main,bun,包子,Bun,,,zz,USD,,,,,,size[2-3] 份量/Size: small 小/Small 0.00",
        "main,主食,Main,bao,包子,Bao,,,3.00,USD,,,,,,size[1-1] 份量/Size: a 甲/A 0.00; a 乙/B 1.00",
    ]
    with pytest.raises(ValidationFailed) as caught:
        read_menu_csv("\n".join([header, *rows]) + "\n")
    found = [(i.path, i.reason) for i in caught.value.issues]
    assert found == [
        ("menu.csv:2", "column section_id: must not be empty"),
        ("menu.csv:2", "column price: amount must be a decimal string, got 'x'"),
        ("menu.csv:3", "column price: amount must be a decimal string, got 'zz'"),
        ("menu.csv:3", "column add_ons: option_groups[0].max_choices: exceeds the 1 options"),
        ("menu.csv:4", "column add_ons: option_groups[0].options[1].id: duplicate id 'a'"),
    ]
