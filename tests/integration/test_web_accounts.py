"""Merchant accounts and sign-in: the service on SQLite and PostgreSQL, and the pages in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from starlette.testclient import TestClient
from tests.support.mock_network import MockNet
from tests.support.mock_web import form_token

from duijie.domain.accounts import LOCK_FOR, SESSION_IDLE, Role
from duijie.domain.cart import Pickup, PricedAddOn, Quote, QuoteLine
from duijie.domain.money import Money
from duijie.domain.orders import Billing, Draft, Order, PaymentTerms
from duijie.domain.text import LocalText
from duijie.services.accounts import AccountError, AccountService, LoginOutcome
from duijie.storage.node_config import read_admin_token
from duijie.storage.uow import SqlUnitOfWorkFactory

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # test speed; the node uses the defaults
TOKEN = "the-admin-token-of-this-node"


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(engine: Engine, clock: Clock) -> AccountService:
    return AccountService(SqlUnitOfWorkFactory(engine), clock, lambda t: t == TOKEN, FAST)


def test_admin_token_creates_the_first_owner_once(accounts: AccountService) -> None:
    assert accounts.login("admin", "not-the-token").outcome is LoginOutcome.REFUSED
    assert accounts.list() == []
    first = accounts.login("admin", TOKEN)
    assert first.outcome is LoginOutcome.SIGNED_IN and first.token
    [admin] = accounts.list()
    assert (admin.name, admin.role) == ("admin", Role.OWNER) and admin.password_hash.startswith("$argon2id$")
    assert accounts.session_account(first.token) == admin
    accounts.set_password("admin", "a new long password")
    assert accounts.session_account(first.token) is None  # a new password ends the sessions
    assert accounts.login("admin", TOKEN).outcome is LoginOutcome.REFUSED
    assert accounts.login("admin", "a new long password").outcome is LoginOutcome.SIGNED_IN


def test_staff_account_does_not_stop_the_admin_bootstrap(accounts: AccountService) -> None:
    accounts.add("cashier", "counter password 1")
    assert accounts.login("admin", TOKEN).outcome is LoginOutcome.SIGNED_IN
    accounts.add("boss", "owner password 1", Role.OWNER)
    with pytest.raises(AccountError, match="exists"):
        accounts.add("boss", "owner password 2")
    with pytest.raises(AccountError, match="at least"):
        accounts.add("shorty", "short")
    assert [a.name for a in accounts.list()] == ["admin", "boss", "cashier"]


def test_five_wrong_passwords_lock_for_fifteen_minutes(accounts: AccountService, clock: Clock) -> None:
    accounts.add("cashier", "counter password 1")
    outcomes = [accounts.login("cashier", f"wrong {i}").outcome for i in range(5)]
    assert outcomes == [LoginOutcome.REFUSED] * 4 + [LoginOutcome.LOCKED]
    assert accounts.login("cashier", "counter password 1").outcome is LoginOutcome.LOCKED  # right, still refused
    clock.at += LOCK_FOR - timedelta(seconds=1)
    assert accounts.login("cashier", "counter password 1").outcome is LoginOutcome.LOCKED
    clock.at += timedelta(seconds=2)
    assert accounts.login("cashier", "counter password 1").outcome is LoginOutcome.SIGNED_IN
    [cashier] = accounts.list()
    assert cashier.failed_logins == 0 and cashier.locked_until is None


def test_unknown_names_lock_alike_and_unlock_lifts_a_lock(accounts: AccountService, clock: Clock) -> None:
    assert [accounts.login("nobody", "x" * 12).outcome for _ in range(5)][-1] is LoginOutcome.LOCKED
    assert [accounts.login("admin", "not the token").outcome for _ in range(5)][-1] is LoginOutcome.LOCKED
    assert accounts.login("admin", TOKEN).outcome is LoginOutcome.LOCKED  # the token is no way round the lock
    clock.at += LOCK_FOR
    assert accounts.login("admin", TOKEN).outcome is LoginOutcome.SIGNED_IN
    accounts.add("cashier", "counter password 1")
    for _ in range(5):
        accounts.login("cashier", "wrong password")
    accounts.unlock("cashier")
    assert accounts.login("cashier", "counter password 1").outcome is LoginOutcome.SIGNED_IN
    with pytest.raises(AccountError, match="no account"):
        accounts.unlock("nobody")


def test_sessions_end_when_idle_and_at_logout(accounts: AccountService, clock: Clock) -> None:
    accounts.add("cashier", "counter password 1")
    a = accounts.login("cashier", "counter password 1").token
    b = accounts.login("cashier", "counter password 1").token
    assert a and b and a != b
    accounts.logout(a)
    assert accounts.session_account(a) is None and accounts.session_account(b) is not None
    clock.at += SESSION_IDLE + timedelta(seconds=1)
    assert accounts.session_account(b) is None
    assert accounts.session_account("forged") is None


def test_outdated_hash_is_replaced_at_sign_in(engine: Engine, clock: Clock) -> None:
    old = AccountService(SqlUnitOfWorkFactory(engine), clock, lambda t: False, FAST)
    old.add("cashier", "counter password 1")
    newer = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    service = AccountService(SqlUnitOfWorkFactory(engine), clock, lambda t: False, newer)
    assert service.login("cashier", "counter password 1").outcome is LoginOutcome.SIGNED_IN
    [cashier] = service.list()
    assert not newer.check_needs_rehash(cashier.password_hash)


# -- the pages, in-process --------------------------------------------------------------------


@pytest.fixture
def node_client(net: MockNet) -> Iterator[tuple[TestClient, str]]:
    node = net.add("shop")
    token = read_admin_token(node.data_dir)
    assert token
    with TestClient(node.app, base_url="http://shop.test") as c:
        yield c, token


def _csrf(client: TestClient, path: str = "/merchant/login") -> str:
    return form_token(client.get(path).text)


def test_merchant_page_without_session_redirects_to_login(node_client: tuple[TestClient, str]) -> None:
    client, _token = node_client
    r = client.get("/merchant", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/merchant/login?next=%2Fmerchant"


def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_it(node_client: tuple[TestClient, str]) -> None:
    client, token = node_client
    r = client.post("/merchant/login?next=/merchant", data={"csrf_token": _csrf(client), "name": "admin",
                                                           "password": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/merchant"
    cookie = r.headers["set-cookie"]
    assert "duijie_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/merchant/login", follow_redirects=False).status_code == 303  # signed in already
    out = client.post("/merchant/logout", data={"csrf_token": _csrf(client, "/merchant/login?x=1")},
                      follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/merchant/login"
    assert client.get("/merchant", follow_redirects=False).status_code == 303


def test_sign_in_gives_a_new_csrf_token_and_the_old_one_is_refused(node_client: tuple[TestClient, str]) -> None:
    client, token = node_client
    before = _csrf(client)
    r = client.post("/merchant/login", data={"csrf_token": before, "name": "admin", "password": token},
                    follow_redirects=False)
    assert r.status_code == 303
    after = client.cookies.get("duijie_csrf")
    assert after and after != before
    refused = client.post("/merchant/logout", data={"csrf_token": before}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/merchant", follow_redirects=False).status_code == 200  # still signed in


def test_wrong_password_is_refused_in_the_visitors_language(node_client: tuple[TestClient, str]) -> None:
    client, _token = node_client
    r = client.post("/merchant/login", data={"csrf_token": _csrf(client), "name": "admin", "password": "guess"})
    assert r.status_code == 401 and "用户名或密码错误" in r.text and "duijie_session" not in r.headers.get(
        "set-cookie", "")


def test_five_wrong_passwords_show_the_lock_in_the_visitors_language(node_client: tuple[TestClient, str]) -> None:
    client, token = node_client
    statuses = [client.post("/merchant/login", data={"csrf_token": _csrf(client), "name": "admin",
                                                     "password": f"guess {i}"}).status_code for i in range(5)]
    assert statuses == [401] * 4 + [429]
    sixth = client.post("/merchant/login", data={"csrf_token": _csrf(client), "name": "admin", "password": token})
    assert sixth.status_code == 429 and "登录已锁定 15 分钟" in sixth.text
    assert "duijie_session" not in sixth.headers.get("set-cookie", "")


def test_forged_csrf_token_is_refused_and_signs_nobody_in(node_client: tuple[TestClient, str]) -> None:
    client, token = node_client
    _csrf(client)
    r = client.post("/merchant/login", data={"csrf_token": "x" * 43, "name": "admin", "password": token},
                    follow_redirects=False)
    assert r.status_code == 403 and "duijie_session" not in r.headers.get("set-cookie", "")
    assert client.app.state.services.accounts.list() == []  # type: ignore[attr-defined]


def test_login_never_redirects_to_another_site(node_client: tuple[TestClient, str]) -> None:
    client, token = node_client
    r = client.post("/merchant/login?next=//evil.example/", data={"csrf_token": _csrf(client), "name": "admin",
                                                                  "password": token}, follow_redirects=False)
    assert r.headers["location"] == "/merchant"


# -- the inbox, in-process ----------------------------------------------------------------------

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"
PICKUP = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)  # 17:00 in Rockville (America/New_York)


def _place_order(client: TestClient, order_id: str = "O-web-1") -> None:
    """An order as a buyer's confirm leaves it: 2 肉夹馍 with extra meat, for pickup at Rockville."""
    services = client.app.state.services  # type: ignore[attr-defined]
    services.catalog.import_document(json.loads((DEMO_DATA / "chuanshan.json").read_text()))
    meat = PricedAddOn("extra:meat", LocalText("加肉", "Extra meat"), Money(Decimal("2.50"), "USD"))
    line = QuoteLine("roujiamo", LocalText("肉夹馍", "Roujiamo"), 2, Money(Decimal("6.95"), "USD"), (meat,),
                     Money(Decimal("18.90"), "USD"))
    draft = Draft("chuanshan", Quote("chuanshan", (line,), Money(Decimal("18.90"), "USD")),
                  Pickup("rockville", PICKUP), Billing("王小明", "+1 301 555 0142"), PaymentTerms.ON_FULFILLMENT)
    order = Order.create(order_id, "bap.test", f"t-{order_id}", draft, PICKUP - timedelta(hours=3))
    context = {"domain": "food", "action": "confirm", "bap_id": "bap.test", "bap_uri": "http://bap.test/beckn",
               "transaction_id": f"t-{order_id}", "message_id": "m-1", "timestamp": "2026-12-04T19:00:00.000Z"}
    with services.merchant._uow() as uow:
        assert uow.orders.add(order, "http://bap.test/beckn", context)
        uow.commit()


