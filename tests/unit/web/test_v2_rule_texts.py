"""One table says the domain's rules in Chinese: every rule code any domain enum holds has its text
(the enums are found in the domain, not listed by hand), and a refusal is said by its rule."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from enum import StrEnum

import pytest

import duijie.domain
from duijie.domain.applications import ApplicationError, ApplicationRule
from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.order_errors import OrderError, OrderRule
from duijie.domain.pools import PoolError, PoolRule
from duijie.domain.reservation_rules import ReservationError, ReservationRule, RuleViolation
from duijie.l10n import rule_texts
from duijie.l10n.catalogs import catalog, translations

zh = translations("zh").gettext
en = translations("en").gettext


def _rule_enums_of_the_domain() -> set[type[StrEnum]]:
    """Every StrEnum of the domain that names why something was refused (``ErrorCode``, ``*Rule``)."""
    found: set[type[StrEnum]] = set()
    for info in pkgutil.iter_modules(duijie.domain.__path__, "duijie.domain."):
        for _name, value in inspect.getmembers(importlib.import_module(info.name), inspect.isclass):
            if issubclass(value, StrEnum) and (value.__name__.endswith("Rule") or value.__name__ == "ErrorCode"):
                found.add(value)
    return found


def test_the_table_covers_every_rule_enum_of_the_domain() -> None:
    found = _rule_enums_of_the_domain()
    assert {ErrorCode, OrderRule, ReservationRule, PoolRule, ApplicationRule} <= found  # the search works
    unknown = found - set(rule_texts.RULE_ENUMS)
    assert not unknown, f"rule enums the table does not know (add them to l10n/rule_texts.py): {unknown}"


def test_every_rule_code_has_a_chinese_text() -> None:
    zh_catalog = catalog("zh")
    def chinese(code: str) -> bool:
        message = zh_catalog.get(rule_texts.TEXTS[code]) if code in rule_texts.TEXTS else None
        return bool(message and message.string)

    missing = [f"{enum.__name__}.{rule.name}" for enum in rule_texts.RULE_ENUMS for rule in enum if not chinese(rule)]
    assert not missing, f"rule codes without Chinese (add them to l10n/rule_texts.py and zh/web_rules.po): {missing}"
    for source in rule_texts.WITH_LIMIT.values():
        assert "%(limit)s" in zh(source) and zh(source) != source, source


@pytest.mark.parametrize(("exc", "chinese", "english"), [
    (PoolError(PoolRule.POOL_CLOSED, "pool p1 is closed (FAILED)"), "拼单已截止", "pool p1 is closed (FAILED)"),
    (OrderError(OrderRule.EMPTY_CART, "the cart has no items"), "购物车是空的", "the cart has no items"),
    (ReservationError(RuleViolation(ReservationRule.PARTY_ABOVE_CAPACITY, "diaoyutai holds at most 60 guests, "
                                    "not 70", "60")), "人数超过包间容量（最多 60 人）",
     "diaoyutai holds at most 60 guests, not 70"),
    (ReservationError(RuleViolation(ReservationRule.SLOT_TAKEN, "diaoyutai is already booked")), "该时段已被预订",
     "diaoyutai is already booked"),
    (ApplicationError(ApplicationRule.NO_OPENINGS, "cashier has no openings"), "该职位已没有空缺",
     "cashier has no openings"),
    (DomainError(ErrorCode.CURRENCY_MISMATCH, "CNY vs USD"), "金额的货币不一致", "CNY vs USD"),
])
def test_a_domain_error_is_said_by_its_rule(exc: DomainError, chinese: str, english: str) -> None:
    assert rule_texts.error_said(exc, zh) == chinese
    assert rule_texts.error_said(exc, en) == english  # English readers keep the particulars


def test_a_refusal_names_its_rule_in_its_text_or_not_at_all() -> None:
    assert rule_texts.refusal_said("pool_closed: pool p1 is closed", zh) == "拼单已截止"
    assert rule_texts.refusal_said("x slots start between 11:00–21:00, not at 23:00 (rule: outside_booking_window)",
                                   zh) == "开始时间不在可预订时段内（11:00–21:00）"
    assert rule_texts.refusal_said("state: unknown 'x'", zh) is None  # a field name, not a rule
    assert rule_texts.refusal_said("applicant: must be an object", zh) is None  # only a pool's rule comes first
    assert rule_texts.refusal_said("item 'nope' is not on the menu", zh) is None
