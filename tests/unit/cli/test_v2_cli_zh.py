"""Under LANG=zh_CN.UTF-8 the command line says the domain's refusals, a listing's problems, the
users service's refusals and the data lines of apply, applications, pool, keys and peers in Chinese."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from duijie.cli import common, users_cmds
from duijie.cli.book_cmds import show_booking
from duijie.cli.main import cli
from duijie.cli.node_client import NodeClient, refusal_text
from duijie.domain.accounts import check_password
from duijie.domain.errors import Issue, ValidationFailed
from duijie.domain.listing_problems import ListingProblem, Reason
from duijie.domain.pools import PoolError, PoolRule
from duijie.domain.reservation_rules import ReservationError, ReservationRule, RuleViolation
from duijie.l10n.cli_text import language_of_environment
from duijie.services.accounts import AccountError


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    language_of_environment.cache_clear()
    yield
    language_of_environment.cache_clear()


def _refusal(message: str, **extra: Any) -> str:
    body = {"error": {"code": "seller_refused:40002", "message": message, **extra}}
    return refusal_text(409, body, json.dumps(body))


def test_a_sellers_rule_refusal_is_said_by_its_rule_in_chinese(chinese: None) -> None:
    closed = "on_confirm: pool_closed: pool p1 is closed (FAILED) (code 40002)"
    assert _refusal(closed) == "拼单已截止（规则：pool_closed）"
    taken = "diningroom is already booked from 2026-12-04T23:00:00+00:00 to 2026-12-05T01:00:00+00:00"
    assert _refusal(f"on_select: {taken} (rule: slot_taken)") == "该时段已被预订（规则：slot_taken）"
    big = "diaoyutai holds at most 60 guests, not 70 (rule: party_above_capacity)"
    assert _refusal(big) == "人数超过包间容量（最多 60 人）（规则：party_above_capacity）"
    assert _refusal("the application is OFFER: it cannot move (rule: closed)") == "该申请已结束（规则：closed）"


def test_in_english_the_sellers_own_message_stays(english_locale: None) -> None:
    # the seller's words, then the rule by its name, one way for both markers (pool_closed: …, (rule: …))
    closed = _refusal("on_confirm: pool_closed: pool p1 is closed (FAILED)")
    assert closed == "pool p1 is closed (FAILED) (rule: pool_closed)"
    assert _refusal("on_confirm: diaoyutai is booked (rule: slot_taken)") == "diaoyutai is booked (rule: slot_taken)"


def test_every_problem_of_a_refused_listing_is_said_in_chinese(chinese: None) -> None:
    # As a node sends them: each listing problem's code and values beside its English (api/errors.py).
    details = [{"path": "$.catalog.items[0].price", "reason": "must not be negative (got -2)",
                "code": "negative_price", "params": {"amount": "-2"}},
               {"path": "menu.csv:3", "reason": "column currency: unknown value 'RMB'",
                "code": "unknown_value", "params": {"value": "RMB", "column": "currency"}}]
    lines = refusal_text(422, {"error": {"code": "invalid", "message": "x", "details": details}}, "").splitlines()
    assert lines[1] == "  $.catalog.items[0].price: 不能为负数（填的是 -2）"
    assert lines[2].startswith("  menu.csv:3: ") and "RMB" in lines[2] and "unknown value" not in lines[2]
    single = refusal_text(422, {"error": {"code": "invalid", "message": "$.x.stock: must not be negative",
                                          "details": [{"path": "$.x.stock", "reason": "must not be negative",
                                                       "code": "negative", "params": {}}]}}, "")
    assert single == "$.x.stock: 不能为负数"


def _raises(exc: Exception) -> click.Command:
    @click.command()
    @common.user_errors
    def failing() -> None:
        raise exc

    return failing


@pytest.mark.parametrize(("exc", "said"), [
    (PoolError(PoolRule.BEYOND_MAXIMUM, "12 exceeds the 5 kg left under the maximum"), "认购量会超过拼单上限"),
    (ReservationError(RuleViolation(ReservationRule.AFTER_CLOSING, "dc closes at 22:00", "22:00")),
     "预订结束时间晚于打烊时间（22:00）"),
])
def test_a_domain_error_in_this_process_is_one_chinese_line(chinese: None, exc: Exception, said: str) -> None:
    result = CliRunner().invoke(_raises(exc))
    assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output


def test_a_validation_failure_lists_each_reason_in_chinese(chinese: None) -> None:
    failed = ValidationFailed([Issue("$.catalog.items[3].id", Reason(ListingProblem.DUPLICATE_ID, id="rou-jia-mo"))])
    result = CliRunner().invoke(_raises(failed))
    assert "$.catalog.items[3].id: 编号 'rou-jia-mo' 已被使用" in result.output, result.output


class _Accounts:
    """The users service's refusals, as :class:`AccountService` raises them (no database needed)."""

    def add(self, name: str, password: str, role: object) -> None:
        if name == "taken":
            raise AccountError(f"an account named {name!r} exists already")
        try:
            check_password(password)
        except ValueError as exc:
            raise AccountError(str(exc)) from exc

    def unlock(self, name: str) -> None:
        raise AccountError(f"no account named {name!r}")