def _sign_in(client: TestClient, token: str) -> None:
    r = client.post("/merchant/login", data={"csrf_token": _csrf(client), "name": "admin", "password": token},
                    follow_redirects=False)
    assert r.status_code == 303


def _state(client: TestClient, order_id: str) -> str:
    services = client.app.state.services  # type: ignore[attr-defined]
    with services.merchant._uow(read_only=True) as uow:
        return str(uow.orders.get(order_id).order.state)


def test_inbox_shows_the_guest_pickup_time_in_local_time_and_the_items(node_client: tuple[TestClient, str]) -> None:
    client, token = node_client
    _place_order(client)
    _sign_in(client, token)
    page = client.get("/merchant")
    assert page.status_code == 200 and "<title>商家订单" in page.text
    card = page.text[page.text.index('id="order-O-web-1"'):]
    assert "王小明" in card and 'href="tel:+13015550142"' in card
    assert "17:00" in card  # 22:00 UTC is 5 pm on the restaurant's clock in December
    assert "2 × 肉夹馍" in card and "加肉" in card and "US$18.90" in card
    assert 'action="/merchant/orders/O-web-1/accept"' in card and 'href="/merchant/orders/O-web-1/decline"' in card
    assert 'data-live="/merchant/live"' in page.text and 'id="count-orders">1<' in page.text
    english = client.get("/lang/en", params={"next": "/merchant"})
    assert "Roujiamo" in english.text and "Extra meat" in english.text and "5:00" in english.text


