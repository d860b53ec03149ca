"""The buyer's side of callbacks: store every verified ``on_*``, track orders, countersign receipts.

Each callback is committed before the ACK (so a result is never lost), then anyone waiting for
that message_id is woken. On ``on_confirm`` the seller-signed receipt in ``order.tags`` is
checked against the seller key this node's resolver vouches for, countersigned and stored; the
countersigned copy is then sent back to the seller in an ``update`` (after the ACK).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from duijie.protocol.context import Action
from duijie.protocol.keys import VerifyKey
from duijie.protocol.pipeline import Verified
from duijie.protocol.receipts import (
    StaticKeySource,
    build_agreement,
    receipt_from_tags,
    verify_receipt,
)
from duijie.services.beckn_inbox import Nack
from duijie.services.buyer_ports import BuyerUnitOfWork, BuyerUnitOfWorkFactory, Purchase, StoredCallback
from duijie.services.ports import Clock
from duijie.services.trade.receipts import ReceiptIssuer

log = logging.getLogger("duijie.buyer")

CALLBACKS = (
    Action.ON_SEARCH,
    Action.ON_SELECT,
    Action.ON_INIT,
    Action.ON_CONFIRM,
    Action.ON_STATUS,
    Action.ON_TRACK,
    Action.ON_CANCEL,
    Action.ON_UPDATE,
    Action.ON_RATING,
    Action.ON_SUPPORT,
)
ORDER_CALLBACKS = (Action.ON_CONFIRM, Action.ON_STATUS, Action.ON_CANCEL, Action.ON_UPDATE)


class KeyResolver(Protocol):
    async def resolve(self, subscriber_id: str, unique_key_id: str) -> VerifyKey | None: ...


class ReceiptState:
    """What the buyer knows about an order's receipt (kept in the purchase document)."""

    COUNTERSIGNED = "countersigned"
    REFUSED = "refused"
    MISSING = "missing"


def fulfillment_state(order: dict[str, Any]) -> str | None:
    """The state code of the order's first fulfillment (e.g. ``Order-accepted``), if any."""
    for fulfillment in order.get("fulfillments") or []:
        code = ((fulfillment or {}).get("state") or {}).get("descriptor", {}).get("code")
        if code:
            return str(code)
    return None


class Waiters:
    """asyncio events keyed by (message_id, callback action), set when the callback is stored.

    The stored callbacks are handed over with the wake-up, so the waiter need not read back
    what was just committed.
    """

    def __init__(self) -> None:
        self._events: dict[tuple[str, str], asyncio.Event] = {}
        self._arrived: dict[tuple[str, str], list[StoredCallback]] = {}

    def expect(self, message_id: str, action: Action) -> asyncio.Event:
        return self._events.setdefault((message_id, action.value), asyncio.Event())

    def done(self, message_id: str, action: Action) -> None:
        self._events.pop((message_id, action.value), None)
        self._arrived.pop((message_id, action.value), None)

    def arrived(self, message_id: str, action: Action) -> list[StoredCallback]:
        """The callbacks stored for an expected (message_id, action) so far (committed ones)."""
        return list(self._arrived.get((message_id, action.value), ()))

    def wake(self, message_id: str, action: str, stored: StoredCallback | None = None) -> None:
        event = self._events.get((message_id, action))
        if event is not None:
            if stored is not None:
                self._arrived.setdefault((message_id, action), []).append(stored)
            event.set()


