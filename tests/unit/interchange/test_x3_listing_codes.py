"""Every listing problem carries a code (domain/listing_problems.py): every code has an English and
a Chinese sentence, every problem the validators and importers can make has one, and the sentence
a reader gets is said from the code and its values (l10n/listing_reasons.py), never from the English."""

from __future__ import annotations

import ast
import asyncio
import json
import pickle
import re
import string
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.support.broken_listings import broken_chuanshan

from duijie.api.errors import on_validation_failed
from duijie.domain.errors import Issue, ValidationFailed
from duijie.domain.listing_problems import ENGLISH, ListingProblem, Reason
from duijie.domain.provenance import Origin
from duijie.domain.text import LocalText
from duijie.interchange.listing_json import listing_from_document, load_document
from duijie.interchange.menu_csv import read_menu_csv, write_menu_csv
from duijie.interchange.pool_json import decimal_in, terms_in
from duijie.l10n import listing_reasons
from duijie.l10n.catalogs import translations
from duijie.l10n.listing_reasons import KINDS, TEXTS, said, say

SRC = Path(__file__).resolve().parents[3] / "src" / "duijie"
DEMO = SRC / "demo" / "data"
zh = translations("zh").gettext
en = translations("en").gettext


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


@pytest.mark.parametrize("code", list(ListingProblem))
def test_every_code_has_an_english_and_a_chinese_sentence_naming_only_its_values(code: ListingProblem) -> None:
    english = ENGLISH[code]
    assert code in TEXTS, f"{code} has no sentence in l10n/listing_reasons.TEXTS"
    assert zh(TEXTS[code]) != TEXTS[code], f"{code}: {TEXTS[code]!r} has no Chinese in web_listing.po"
    values = {name for _, name, _, _ in string.Formatter().parse(english) if name}
    assert _placeholders(TEXTS[code]) <= values, code
    assert _placeholders(zh(TEXTS[code])) == _placeholders(TEXTS[code]), code


def test_the_kinds_a_wrong_type_names_are_said_in_chinese() -> None:
    assert all(zh(kind) != kind for kind in KINDS)
    reason = Reason(ListingProblem.WRONG_TYPE, expected="an integer", got="a string")
    assert reason == "expected an integer, got a string"
    assert say(reason, zh) == "应为 整数，实际是 文字"


def _broken_listing() -> dict[str, Any]:
    doc = broken_chuanshan()
    items, rooms, loc = doc["catalog"]["items"], doc["resources"], doc["provider"]["locations"][0]
    items[4]["price"] = {"amount": "1,5", "currency": "USD"}
    items[2]["price"] = {"amount": "3.00", "currency": "CNY"}
    items[6]["available_hours"] = ""
    items[5]["diet"] = ["carnivore"]
    rooms[1]["slot_minutes"] = 0
    rooms[1]["lead_time_minutes"] = -5
    rooms[0]["booking_window"] = {"opens": "22:00", "closes": "09:00"}
    loc["geo"] = {"lat": 91, "lon": 200}
    doc["jobs"][1]["openings"] = 0
    doc["provider"]["locations"].append(dict(loc, id=loc["id"], geo={"lat": 0, "lon": 200}))
    items[0]["option_groups"][0]["options"][0]["price"] = {"amount": "1.00", "currency": "CNY"}
    doc["provenance"]["illustrative"] = ["catalog"]
    return doc


def _broken_offers() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DEMO / "farm.json").read_text())
    offers = doc["offers"]
    first = offers[0]
    first["minimum_batch"] = 0
    first["unit"] = " "
    first["tiers"] = [{"min_quantity": 10, "unit_price": {"amount": "2.00", "currency": "CNY"}},
                      {"min_quantity": 5, "unit_price": {"amount": "3.00", "currency": "CNY"}},
                      {"min_quantity": 20, "unit_price": {"amount": "-1.00", "currency": "USD"}}]
    first["origin"] = {"place": {"zh": " "}, "harvest_date": "yesterday"}
    second = offers[1]
    second["tiers"] = []
    second["source"] = "not an object"
    second["location_id"] = "moon"
    return doc


def _problems(doc: Any) -> list[Issue]:
    with pytest.raises(ValidationFailed) as refused:
        listing_from_document(doc)
    return refused.value.issues


def _bad_csv() -> str:
    rows = write_menu_csv(listing_from_document(json.loads((DEMO / "chuanshan.json").read_text())).catalog) \
        .splitlines()
    rows[1] = rows[1].replace(",6.95,USD,", ",6.95,RMB,")
    rows[2] = rows[2].replace(",8.95,USD,", ",x,USD,").replace("vegan", "carnivore")
    rows[3] = rows[3].replace(",0,,", ",9,,", 1)
    rows[4] = rows[4].replace(",USD,", ",CNY,", 1)
    rows.append("cold,凉菜,Cold dishes,qq,,,,,1.00,USD,,,,Mo-Fr 25:00,,bad add-on")
    rows.append("cold,冷菜,Cold,qq,,,,,-1.00,USD,,x,-3,,,g[0-5] 辣/Hot: a 微辣/Mild 0;b bad")
    rows.append(",,,zz,名,Name,,,1.00,USD,,,,,,")
    rows.append("s2,,,z2,名,Name,,,1.00,USD,,,,,,g[2-1] 辣/Hot: a 微辣/Mild 0")
    rows.append("only,two")
    return "\n".join(rows) + "\n"


