"""Buyer-side repositories (callbacks, purchases, receipts) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from duijie.services.buyer_ports import Purchase
from duijie.storage.tables import callbacks
from duijie.storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2025, 6, 6, 16, 0, tzinfo=UTC)


def test_callbacks_are_kept_per_transaction_in_arrival_order(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        first = u.callbacks.add("t1", "m1", "on_select", "bpp.example", {"message": {"order": {"id": "x"}}}, NOW)
        u.callbacks.add("t2", "m9", "on_search", "other", {"message": {}}, NOW)
        u.callbacks.add("t1", "m2", "on_init", "bpp.example", {"message": {"名": "肉夹馍"}}, NOW)
        u.commit()
    with uow(read_only=True) as u:
        got = u.callbacks.for_transaction("t1")
        assert [c.action for c in got] == ["on_select", "on_init"]
        assert got[1].document == {"message": {"名": "肉夹馍"}}
        assert got[0].received_at == NOW
        assert [c.message_id for c in u.callbacks.for_transaction("t1", after_id=first)] == ["m2"]
        assert [c.transaction_id for c in u.callbacks.by_message("m9", "on_search")] == ["t2"]
        assert u.callbacks.by_message("m9", "on_select") == []


def test_a_callback_is_kept_as_the_bytes_received(engine: Engine) -> None:
    """The stored text is the signed body itself (spacing and key order kept), not a re-encoding."""
    raw = '{"message": {"order": {"id": "x", "名": "肉夹馍"}},  "context": {}}'.encode()
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        u.callbacks.add("t1", "m1", "on_confirm", "bpp.example", {"parsed": "copy"}, NOW, raw=raw)
        # Not UTF-8 (JSON may arrive as UTF-16): the parsed document is stored instead.
        u.callbacks.add("t1", "m2", "on_status", "bpp.example", {"message": {}}, NOW, raw='{"a": 1}'.encode("utf-16"))
        u.commit()
    with engine.connect() as conn:
        stored = conn.execute(select(callbacks.c.document).order_by(callbacks.c.id)).scalars().all()
    assert stored[0].encode() == raw
    assert stored[1] == '{"message":{}}'
    with uow(read_only=True) as u:
        got = u.callbacks.for_transaction("t1")
    assert got[0].document == {"message": {"order": {"id": "x", "名": "肉夹馍"}}, "context": {}}


def test_uncommitted_callbacks_are_not_stored(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        u.callbacks.add("t1", "m1", "on_select", None, {}, NOW)
    with uow(read_only=True) as u:
        assert u.callbacks.for_transaction("t1") == []


def test_a_purchase_is_replaced_by_the_latest_report(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    placed = Purchase("o1", "t1", "bpp.example", "http://b/beckn", "chuanshan", "ACTIVE", {"id": "o1"}, NOW)
    with uow() as u:
        u.purchases.put(placed)
        u.purchases.put(
            Purchase(
                "o0",
                "t0",
                "bpp.example",
                "http://b/beckn",
                "chuanshan",
                "COMPLETE",
                {},
                NOW - timedelta(hours=1),
            )
        )
        u.commit()
    later = NOW + timedelta(minutes=5)
    with uow() as u:
        u.purchases.put(
            Purchase(
                "o1",
                "t1",
                "bpp.example",
                "http://b/beckn",
                "chuanshan",
                "CANCELLED",
                {"id": "o1", "status": "CANCELLED"},
                later,
            )
        )
        u.commit()
    with uow(read_only=True) as u:
        got = u.purchases.get("o1")
        assert got is not None and got.status == "CANCELLED" and got.updated_at == later
        assert got.document["status"] == "CANCELLED"
        assert [p.order_id for p in u.purchases.all()] == ["o1", "o0"]
        assert u.purchases.get("nope") is None


def test_a_countersigned_receipt_replaces_the_seller_signed_copy(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        u.receipts.put("o1", {"format": "duijie.receipt/1", "signatures": [1]}, NOW)
        u.commit()
    with uow() as u:
        u.receipts.put("o1", {"format": "duijie.receipt/1", "signatures": [1, 2]}, NOW + timedelta(seconds=3))
        u.commit()
    with uow(read_only=True) as u:
        assert u.receipts.get("o1") == {"format": "duijie.receipt/1", "signatures": [1, 2]}
        assert u.receipts.get("o2") is None