class BuyerInbox:
    """Handlers for the ten callbacks, registered on the node's BecknInbox."""

    def __init__(
        self,
        uow: BuyerUnitOfWorkFactory,
        clock: Clock,
        resolver: KeyResolver,
        issuer: ReceiptIssuer,
        own_id: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._resolver = resolver
        self.issuer = issuer
        self._own_id = own_id
        self.waiters = Waiters()
        # Called with (purchase, countersigned receipt) after the ACK: sends it back to the seller.
        self.on_countersigned: Callable[[Purchase, dict[str, Any]], Coroutine[Any, Any, None]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, register: Callable[[Action, Callable[[Verified], Awaitable[Nack | None]]], None]) -> None:
        for action in CALLBACKS:
            register(action, self.handle)

    async def handle(self, msg: Verified) -> Nack | None:
        """Store the callback (and the order it reports), then wake whoever waits for it."""
        receipt = None
        order = msg.message.get("order") if isinstance(msg.message.get("order"), dict) else None
        if msg.context.action == Action.ON_CONFIRM and order is not None and "error" not in msg.doc:
            receipt = await self._countersign(msg, order)
        stored, callback = await self._uow.run(self._store, msg, receipt)
        self.waiters.wake(msg.context.message_id, msg.context.action.value, callback)
        if stored is not None and receipt is not None and receipt.get("countersigned") and self.on_countersigned:
            task = asyncio.create_task(self.on_countersigned(stored, receipt["receipt"]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return None

    async def _countersign(self, msg: Verified, order: dict[str, Any]) -> dict[str, Any]:
        """Check the seller's receipt against the key our resolver vouches for; countersign if sound."""
        carried = receipt_from_tags(order.get("tags"))
        if carried is None:
            return {"state": ReceiptState.MISSING, "problem": "on_confirm carried no duijie.receipt tag"}
        known: dict[tuple[str, str], str] = {}
        for sig in carried.get("signatures") or []:
            if isinstance(sig, dict) and sig.get("role") == "seller":
                key = await self._resolver.resolve(str(sig.get("subscriber_id")), str(sig.get("unique_key_id")))
                if key is not None:
                    known[(str(sig["subscriber_id"]), str(sig["unique_key_id"]))] = key.to_base64()
        check = verify_receipt(carried, [StaticKeySource("resolver", known)])
        problem = None
        seller = [s for s in check.signatures if s.role == "seller"]
        if not check.ok:
            problem = "; ".join([*(s.reason or "" for s in check.signatures if not s.ok), *check.problems])
        elif not seller or not seller[0].confirmed_by or seller[0].subscriber_id != msg.context.bpp_id:
            problem = "the seller's receipt key is not one this node can confirm for the sender"
        elif carried["agreement"].get("bap_id") != self._own_id:
            problem = "the receipt names another buyer"
        else:
            try:
                expected = build_agreement(order, msg.context.to_dict())
            except ValueError as exc:
                expected, problem = None, str(exc)
            if expected is not None and expected != carried["agreement"]:
                problem = "the receipt's agreement differs from the confirmed order"
        if problem:
            log.warning("not countersigning the receipt of order %s: %s", order.get("id"), problem)
            return {"state": ReceiptState.REFUSED, "problem": problem, "receipt": carried}
        return {
            "state": ReceiptState.COUNTERSIGNED,
            "countersigned": True,
            # ``carried`` was parsed from the tags just now and is not used again: no copy needed.
            "receipt": self.issuer.countersign(carried, owned=True),
        }

    def _store(self, msg: Verified, receipt: dict[str, Any] | None) -> tuple[Purchase | None, StoredCallback]:
        ctx = msg.context
        now = self._clock.now()
        with self._uow() as uow:
            callback_id = uow.callbacks.add(
                ctx.transaction_id, ctx.message_id, ctx.action.value, ctx.bpp_id, msg.doc, now, raw=msg.raw_body
            )
            purchase = None
            order = msg.message.get("order")
            if ctx.action in ORDER_CALLBACKS and isinstance(order, dict) and order.get("id") and "error" not in msg.doc:
                purchase = self._update_purchase(uow, msg, order, receipt)
            uow.commit()
        return purchase, StoredCallback(
            callback_id, ctx.transaction_id, ctx.message_id, ctx.action.value, ctx.bpp_id, msg.doc, now
        )

    def _update_purchase(
        self, uow: BuyerUnitOfWork, msg: Verified, order: dict[str, Any], receipt: dict[str, Any] | None
    ) -> Purchase:
        ctx = msg.context
        order_id = str(order["id"])
        old = uow.purchases.get(order_id)
        doc = dict(old.document) if old else {}
        merged = {**doc.get("order", {}), **order}
        doc["order"] = merged
        doc["fulfillment_state"] = fulfillment_state(merged)
        if receipt is not None:
            doc["receipt"] = {k: v for k, v in receipt.items() if k in ("state", "problem")}
            if receipt.get("receipt") is not None:
                uow.receipts.put(order_id, receipt["receipt"], self._clock.now())
        purchase = Purchase(
            order_id=order_id,
            transaction_id=ctx.transaction_id,
            bpp_id=ctx.bpp_id or (old.bpp_id if old else ""),
            bpp_uri=ctx.bpp_uri or (old.bpp_uri if old else ""),
            provider_id=str((merged.get("provider") or {}).get("id", old.provider_id if old else "")),
            status=str(merged.get("status") or (old.status if old else "ACTIVE")),
            document=doc,
            updated_at=self._clock.now(),
        )
        uow.purchases.put(purchase)
        return purchase

    def note(self, order_id: str, key: str, value: Any) -> None:
        """Record a fact about an order (e.g. whether the seller took the countersigned receipt)."""
        with self._uow() as uow:
            old = uow.purchases.get(order_id)
            if old is None:
                return
            doc = dict(old.document)
            doc[key] = value
            uow.purchases.put(
                Purchase(
                    old.order_id,
                    old.transaction_id,
                    old.bpp_id,
                    old.bpp_uri,
                    old.provider_id,
                    old.status,
                    doc,
                    self._clock.now(),
                )
            )
            uow.commit()
