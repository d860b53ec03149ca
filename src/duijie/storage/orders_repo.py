"""SQL repositories of the seller's orders and of the drafts between select/init and confirm."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from duijie.domain.orders import Draft, Order, OrderState
from duijie.interchange.order_json import draft_from_json, draft_to_json, order_from_json, order_to_json
from duijie.services.trade.food.ports import StoredOrder
from duijie.storage.prepared import Prepared
from duijie.storage.tables import drafts, orders

# Statements built once: building and cache-keying a statement per call cost more than running it.
_INSERT_ORDER = Prepared(insert(orders))
_ORDER_BY_ID = Prepared(select(orders).where(orders.c.id == bindparam("p_id")))
_ORDER_BY_TRANSACTION = Prepared(select(orders).where(
    orders.c.bap_id == bindparam("p_bap"), orders.c.transaction_id == bindparam("p_tx")
))
_ORDER_UPDATE = Prepared(update(orders).where(orders.c.id == bindparam("p_id")).values(
    status=bindparam("p_status"), document=bindparam("p_doc"), updated_at=bindparam("p_now")
))
_DRAFT_WHERE = (drafts.c.bap_id == bindparam("p_bap"), drafts.c.transaction_id == bindparam("p_tx"))
_DRAFT_GET = Prepared(select(drafts.c.document).where(*_DRAFT_WHERE))
_DRAFT_UPDATE = Prepared(update(drafts).where(*_DRAFT_WHERE).values(
    document=bindparam("p_doc"), updated_at=bindparam("p_now")
))
_DRAFT_INSERT = Prepared(insert(drafts))
_DRAFT_DELETE = Prepared(delete(drafts).where(*_DRAFT_WHERE))


def _stored(row: Any) -> StoredOrder:
    order, context = order_from_json(row.document)
    return StoredOrder(order, row.bap_uri, context)


class SqlOrderRepository:
    """Orders as JSON documents plus key columns; one order per (bap_id, transaction_id)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        # Orders added in this unit of work, so reading one back (the receipts hook does, right
        # after the confirm stored it) costs no query and no JSON parse.
        self._added: dict[str, StoredOrder] = {}

    def add(self, order: Order, bap_uri: str, context: dict[str, Any]) -> bool:
        """Insert a new order; False (and nothing written) when the transaction already has one."""
        # No SELECT first: the unique (bap_id, transaction_id) constraint decides, so a twin (a
        # retried confirm or a concurrent one) inserts nothing. PostgreSQL aborts the whole
        # transaction on an error, so there it runs in a savepoint; SQLite undoes just the statement.
        try:
            with self._savepoint():
                _INSERT_ORDER.run(
                    self._conn,
                    {
                        "id": order.id,
                        "provider_id": order.provider_id,
                        "bap_id": order.bap_id,
                        "bap_uri": bap_uri,
                        "transaction_id": order.transaction_id,
                        "status": order.state.value,
                        "document": order_to_json(order, context),
                        "created_at": order.created_at,
                        "updated_at": order.updated_at,
                    },
                )
        except IntegrityError:
            return False
        self._added[order.id] = StoredOrder(order, bap_uri, context)
        return True

    def _savepoint(self) -> AbstractContextManager[object]:
        return nullcontext() if self._conn.dialect.name == "sqlite" else self._conn.begin_nested()

    def save(self, order: Order) -> None:
        """Store a changed order (its context is kept)."""
        current = self.get(order.id)
        if current is None:
            raise KeyError(order.id)
        self._added.pop(order.id, None)
        _ORDER_UPDATE.run(self._conn, {
            "p_id": order.id, "p_status": order.state.value, "p_doc": order_to_json(order, current.context),
            "p_now": order.updated_at,
        })

    def get(self, order_id: str) -> StoredOrder | None:
        added = self._added.get(order_id)
        if added is not None:
            return StoredOrder(added.order, added.bap_uri, dict(added.context))
        row = _ORDER_BY_ID.run(self._conn, {"p_id": order_id}).first()
        return _stored(row) if row is not None else None

    def for_transaction(self, bap_id: str, transaction_id: str) -> StoredOrder | None:
        row = _ORDER_BY_TRANSACTION.run(self._conn, {"p_bap": bap_id, "p_tx": transaction_id}).first()
        return _stored(row) if row is not None else None

    def list(self, state: OrderState | None = None, limit: int = 500) -> list[StoredOrder]:
        """Newest first, optionally only those in ``state``."""
        query = select(orders).order_by(orders.c.created_at.desc(), orders.c.id).limit(limit)
        if state is not None:
            query = query.where(orders.c.status == state.value)
        return [_stored(r) for r in self._conn.execute(query).all()]


class SqlDraftRepository:
    """One draft per (bap_id, transaction_id), replaced by each select/init."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, bap_id: str, transaction_id: str) -> Draft | None:
        text = _DRAFT_GET.run(self._conn, {"p_bap": bap_id, "p_tx": transaction_id}).scalar_one_or_none()
        return draft_from_json(text) if text is not None else None

    def put(self, bap_id: str, transaction_id: str, draft: Draft, now: datetime) -> None:
        document = draft_to_json(draft)
        done = _DRAFT_UPDATE.run(
            self._conn, {"p_bap": bap_id, "p_tx": transaction_id, "p_doc": document, "p_now": now}
        )
        if done.rowcount == 0:
            _DRAFT_INSERT.run(
                self._conn,
                {"bap_id": bap_id, "transaction_id": transaction_id, "document": document, "updated_at": now},
            )

    def delete(self, bap_id: str, transaction_id: str) -> None:
        _DRAFT_DELETE.run(self._conn, {"p_bap": bap_id, "p_tx": transaction_id})