@pytest.mark.parametrize(("args", "stdin", "said"), [
    (["add", "bob", "--password-stdin"], "short\n", "密码至少 10 个字符"),
    (["add", "taken", "--password-stdin"], "long enough password\n", "已有名为 'taken' 的账户"),
    (["unlock", "nobody"], "", "没有名为 'nobody' 的账户"),
])
def test_users_service_refusals_are_chinese(chinese: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            args: list[str], stdin: str, said: str) -> None:
    monkeypatch.setattr(users_cmds, "_accounts", lambda data_dir, db_url: _Accounts())
    result = CliRunner().invoke(cli, ["users", *args, "--data-dir", str(tmp_path)], input=stdin)
    assert result.exit_code == 2 and said in result.output, result.output


POOL = {"id": "pool-1", "state": "OPEN", "producer_uri": "http://farm/beckn", "terms_version": 1,
        "terms": {"producer_id": "farm.node", "deadline": "2026-12-24T18:00:00-05:00", "pickup_points": ["DC"],
                  "offer": {"id": "apples", "unit": "kg", "minimum_batch": 100,
                            "tiers": [{"min_quantity": 100, "unit_price": {"amount": "2.60"}}]}},
        "progress": {"pledged": "40", "buyers": 2, "unit_price": None, "currency": "USD", "to_minimum": "60",
                     "to_next_tier": None, "seconds_left": 3600},
        "outcome": {"state": "FAILED", "total": "40", "unit_price": None, "batch_total": None}}
APPLICATION = {"id": "a1", "stage": "INTERVIEW", "posting_id": "cashier",
               "applicant": {"name": "李明", "phone": "+1-202-555-0142", "languages": ["zh", "en"],
                             "experience": "3 years"},
               "history": [{"at": "2026-12-01T10:00:00Z", "stage": "INTERVIEW", "by": "admin"}]}
BOOKING = {"id": "b1", "state": "CONFIRMED", "resource_id": "diaoyutai", "party_size": 40, "bap_id": "diner",
           "slot": {"start": "2026-12-04T18:00:00-05:00", "end": "2026-12-04T21:00:00-05:00"},
           "guest": {"name": "张伟", "phone": "+1-202-555-0100", "requests": "生日"},
           "history": [{"at": "2026-12-01T10:00:00Z", "state": "CONFIRMED", "by": "seller"}], "reason": "x"}
PEERS = {"peers": [{"url": "http://farm", "subscriber_id": "farm.node", "failures": 1}],
         "records": [], "catalogs": [{}, {}]}


@pytest.fixture
def node_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"/api/pools/pool-1": {"pool": POOL}, "/api/applications/a1": {"application": APPLICATION},
               "/api/peers": PEERS, "/api/bookings/b1": {"booking": BOOKING}}
    monkeypatch.setattr(NodeClient, "__init__", lambda self, *a, **k: None)
    monkeypatch.setattr(NodeClient, "get", lambda self, path, **params: answers[path])


@pytest.mark.parametrize(("args", "chinese_words", "english_words"), [
    (["pool", "show", "pool-1"], ["位买家", "尚未达到价格档", "距最低量 60", "截止 2026-12-24", "生产者 farm.node",
                                  "最低批量 100", "取货点：DC", "已截止 FAILED"],
     ["buyers", "no tier yet", "to minimum", "producer", "pickup:", "closed"]),
    (["applications", "show", "a1"], ["语言：中文和英语", "经验：3 years", "由 admin"], ["languages:", "by admin"]),
    (["bookings", "show", "b1"], ["40 人", "联系方式：+1-202-555-0100", "特殊要求：生日", "由 seller", "原因：x"],
     ["party", "contact:", "requests:", "by seller", "reason:"]),
    (["peers", "list"], ["对等节点：", "失败=1", "节点记录：", "持有的目录：2"],
     ["peers:", "failures=", "catalogs held"]),
])
def test_data_lines_are_chinese(chinese: None, node_answers: None, tmp_path: Path, args: list[str],
                                chinese_words: list[str], english_words: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for word in chinese_words:
        assert word in result.output, (word, result.output)
    for word in english_words:
        assert word not in result.output, (word, result.output)


def test_a_booking_made_from_this_node_is_shown_in_chinese(chinese: None) -> None:
    purchase = {"order_id": "o1", "status": "ACTIVE", "fulfillment_state": "CONFIRMED", "bpp_id": "shop",
                "provider_id": "chuanshan",
                "order": {"items": [{"descriptor": {"name": "钓鱼台"}, "quantity": {"selected": {"count": 40}}}],
                          "fulfillments": [{"stops": [{"time": {"range": {"start": "18:00", "end": "21:00"}}}]}],
                          "quote": {"price": {"value": "200.00", "currency": "USD"}}}}
    runner = CliRunner()
    result = runner.invoke(click.command()(lambda: show_booking(purchase)))
    assert result.output.splitlines() == ["预订 o1  CONFIRMED  （ACTIVE）", "  钓鱼台  40 人  18:00 至 21:00",
                                          "  订金 200.00 USD", "  卖家 shop  商家 chuanshan"], result.output