def _every_made_issue() -> list[Issue]:
    """Problems of every kind the importers and the listing's rules report."""
    issues = [*_problems(_broken_listing()), *_problems(_broken_offers())]
    issues += _problems({"format": "other/1", "provenance": {}, "extra": 1})
    issues += _problems(["not", "an", "object"])
    issues += _problems(dict(_broken_listing(), provider=dict(_broken_listing()["provider"], id=" ", locations=[])))
    with pytest.raises(ValidationFailed) as refused:
        load_document("{not json")
    issues += refused.value.issues
    issues += [Issue("$.origin.harvest_date", why) for _, why in
               Origin(LocalText("果园", None), date(2030, 1, 1)).problems(today=date(2026, 1, 1))]
    issues += [Issue("$.origin", why) for _, why in Origin(LocalText(" ", None)).problems()]
    for csv_text in (_bad_csv(), "wrong,header\n"):
        with pytest.raises(ValidationFailed) as refused:
            read_menu_csv(csv_text)
        issues += refused.value.issues
    for raw in (True, "abc", "Infinity"):
        with pytest.raises(ValidationFailed) as refused:
            decimal_in(raw, "$.quantity")
        issues += refused.value.issues
    with pytest.raises(ValidationFailed) as refused:
        terms_in({"deadline": "soon", "pickup_points": [1]}, "$.terms")
    issues += refused.value.issues
    with pytest.raises(ValidationFailed) as refused:
        terms_in({"deadline": "2026-09-01T18:00:00", "pickup_points": []}, "$.terms")
    issues += refused.value.issues
    return issues


def test_every_problem_the_importers_and_rules_make_has_a_code() -> None:
    issues = _every_made_issue()
    assert len(issues) > 60
    without = [str(i) for i in issues if i.code is None]
    assert not without
    codes = {i.code for i in issues}
    assert len(codes) >= 60, sorted(set(ListingProblem) - codes)


def test_every_problem_is_said_in_chinese_from_its_code() -> None:
    for issue in _every_made_issue():
        chinese = say(issue.reason, zh)
        assert chinese != issue.reason, str(issue)
        assert issue.code is not None and said(issue.code, issue.params, zh) == chinese


def test_the_english_reason_is_unchanged_and_the_values_are_beside_it() -> None:
    issues = {i.path: i for i in _problems(_broken_listing())}
    room = issues["$.resources[0].min_party"]
    assert room.reason == "10 exceeds capacity 5"
    assert (room.code, dict(room.params)) == (ListingProblem.MIN_PARTY_ABOVE_CAPACITY,
                                              {"min_party": "10", "capacity": "5"})
    assert issues["$.resources[1].location_id"].reason == "unknown location 'moon'"
    assert issues["$.catalog.items[1].price"].reason == \
        "currency must be an ISO 4217 code such as USD or CNY, got 'RMB'"
    assert say(issues["$.catalog.items[1].price"].reason, en) == \
        "'RMB' is not a currency code: use an ISO 4217 code such as USD or CNY"


def test_a_csv_problem_keeps_its_column_and_the_add_on_part() -> None:
    with pytest.raises(ValidationFailed) as refused:
        read_menu_csv(_bad_csv())
    by_code = {i.code: i for i in refused.value.issues}
    above = by_code[ListingProblem.MAX_BELOW_MIN]
    assert above.reason == "column add_ons: option_groups[0].max_choices: must be >= min_choices"
    assert above.params == {"column": "add_ons", "at": "option_groups[0].max_choices"}
    assert say(above.reason, zh) == "add_ons 列：option_groups[0].max_choices: 不能少于“至少选”的数目"
    currency = by_code[ListingProblem.NOT_A_CURRENCY]
    assert currency.reason.startswith("column currency: ") and currency.params["currency"] == "RMB"


def test_the_api_sends_each_problems_code_and_values_beside_its_reason() -> None:
    failed = ValidationFailed([Issue("$.catalog.items[3].id", Reason(ListingProblem.DUPLICATE_ID, id="mapo")),
                               Issue("$.name", "required text")])
    response = asyncio.run(on_validation_failed(None, failed))  # type: ignore[arg-type]
    body = orjson.loads(bytes(response.body))
    assert response.status_code == 422
    assert body["error"]["details"] == [
        {"path": "$.catalog.items[3].id", "reason": "duplicate id 'mapo'", "code": "duplicate_id",
         "params": {"id": "mapo"}},
        {"path": "$.name", "reason": "required text", "code": None, "params": {}}]
    assert body["error"]["message"] == "$.catalog.items[3].id: duplicate id 'mapo'"


def test_a_reason_survives_a_copy_and_compares_as_its_english() -> None:
    reason = Reason(ListingProblem.UNKNOWN_SECTION, section="cold").in_column("section_id")
    copied = pickle.loads(pickle.dumps(reason))
    assert copied == reason == "column section_id: unknown section 'cold'"
    assert (copied.code, copied.params) == (reason.code, reason.params)
    assert Issue("$.x", reason) == Issue("$.x", str(reason))


def test_a_reason_without_a_code_is_shown_as_it_is_and_an_unknown_code_is_none() -> None:
    assert say("显示原文", zh) == "显示原文"
    assert said("a_code_of_a_newer_node", {}, zh) is None


def _made_with_plain_text(path: Path) -> list[str]:
    """``Issue(path, "...")``, ``.fail(path, "...")`` and ``(path, "...")`` problems made from a
    literal sentence instead of a Reason."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name in {"Issue", "fail"} and len(node.args) >= 2 and \
                    isinstance(node.args[1], ast.Constant | ast.JoinedStr):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_listing_rule_or_importer_makes_a_problem_from_plain_text() -> None:
    modules = [SRC / "domain" / "listing_rules.py", SRC / "domain" / "offers.py", SRC / "domain" / "provenance.py",
               SRC / "domain" / "hours.py", SRC / "domain" / "provider.py", *sorted((SRC / "interchange").glob("*.py"))]
    assert not [hit for module in modules for hit in _made_with_plain_text(module)]
    assert "_RULES" not in vars(listing_reasons)  # the English is no longer read back by pattern