def test_merchant_steps_change_the_order_and_a_forged_token_changes_nothing(
        node_client: tuple[TestClient, str]) -> None:
    client, token = node_client
    _place_order(client)
    _sign_in(client, token)
    forged = client.post("/merchant/orders/O-web-1/accept", data={"csrf_token": "y" * 43}, follow_redirects=False)
    assert forged.status_code == 403 and _state(client, "O-web-1") == "CREATED"
    csrf_token = _csrf(client, "/merchant")
    for step, state in (("accept", "ACCEPTED"), ("ready", "READY")):
        r = client.post(f"/merchant/orders/O-web-1/{step}", data={"csrf_token": csrf_token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(f"/merchant?done={step}")
        assert _state(client, "O-web-1") == state
    live = client.get("/merchant/live")
    assert live.status_code == 200 and "待取餐" in live.text and "<html" not in live.text
    again = client.post("/merchant/orders/O-web-1/accept", data={"csrf_token": csrf_token})
    assert again.status_code == 409 and "POST" not in again.text and "此订单无法更改" in again.text


def test_decline_carries_the_reason(node_client: tuple[TestClient, str]) -> None:
    client, token = node_client
    _place_order(client, "O-web-2")
    _sign_in(client, token)
    form = client.get("/merchant/orders/O-web-2/decline")
    assert form.status_code == 200 and 'for="f-reason"' in form.text and "王小明" in form.text
    r = client.post("/merchant/orders/O-web-2/decline", data={"csrf_token": _csrf(client, "/merchant"),
                                                              "reason": "今天羊肉卖完了"}, follow_redirects=False)
    assert r.status_code == 303 and _state(client, "O-web-2") == "DECLINED"
    assert "今天羊肉卖完了" in client.get("/merchant").text
    gone = client.get("/merchant/orders/O-web-2/decline", follow_redirects=False)  # declined: nothing to ask
    assert gone.status_code == 303 and gone.headers["location"] == "/merchant#order-O-web-2"


def test_live_fragment_without_a_session_is_401_not_the_login_page(node_client: tuple[TestClient, str]) -> None:
    client, _token = node_client
    r = client.get("/merchant/live", follow_redirects=False)
    assert r.status_code == 401 and r.text == ""


# -- duijie users ---------------------------------------------------------------------------------


def test_users_commands_add_list_passwd_unlock(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from duijie.cli.main import cli
    from duijie.cli.node_setup import create_node_dir

    create_node_dir(tmp_path / "shop", "http://shop.test/beckn")
    where = ["--data-dir", str(tmp_path / "shop")]
    run = CliRunner().invoke
    assert "no accounts yet" in run(cli, ["users", "list", *where]).output
    added = run(cli, ["users", "add", "cashier", "--password-stdin", *where], input="counter password 1\n")
    assert added.exit_code == 0 and "added staff account cashier" in added.output
    short = run(cli, ["users", "add", "boss", "--role", "owner", "--password-stdin", *where], input="short\n")
    assert short.exit_code == 2 and "at least 10" in short.output
    taken = run(cli, ["users", "add", "cashier", "--password-stdin", *where], input="another password\n")
    assert taken.exit_code == 2 and "exists already" in taken.output
    listed = json.loads(run(cli, ["users", "list", "--json", *where]).output)
    assert [(a["name"], a["role"], a["locked_until"]) for a in listed] == [("cashier", "staff", None)]
    changed = run(cli, ["users", "passwd", "cashier", "--password-stdin", *where], input="a brand new password\n")
    assert changed.exit_code == 0
    assert run(cli, ["users", "unlock", "cashier", *where]).exit_code == 0
    assert run(cli, ["users", "unlock", "nobody", *where]).exit_code == 2
    from duijie.local_node import open_accounts

    accounts = open_accounts(tmp_path / "shop")
    assert accounts.login("cashier", "a brand new password").outcome is LoginOutcome.SIGNED_IN
    assert accounts.login("cashier", "counter password 1").outcome is LoginOutcome.REFUSED
