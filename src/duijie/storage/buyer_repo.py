"""SQL repositories of the buyer side: received callbacks, placed orders and held receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, insert, select, update

from duijie.services.buyer_ports import Purchase, StoredCallback
from duijie.storage.prepared import Prepared
from duijie.storage.tables import callbacks, purchases, receipts
from duijie.storage.timestamps import as_utc

# Statements built once: building and cache-keying a statement per call cost more than running it.
_CALLBACK_INSERT = Prepared(insert(callbacks).returning(callbacks.c.id))
_CALLBACKS_BY_MESSAGE = Prepared(
    select(callbacks)
    .where(callbacks.c.message_id == bindparam("p_mid"), callbacks.c.action == bindparam("p_action"))
    .order_by(callbacks.c.id)
)
_PURCHASE_GET = Prepared(select(purchases).where(purchases.c.order_id == bindparam("p_id")))
_PURCHASE_UPDATE = Prepared(update(purchases).where(purchases.c.order_id == bindparam("p_id")))
_PURCHASE_INSERT = Prepared(insert(purchases))
_RECEIPT_GET = Prepared(select(receipts.c.document).where(receipts.c.order_id == bindparam("p_id")))
_RECEIPT_UPDATE = Prepared(update(receipts).where(receipts.c.order_id == bindparam("p_id")).values(
    document=bindparam("p_doc")
))
_RECEIPT_INSERT = Prepared(insert(receipts))


def _dump(doc: dict[str, Any]) -> str:
    return orjson.dumps(doc).decode()


def _as_received(raw: bytes) -> str | None:
    """The body as it was signed, when it is UTF-8 (JSON may come in UTF-16 too): no re-encoding."""
    try:
        return raw.decode("utf-8") if raw else None
    except UnicodeDecodeError:
        return None


def _to_callback(r: Any) -> StoredCallback:
    return StoredCallback(
        r.id,
        r.transaction_id,
        r.message_id,
        r.action,
        r.bpp_id,
        orjson.loads(r.document),
        as_utc(r.received_at),
    )


class SqlCallbackRepository:
    """Append-only: a callback is stored once, as the verified document received."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        transaction_id: str,
        message_id: str,
        action: str,
        bpp_id: str | None,
        document: dict[str, Any],
        now: datetime,
        *,
        raw: bytes = b"",
    ) -> int:
        result = _CALLBACK_INSERT.run(
            self._conn,
            {
                "transaction_id": transaction_id,
                "message_id": message_id,
                "action": action,
                "bpp_id": bpp_id,
                "document": _as_received(raw) or _dump(document),
                "received_at": now,
            },
        )
        return int(result.scalar_one())

    def for_transaction(self, transaction_id: str, after_id: int = 0) -> list[StoredCallback]:
        rows = self._conn.execute(
            select(callbacks)
            .where(callbacks.c.transaction_id == transaction_id, callbacks.c.id > after_id)
            .order_by(callbacks.c.id)
        ).all()
        return [_to_callback(r) for r in rows]

    def by_message(self, message_id: str, action: str) -> list[StoredCallback]:
        rows = _CALLBACKS_BY_MESSAGE.run(self._conn, {"p_mid": message_id, "p_action": action}).all()
        return [_to_callback(r) for r in rows]


class SqlPurchaseRepository:
    """The buyer's orders, replaced whole on every report from the seller."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def put(self, purchase: Purchase) -> None:
        values = {
            "transaction_id": purchase.transaction_id,
            "bpp_id": purchase.bpp_id,
            "bpp_uri": purchase.bpp_uri,
            "provider_id": purchase.provider_id,
            "status": purchase.status,
            "document": _dump(purchase.document),
            "updated_at": purchase.updated_at,
        }
        # UPDATE first, INSERT only when there was no row: one statement for a known order.
        done = _PURCHASE_UPDATE.run(self._conn, {"p_id": purchase.order_id, **values})
        if done.rowcount == 0:
            _PURCHASE_INSERT.run(self._conn, {"order_id": purchase.order_id, **values})

    def get(self, order_id: str) -> Purchase | None:
        row = _PURCHASE_GET.run(self._conn, {"p_id": order_id}).first()
        return _to_purchase(row) if row is not None else None

    def all(self) -> list[Purchase]:
        rows = self._conn.execute(select(purchases).order_by(purchases.c.updated_at.desc())).all()
        return [_to_purchase(r) for r in rows]


def _to_purchase(r: Any) -> Purchase:
    return Purchase(
        r.order_id,
        r.transaction_id,
        r.bpp_id,
        r.bpp_uri,
        r.provider_id,
        r.status,
        orjson.loads(r.document),
        as_utc(r.updated_at),
    )


class SqlReceiptRepository:
    """One receipt per order id; a countersigned copy replaces the seller-signed one."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def put(self, order_id: str, receipt: dict[str, Any], now: datetime) -> None:
        document = _dump(receipt)
        # A replaced receipt keeps its created_at; UPDATE first, INSERT only for a new order.
        done = _RECEIPT_UPDATE.run(self._conn, {"p_id": order_id, "p_doc": document})
        if done.rowcount == 0:
            _RECEIPT_INSERT.run(self._conn, {"order_id": order_id, "document": document, "created_at": now})

    def get(self, order_id: str) -> dict[str, Any] | None:
        row = _RECEIPT_GET.run(self._conn, {"p_id": order_id}).first()
        return orjson.loads(row.document) if row is not None else None
