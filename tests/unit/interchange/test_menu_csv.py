from __future__ import annotations

import json
from importlib import resources

import pytest

from duijie.domain.errors import ValidationFailed
from duijie.interchange.listing_json import listing_from_document
from duijie.interchange.menu_csv import COLUMNS, read_menu_csv, write_menu_csv


def data(name: str) -> str:
    return resources.files("duijie.demo").joinpath("data", name).read_text(encoding="utf-8")


HEADER = ",".join(COLUMNS)


def test_demo_menu_csv_round_trips_byte_identical() -> None:
    text = data("chuanshan-menu.csv")
    assert write_menu_csv(read_menu_csv(text)) == text


def test_demo_menu_csv_matches_the_json_catalog() -> None:
    listing = listing_from_document(json.loads(data("chuanshan.json")))
    assert read_menu_csv(data("chuanshan-menu.csv")) == listing.catalog


def test_add_ons_survive_the_csv() -> None:
    catalog = read_menu_csv(data("chuanshan-menu.csv"))
    group = catalog.item("roujiamo").option_groups[0]  # type: ignore[union-attr]
    assert (group.id, group.min_choices, group.max_choices) == ("extra", 0, 2)
    assert [(o.id, o.price.to_wire()) for o in group.options] == [("meat", "2.50"), ("pepper", "0.50")]
    assert group.options[0].name.zh == "加肉"


def test_every_bad_cell_is_reported_with_line_and_column() -> None:
    rows = [
        HEADER,
        "s1,主食,Mains,a,甲,A,,,abc,USD,,,,,,",
        "s1,主食,Mains,b,乙,B,,,1.00,USD,spicy,9,-1,,,",
        "s1,主食,Mains,a,丙,C,,,1.00,USD,,,,never ever,,",
        "s1,主食,Mains,d,丁,D,,,1.00,USD,,,,,,size 大/Large",
    ]
    with pytest.raises(ValidationFailed) as exc:
        read_menu_csv("\n".join(rows) + "\n", source="menu.csv")
    messages = [str(i) for i in exc.value.issues]
    assert any(m.startswith("menu.csv:2: column price:") for m in messages)
    assert any(m.startswith("menu.csv:3: column diet:") for m in messages)
    assert any(m.startswith("menu.csv:3: column spice:") for m in messages)
    assert any(m.startswith("menu.csv:3: column stock:") for m in messages)
    assert any(m.startswith("menu.csv:4: column item_id: duplicate") for m in messages)
    assert any(m.startswith("menu.csv:4: column available_hours:") for m in messages)
    assert any(m.startswith("menu.csv:5: column add_ons:") for m in messages)


def test_line_numbers_count_physical_lines_of_multiline_cells() -> None:
    text = (HEADER + '\ns1,主食,Mains,a,甲,A,"two\nlines",,1.00,USD,,,,,,'
            "\ns1,主食,Mains,b,乙,B,,,x,USD,,,,,,\n")
    with pytest.raises(ValidationFailed) as exc:
        read_menu_csv(text)
    assert [i.path for i in exc.value.issues] == ["menu.csv:4"]


def test_wrong_header_is_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        read_menu_csv("id,name,price\n1,a,2\n", source="upload.csv")
    assert exc.value.issues[0].path == "upload.csv:1"


def test_section_names_must_agree_across_rows() -> None:
    text = HEADER + "\ns1,主食,Mains,a,甲,A,,,1.00,USD,,,,,,\ns1,面食,Noodles,b,乙,B,,,1.00,USD,,,,,,\n"
    with pytest.raises(ValidationFailed) as exc:
        read_menu_csv(text)
    assert str(exc.value.issues[0]).startswith("menu.csv:3: column section_zh:")


def test_ten_thousand_rows_import_and_round_trip() -> None:
    # Not a timing test: it shows the reader is linear enough to finish a big menu at all.
    lines = [HEADER] + [
        f"s{n % 50},分区{n % 50},Section {n % 50},item-{n},菜{n},Dish {n},,,{n % 90}.50,USD,vegan,1,{n},"
        f"Mo-Fr 11:00-14:00,food,size[1-1] 份量/Size: s 小/Small 0.00; l 大/Large 2.00"
        for n in range(10_000)
    ]
    text = "\n".join(lines) + "\n"
    catalog = read_menu_csv(text)
    assert len(catalog.items) == 10_000
    assert len(catalog.sections) == 50
    assert len(write_menu_csv(catalog).splitlines()) == 10_001


def test_a_csv_saved_by_excel_with_a_byte_order_mark_is_read() -> None:
    text = "\ufeff" + HEADER + "\r\ns1,主食,Mains,a,甲,A,,,1.00,USD,,,,,,\r\n"
    catalog = read_menu_csv(text)
    assert [it.id for it in catalog.items] == ["a"]


def test_a_made_up_currency_is_refused_at_import_with_its_line() -> None:
    text = HEADER + "\ns1,主食,Mains,a,甲,A,,,1.00,USD,,,,,,\ns1,主食,Mains,b,乙,B,,,1.00,RMB,,,,,,\n"
    with pytest.raises(ValidationFailed) as exc:
        read_menu_csv(text)
    assert [str(i).split(" column ")[0] for i in exc.value.issues] == ["menu.csv:3:"]
    assert "RMB" in str(exc.value.issues[0]) and "ISO 4217" in str(exc.value.issues[0])


def test_one_currency_per_menu_is_enforced_with_the_line() -> None:
    text = HEADER + "\ns1,主食,Mains,a,甲,A,,,1.00,USD,,,,,,\ns1,主食,Mains,b,乙,B,,,1.00,CNY,,,,,,\n"
    with pytest.raises(ValidationFailed) as exc:
        read_menu_csv(text)
    assert len(exc.value.issues) == 1
    assert str(exc.value.issues[0]).startswith("menu.csv:3: column currency: one currency per listing")
