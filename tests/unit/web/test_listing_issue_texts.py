"""The listing editor says the importers' problems in Chinese, names the bad part of opening hours,
and finds the line of a JSON path (web/listing_issues.py, web/listing_json_lines.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.support.broken_listings import broken_chuanshan

from duijie.domain.errors import ValidationFailed
from duijie.interchange.listing_json import dump_document, listing_from_document, listing_to_document
from duijie.interchange.menu_csv import read_menu_csv, write_menu_csv
from duijie.l10n.catalogs import translations
from duijie.web.listing_issues import hours_problem_said, say
from duijie.web.listing_json_lines import line_finder

DEMO = Path(__file__).resolve().parents[3] / "src" / "duijie" / "demo" / "data" / "chuanshan.json"
zh = translations("zh").gettext
en = translations("en").gettext


def _demo() -> dict[str, Any]:
    return json.loads(DEMO.read_text())  # type: ignore[no-any-return]


def _broken() -> dict[str, Any]:
    return broken_chuanshan()


def test_every_problem_of_a_broken_listing_is_said_in_chinese() -> None:
    with pytest.raises(ValidationFailed) as refused:
        listing_from_document(_broken())
    issues = refused.value.issues
    assert len(issues) >= 15
    untranslated = [str(i) for i in issues if say(i.reason, zh) == i.reason]
    assert not untranslated
    said = {i.path: say(i.reason, zh) for i in issues}
    assert said["$.catalog.items[1].price"] == "'RMB' 不是币种代码：请用 ISO 4217 代码，例如 USD 或 CNY"
    assert said["$.resources[0].min_party"] == "10 超过了容纳人数 5"
    assert said["$.provider.locations[0].opening_hours"].startswith("在“Mo-Fr 11:00-2200”中，无法理解“2200”")


def test_every_problem_of_a_bad_menu_csv_is_said_in_chinese() -> None:
    rows = write_menu_csv(listing_from_document(_demo()).catalog).splitlines()
    rows[1] = rows[1].replace(",6.95,USD,", ",6.95,RMB,")
    rows[2] = rows[2].replace(",8.95,USD,", ",x,USD,").replace("vegan", "carnivore")
    rows[3] = rows[3].replace(",shaanxi,", ",shaanxi,").replace(",0,,", ",9,,", 1)
    rows.append("cold,凉菜,Cold dishes,qq,,,,,1.00,USD,,,,Mo-Fr 25:00,,bad add-on")
    rows.append("only,two")
    with pytest.raises(ValidationFailed) as refused:
        read_menu_csv("\n".join(rows) + "\n")
    untranslated = [str(i) for i in refused.value.issues if say(i.reason, zh) == i.reason]
    assert not untranslated
    assert say(refused.value.issues[0].reason, zh).startswith("currency 列：'RMB' 不是币种代码")


@pytest.mark.parametrize(("hours", "said"), [
    ("Mo-Fr 11:00-22:00; Sa 10:00-2300",
     "in “Sa 10:00-2300”, “2300” is not understood: expected a time range such as 11:00-22:00"),
    ("Mo-Fx 10:00-12:00", "in “Mo-Fx 10:00-12:00”, “Fx 10:00-12:00” is not understood: "
                          "expected a weekday: Mo Tu We Th Fr Sa Su"),
    ("Mo-Fr 11:00-22:00;", "“Mo-Fr 11:00-22:00;” ends too early: write it like Mo-Fr 11:00-22:00; Sa,Su 10:00-23:00"),
    ("Mo-Fr 11:00-22:00; ; Sa 10:00-12:00", "there is an empty rule between two “;” before “Sa 10:00-12:00”"),
])
def test_hours_problem_names_the_rule_and_where_it_stops(hours: str, said: str) -> None:
    assert hours_problem_said(hours, en) == said


def test_an_unknown_reason_is_shown_as_it_is() -> None:
    assert say("something no pattern knows", zh) == "something no pattern knows"


def test_json_lines_follow_the_stable_text_form() -> None:
    text = dump_document(listing_to_document(listing_from_document(_demo())))
    lines = text.splitlines()
    finder = line_finder(text)
    capacity = finder.line("$.resources[1].capacity")
    assert capacity is not None and '"capacity": 300' in lines[capacity - 1]
    name = finder.line('$.catalog.items[2].name.zh')
    assert name is not None and "羊肉泡馍" in lines[name - 1]
    missing = finder.line("$.catalog.items[2].stock")  # not in the file: its item's line
    assert missing == finder.line("$.catalog.items[2]") and missing is not None
    assert line_finder("not json").line("$.x") is None
