"""Orders and drafts repositories, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from duijie.domain.cart import Pickup, PricedAddOn, Quote, QuoteLine
from duijie.domain.money import Money
from duijie.domain.orders import Billing, Draft, Order, OrderState, PaymentTerms
from duijie.domain.text import LocalText
from duijie.storage.uow import SqlUnitOfWorkFactory

T0 = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
CTX = {
    "domain": "food",
    "action": "confirm",
    "bap_id": "bap.test",
    "bap_uri": "http://127.0.0.1:1/beckn",
    "transaction_id": "t-1",
    "message_id": "m-1",
    "timestamp": "2026-11-27T20:00:00.000Z",
}


def a_draft() -> Draft:
    meat = PricedAddOn("extra:meat", LocalText("加肉", "Extra meat"), Money(Decimal("2.50"), "USD"))
    line = QuoteLine(
        "roujiamo",
        LocalText("肉夹馍", "Roujiamo"),
        2,
        Money(Decimal("6.95"), "USD"),
        (meat,),
        Money(Decimal("18.90"), "USD"),
    )
    quote = Quote("chuanshan", (line,), Money(Decimal("18.90"), "USD"))
    return Draft(
        "chuanshan",
        quote,
        Pickup("rockville", T0 + timedelta(hours=2)),
        Billing("Li", "+1-301-555-0100"),
        PaymentTerms.PRE_ORDER,
    )


def an_order(order_id: str = "O-1", transaction_id: str = "t-1") -> Order:
    return Order.create(order_id, "bap.test", transaction_id, a_draft(), T0)


def test_order_round_trips_with_its_context(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    order = an_order()
    with uow() as u:
        assert u.orders.add(order, "http://127.0.0.1:1/beckn", CTX)
        u.commit()
    with uow(read_only=True) as u:
        stored = u.orders.get("O-1")
    assert stored is not None
    assert stored.order == order
    assert stored.context == CTX and stored.bap_uri == "http://127.0.0.1:1/beckn"


def test_one_order_per_transaction(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        assert u.orders.add(an_order("O-1"), "http://x/beckn", CTX)
        assert not u.orders.add(an_order("O-2"), "http://x/beckn", CTX)
        u.commit()
    with uow(read_only=True) as u:
        found = u.orders.for_transaction("bap.test", "t-1")
        assert found is not None and found.order.id == "O-1"
        assert u.orders.get("O-2") is None


def test_saved_transition_is_listed_by_state(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        u.orders.add(an_order("O-1", "t-1"), "http://x/beckn", CTX)
        u.orders.add(an_order("O-2", "t-2"), "http://x/beckn", CTX)
        u.commit()
    with uow() as u:
        stored = u.orders.get("O-2")
        assert stored is not None
        u.orders.save(stored.order.accept(T0 + timedelta(minutes=1)))
        u.commit()
    with uow(read_only=True) as u:
        assert [s.order.id for s in u.orders.list(OrderState.ACCEPTED)] == ["O-2"]
        assert [s.order.id for s in u.orders.list(OrderState.CREATED)] == ["O-1"]
        assert len(u.orders.list()) == 2
        accepted = u.orders.get("O-2")
        assert accepted is not None and [h.state for h in accepted.order.history][-1] is OrderState.ACCEPTED
        assert accepted.context == CTX


def test_draft_is_replaced_and_deleted(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    first = a_draft()
    second = Draft("chuanshan", first.quote, Pickup("dc"), None)
    with uow() as u:
        u.drafts.put("bap.test", "t-1", first, T0)
        u.commit()
    with uow() as u:
        assert u.drafts.get("bap.test", "t-1") == first
        u.drafts.put("bap.test", "t-1", second, T0)
        u.commit()
    with uow() as u:
        assert u.drafts.get("bap.test", "t-1") == second
        assert u.drafts.get("other", "t-1") is None
        u.drafts.delete("bap.test", "t-1")
        u.commit()
    with uow(read_only=True) as u:
        assert u.drafts.get("bap.test", "t-1") is None


def test_rolled_back_order_is_not_stored(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        u.orders.add(an_order(), "http://x/beckn", CTX)
    with uow(read_only=True) as u:
        assert u.orders.get("O-1") is None
