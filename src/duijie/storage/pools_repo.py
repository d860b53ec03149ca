"""SQL repository of the pools this node organizes, their pledges and the close schedule.

The schedule is the ``pools`` table: ``close_at`` is the deadline, or the moment the maximum was
reached. A closer claims a due pool with one conditional UPDATE (``state = 'OPEN' AND close_at
<= now`` → ``CLOSING``) inside the transaction that then writes the close: on PostgreSQL the
UPDATE takes the row lock, and a second closer's UPDATE waits for it and then finds the state
changed (READ COMMITTED re-checks the condition), so it updates no row; SQLite runs one writer
at a time. A closer that dies before committing leaves the pool OPEN and due, and the next
closer (after a restart, or on the other process) takes it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from duijie.domain.pools import Pledge, Pool, PoolState
from duijie.interchange.pool_json import terms_in, terms_out
from duijie.services.trade.pool.ports import Member, StoredPool
from duijie.storage.tables import batch_orders, pool_consents, pool_pledges, pools
from duijie.storage.timestamps import as_utc


def close_at(pool: Pool, now: datetime) -> datetime:
    """When ``pool`` falls due: now once its maximum is reached, else its deadline."""
    maximum = pool.terms.maximum
    if maximum is not None and pool.total >= maximum:
        return min(now, pool.terms.deadline)
    return pool.terms.deadline


def _document(pool: Pool, listed_under: str, signed_offer: dict[str, Any] | None) -> str:
    return json.dumps({"id": pool.id, "organizer_id": pool.organizer_id, "terms": terms_out(pool.terms),
                       "opened_at": pool.opened_at.isoformat(), "listed_under": listed_under,
                       "signed_offer": signed_offer}, ensure_ascii=False, sort_keys=True)


def _text(doc: dict[str, Any] | None) -> str | None:
    return None if doc is None else json.dumps(doc, ensure_ascii=False, sort_keys=True)


class SqlPoolRepository:
    """Pools as their terms document plus the columns the schedule and listings read."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, pool: Pool, producer_uri: str, now: datetime, listed_under: str = "",
            signed_offer: dict[str, Any] | None = None, signed_terms: dict[str, Any] | None = None) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(pools).values(
                    id=pool.id, organizer_id=pool.organizer_id, producer_id=pool.terms.producer_id,
                    producer_uri=producer_uri, offer_id=pool.terms.offer.id, state=pool.state.value,
                    terms_version=pool.terms_version, close_at=close_at(pool, now),
                    document=_document(pool, listed_under, signed_offer), opened_at=pool.opened_at, updated_at=now,
                    signed_terms=_text(signed_terms),
                ))
        except IntegrityError:
            raise KeyError(pool.id) from None

    def _pledges(self, pool_ids: list[str]) -> dict[str, list[Pledge]]:
        out: dict[str, list[Pledge]] = {i: [] for i in pool_ids}
        if not pool_ids:
            return out
        rows = self._conn.execute(select(pool_pledges).where(pool_pledges.c.pool_id.in_(pool_ids))
                                  .order_by(pool_pledges.c.pledged_at, pool_pledges.c.id)).all()
        for r in rows:
            out[r.pool_id].append(Pledge(r.id, r.buyer_id, Decimal(r.quantity), as_utc(r.pledged_at)))
        return out

    @staticmethod
    def _stored(row: Any, pledges: list[Pledge]) -> StoredPool:
        doc = json.loads(row.document)
        pool = Pool(id=row.id, organizer_id=row.organizer_id, terms=terms_in(doc["terms"]),
                    opened_at=datetime.fromisoformat(doc["opened_at"]), state=PoolState(row.state),
                    pledges=tuple(pledges), terms_version=row.terms_version)
        outcome = json.loads(row.outcome) if row.outcome else None
        return StoredPool(pool, row.producer_uri, outcome, row.batch_state, doc.get("listed_under", ""),
                          doc.get("signed_offer"), json.loads(row.signed_terms) if row.signed_terms else None,
                          json.loads(row.proposal) if row.proposal else None)

    def get_for_pledge(self, pool_id: str, pledge_id: str | None) -> StoredPool | None:
        row = self._conn.execute(select(pools).where(pools.c.id == pool_id).with_for_update()).first()
        if row is None:
            return None
        mine: list[Pledge] = []
        if pledge_id is not None:
            found = self._conn.execute(select(pool_pledges).where(
                pool_pledges.c.id == pledge_id, pool_pledges.c.pool_id == pool_id)).first()
            if found is not None:
                mine = [Pledge(found.id, found.buyer_id, Decimal(found.quantity), as_utc(found.pledged_at))]
        stored = self._stored(row, mine)
        rest = Decimal(row.pledged) - sum((p.quantity for p in mine), Decimal(0))
        return replace(stored, pool=replace(stored.pool, prior=rest))

    def get(self, pool_id: str, *, for_update: bool = False) -> StoredPool | None:
        query = select(pools).where(pools.c.id == pool_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        if row is None:
            return None
        return self._stored(row, self._pledges([pool_id])[pool_id])

    def recent(self, states: tuple[PoolState, ...] = (), limit: int = 500) -> list[StoredPool]:
        query = select(pools).order_by(pools.c.opened_at.desc(), pools.c.id).limit(limit)
        if states:
            query = query.where(pools.c.state.in_([s.value for s in states]))
        rows = self._conn.execute(query).all()
        pledges = self._pledges([r.id for r in rows])
        return [self._stored(r, pledges[r.id]) for r in rows]

    def save(self, pool: Pool, now: datetime) -> None:
        old = json.loads(self._conn.execute(select(pools.c.document).where(pools.c.id == pool.id)).scalar_one())
        self._conn.execute(update(pools).where(pools.c.id == pool.id).values(
            state=pool.state.value, terms_version=pool.terms_version, close_at=close_at(pool, now),
            document=_document(pool, old.get("listed_under", ""), old.get("signed_offer")),
            pledged=format(pool.total, "f"),
            updated_at=now,
        ))

    def add_pledge(self, pool_id: str, pledge: Pledge, buyer_uri: str, transaction_id: str) -> None:
        self._conn.execute(insert(pool_pledges).values(
            id=pledge.id, pool_id=pool_id, buyer_id=pledge.buyer_id, buyer_uri=buyer_uri,
            transaction_id=transaction_id, quantity=format(pledge.quantity, "f"), pledged_at=pledge.pledged_at,
            updated_at=pledge.pledged_at,
        ))

    def change_pledge(self, pledge: Pledge, now: datetime) -> None:
        self._conn.execute(update(pool_pledges).where(pool_pledges.c.id == pledge.id).values(
            quantity=format(pledge.quantity, "f"), updated_at=now))

    def remove_pledge(self, pledge_id: str) -> None:
        self._conn.execute(delete(pool_pledges).where(pool_pledges.c.id == pledge_id))

    def pledge_for_transaction(self, buyer_id: str, transaction_id: str) -> tuple[str, str] | None:
        row = self._conn.execute(select(pool_pledges.c.pool_id, pool_pledges.c.id).where(
            pool_pledges.c.buyer_id == buyer_id, pool_pledges.c.transaction_id == transaction_id)).first()
        return (row.pool_id, row.id) if row is not None else None

    def owner_of(self, pledge_id: str) -> tuple[str, str] | None:
        row = self._conn.execute(select(pool_pledges.c.pool_id, pool_pledges.c.buyer_id).where(
            pool_pledges.c.id == pledge_id)).first()
        return (row.pool_id, row.buyer_id) if row is not None else None

    def members(self, pool_id: str) -> list[Member]:
        rows = self._conn.execute(select(pool_pledges).where(pool_pledges.c.pool_id == pool_id)
                                  .order_by(pool_pledges.c.pledged_at, pool_pledges.c.id)).all()
        return [Member(r.id, r.buyer_id, r.buyer_uri, r.transaction_id) for r in rows]

    def due(self, now: datetime, limit: int = 100) -> list[str]:
        rows = self._conn.execute(select(pools.c.id).where(
            pools.c.state == PoolState.OPEN.value, pools.c.close_at <= now).order_by(pools.c.close_at).limit(limit))
        return list(rows.scalars())

    def claim(self, pool_id: str, now: datetime) -> bool:
        done = self._conn.execute(update(pools).where(
            pools.c.id == pool_id, pools.c.state == PoolState.OPEN.value, pools.c.close_at <= now,
        ).values(state=PoolState.CLOSING.value, updated_at=now))
        return done.rowcount == 1

    def finish(self, pool_id: str, state: PoolState, outcome: dict[str, Any], batch_state: str | None,
               now: datetime) -> None:
        self._conn.execute(update(pools).where(pools.c.id == pool_id).values(
            state=state.value, outcome=json.dumps(outcome, ensure_ascii=False, sort_keys=True),
            batch_state=batch_state, updated_at=now))

    def set_batch_state(self, pool_id: str, batch_state: str, now: datetime) -> None:
        self._conn.execute(update(pools).where(pools.c.id == pool_id).values(batch_state=batch_state,
                                                                              updated_at=now))

    def claim_batch(self, pool_id: str, now: datetime, stale_before: datetime) -> bool:
        done = self._conn.execute(update(pools).where(
            pools.c.id == pool_id, pools.c.state == PoolState.SUCCEEDED.value,
            or_(pools.c.batch_state == "pending", and_(pools.c.batch_state == "placing",
                                                       pools.c.updated_at < stale_before)),
        ).values(batch_state="placing", updated_at=now))
        return done.rowcount == 1

    def set_signed_terms(self, pool_id: str, signed_terms: dict[str, Any]) -> None:
        self._conn.execute(update(pools).where(pools.c.id == pool_id).values(signed_terms=_text(signed_terms)))

    def set_proposal(self, pool_id: str, proposal: dict[str, Any] | None) -> None:
        self._conn.execute(update(pools).where(pools.c.id == pool_id).values(proposal=_text(proposal)))
        self._conn.execute(delete(pool_consents).where(pool_consents.c.pool_id == pool_id))

    def record_consent(self, pool_id: str, terms_version: int, buyer_id: str, answer: str, now: datetime) -> None:
        key = (pool_consents.c.pool_id == pool_id, pool_consents.c.terms_version == terms_version,
               pool_consents.c.buyer_id == buyer_id)
        self._conn.execute(delete(pool_consents).where(*key))
        self._conn.execute(insert(pool_consents).values(pool_id=pool_id, terms_version=terms_version,
                                                        buyer_id=buyer_id, answer=answer, answered_at=now))

    def consents(self, pool_id: str, terms_version: int) -> dict[str, str]:
        rows = self._conn.execute(select(pool_consents.c.buyer_id, pool_consents.c.answer).where(
            pool_consents.c.pool_id == pool_id, pool_consents.c.terms_version == terms_version)).all()
        return {r.buyer_id: r.answer for r in rows}

    def add_batch_order(self, order_id: str, organizer_id: str, organizer_uri: str, pool_id: str | None,
                        order: dict[str, Any], now: datetime) -> None:
        if self._conn.execute(select(batch_orders.c.order_id).where(batch_orders.c.order_id == order_id)).first():
            return
        self._conn.execute(insert(batch_orders).values(
            order_id=order_id, organizer_id=organizer_id, organizer_uri=organizer_uri, pool_id=pool_id,
            document=_text(order), received_at=now))

    def batch_orders(self, limit: int = 200) -> list[dict[str, Any]]:
        rows = self._conn.execute(select(batch_orders).order_by(batch_orders.c.received_at.desc(),
                                                                batch_orders.c.order_id).limit(limit)).all()
        return [{"order_id": r.order_id, "organizer_id": r.organizer_id, "organizer_uri": r.organizer_uri,
                 "pool_id": r.pool_id, "received_at": as_utc(r.received_at).isoformat(),
                 "order": json.loads(r.document)} for r in rows]
