"""The menu CSV reader reads a repeated hours or add-ons cell once per file, and still reports its
problems on every row that has it, at that row's line, in the row's own currency."""

from __future__ import annotations

import pytest

from duijie.domain.errors import ValidationFailed
from duijie.interchange.menu_csv import COLUMNS, read_menu_csv

HEADER = ",".join(COLUMNS)


def _problems(*rows: str) -> list[str]:
    with pytest.raises(ValidationFailed) as exc:
        read_menu_csv("\n".join([HEADER, *rows]) + "\n")
    return [str(i) for i in exc.value.issues]


def test_a_repeated_bad_add_ons_cell_is_reported_on_every_row_in_order() -> None:
    never = "x[2-3] 甲/A: o 乙/B 1.00"  # two choices required of one option: never satisfiable
    unreadable = "x[0-1] 甲/A: o 乙/B; p 丙/C 1.00"  # the first option has no price
    assert _problems(
        f"s1,主食,Mains,a,甲,A,,,1.00,USD,,,,,,{never}",
        f"s1,主食,Mains,b,乙,B,,,1.00,USD,,,,,,{unreadable}",
        f"s1,主食,Mains,c,丙,C,,,1.00,USD,,,,,,{never}",
        f"s1,主食,Mains,d,丁,D,,,1.00,USD,,,,,,{unreadable}",
    ) == [
        "menu.csv:2: column add_ons: option_groups[0].max_choices: exceeds the 1 options",
        "menu.csv:3: column add_ons: option 'o 乙/B' is not 'ID 中文/English PRICE'",
        "menu.csv:4: column add_ons: option_groups[0].max_choices: exceeds the 1 options",
        "menu.csv:5: column add_ons: option 'o 乙/B' is not 'ID 中文/English PRICE'",
    ]


def test_a_repeated_add_ons_cell_is_read_in_each_rows_currency() -> None:
    # Read once in USD and reused for the CNY row, the option would be "in another currency than
    # the item": the CNY row must break only the one-currency rule.
    add_ons = "x[0-1] 甲/A: o 乙/B 1.00"
    assert _problems(
        f"s1,主食,Mains,a,甲,A,,,1.00,USD,,,,,,{add_ons}",
        f"s1,主食,Mains,b,乙,B,,,1.00,CNY,,,,,,{add_ons}",
    ) == ["menu.csv:3: column currency: one currency per listing: this menu is priced in USD, not CNY"]


def test_rows_sharing_an_add_ons_cell_each_get_its_groups() -> None:
    add_ons = "size[1-1] 份量/Size: s 小/Small 0.00; l 大/Large 2.00"
    rows = [f"s1,主食,Mains,i{n},菜{n},Dish {n},,,{n}.00,CNY,,,,Mo-Fr 11:00-14:00,,{add_ons}" for n in range(3)]
    catalog = read_menu_csv("\n".join([HEADER, *rows]) + "\n")
    assert [it.option_groups[0].options[1].price.to_wire() for it in catalog.items] == ["2.00"] * 3
    assert {it.option_groups[0].options[1].price.currency for it in catalog.items} == {"CNY"}
    assert [it.available_hours for it in catalog.items] == ["Mo-Fr 11:00-14:00"] * 3


def test_a_repeated_bad_hours_cell_is_reported_on_every_row() -> None:
    problems = _problems("s1,主食,Mains,a,甲,A,,,1.00,USD,,,,never ever,,",
                         "s1,主食,Mains,b,乙,B,,,1.00,USD,,,,never ever,,")
    assert [p.split(": column ")[0] for p in problems] == ["menu.csv:2", "menu.csv:3"]
    assert all("available_hours" in p for p in problems)


def test_blank_rows_are_skipped_and_short_rows_refused_at_their_line() -> None:
    blank = ",".join([" "] * len(COLUMNS))
    assert _problems(
        "s1,主食,Mains,a,甲,A,,,1.00,USD,,,,,,",
        "",
        blank,
        "s1,主食,Mains,b,乙,B",
        ",,,,",
    ) == ["menu.csv:5: column *: expected 16 columns, got 6"]


def test_every_row_of_a_section_is_held_to_its_first_names() -> None:
    assert _problems(
        "s1,主食,Mains,,,,,,,,,,,,,",
        "s1,主食,Mains,a,甲,A,,,1.00,USD,,,,,,",
        "s1,主食,,b,乙,B,,,1.00,USD,,,,,,",
        "s2,,,c,丙,C,,,1.00,USD,,,,,,",
        ",,,d,丁,D,,,1.00,USD,,,,,,",
    ) == [
        "menu.csv:4: column section_zh: section 's1' has different names on an earlier line",
        "menu.csv:5: column section_zh: section needs a zh or en name",
        "menu.csv:6: column section_id: must not be empty",
    ]


def test_sections_keep_their_first_order_and_names() -> None:
    catalog = read_menu_csv("\n".join([
        HEADER,
        "s2,面食,Noodles,,,,,,,,,,,,,",
        "s1,主食,,a,甲,A,,,1.00,USD,,,,,,",
        "s2,面食,Noodles,b,乙,B,,,1.00,USD,,,,,,",
    ]) + "\n")
    assert [(s.id, s.name.zh, s.name.en) for s in catalog.sections] == [("s2", "面食", "Noodles"), ("s1", "主食", None)]
    assert [(it.id, it.section_id) for it in catalog.items] == [("a", "s1"), ("b", "s2")]


def test_diet_tags_are_trimmed_and_an_unknown_one_named() -> None:
    catalog = read_menu_csv(HEADER + "\ns1,主食,Mains,a,甲,A,,,1.00,USD, vegan ; halal ;,,,,,\n")
    assert [t.value for t in catalog.items[0].diet] == ["vegan", "halal"]
    assert _problems("s1,主食,Mains,a,甲,A,,,1.00,USD,vegan;spicy,,,,,") == [
        "menu.csv:2: column diet: unknown diet tag 'spicy'"]
