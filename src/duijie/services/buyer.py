"""Buying from other nodes (BAP): signed requests sent at once, answered by callbacks we wait for.

A request must get a synchronous ACK (a NACK or an HTTP failure is reported to the caller with
the Beckn error); then the matching callback (same message_id) is awaited. A callback carrying
a top-level ``error`` is the seller's refusal and is raised as :class:`SellerRefused`.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from duijie.protocol import jsonbytes
from duijie.protocol.context import Action, Context, callback_action, format_timestamp
from duijie.protocol.outbound import wire_bytes
from duijie.protocol.receipts import ReceiptCheck, receipt_tag_group, verify_receipt
from duijie.services.buyer_inbox import BuyerInbox
from duijie.services.buyer_ports import BuyerUnitOfWorkFactory, Purchase, StoredCallback
from duijie.services.errors import NotFound, ServiceError
from duijie.services.ports import Clock, Signer, Transport
from duijie.services.trade.food.buying import FOOD_PURCHASE, OrderRequest
from duijie.services.trade.kinds import RQ, AnswerChecked, BuyerKind
from duijie.services.trade.offer_listing import TrustedKeys

DOMAIN = "nic2004:55204"
"""The one Beckn domain this node's buyer uses: NIC 2004 55204, restaurants and food service."""
TTL = "PT30S"

__all__ = ["BuyerService", "OrderRequest", "Peer", "PeerError", "SellerRefused"]


class PeerError(ServiceError):
    """The seller could not be reached, refused the request (NACK) or never called back."""

    def __init__(self, message: str, *, code: str | None = None, status: int = 502) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class SellerRefused(ServiceError):
    """The seller answered with an error callback (BECKN-005 ``code`` and ``paths``)."""

    def __init__(self, message: str, *, code: str | None, paths: str | None, reason: str = "") -> None:
        super().__init__(message, field=paths)
        self.code = code
        self.reason = reason  # the seller's own words (``… (rule: closed_at_pickup)`` from a duijie seller)


@dataclass(frozen=True, slots=True)
class Peer:
    """Where a transaction's requests go."""

    transaction_id: str
    bpp_uri: str
    bpp_id: str | None = None


class BuyerService:
    """The BAP use cases; ``inbox`` stores the callbacks and wakes the waiting request."""

    def __init__(
        self,
        uow: BuyerUnitOfWorkFactory,
        transport: Transport,
        signer: Signer,
        clock: Clock,
        inbox: BuyerInbox,
        subscriber_id: str,
        subscriber_url: str,
        timeout: float = 10.0,
    ) -> None:
        self._uow = uow
        self._transport = transport
        self._signer = signer
        self._clock = clock
        self.inbox = inbox
        self.subscriber_id = subscriber_id
        self.subscriber_url = subscriber_url
        self.timeout = timeout
        self.receipts = inbox.issuer
        inbox.on_countersigned = self._return_receipt

    # --- the wire ---------------------------------------------------------------------------

    def _context(self, action: Action, peer: Peer | None, transaction_id: str) -> Context:
        return Context(
            domain=DOMAIN,
            action=action,
            bap_id=self.subscriber_id,
            bap_uri=self.subscriber_url,
            transaction_id=transaction_id,
            message_id=str(uuid.uuid4()),
            timestamp=format_timestamp(self._clock.now()),
            ttl=TTL,
            bpp_id=peer.bpp_id if peer else None,
            bpp_uri=peer.bpp_uri if peer else None,
        )

    async def _send(self, url: str, action: Action, ctx: Context, message: dict[str, Any]) -> None:
        body = wire_bytes({"context": ctx.to_dict(), "message": message})
        headers = self._signer.headers_for(body, self._clock.now())
        target = f"{url.rstrip('/')}/{action.value}"
        try:
            async with asyncio.timeout(self.timeout):  # no extra task per send, unlike wait_for
                resp = await self._transport.send(target, body, headers)
        except Exception as exc:  # noqa: BLE001 - any failure to deliver is the peer's unreachability
            raise PeerError(f"{action.value} to {target} failed: {exc}") from exc
        try:
            answer = jsonbytes.loads(resp.body)
        except ValueError:
            answer = {}
        ack = ((answer.get("message") or {}).get("ack") or {}).get("status") if isinstance(answer, dict) else None
        if 200 <= resp.status < 300 and ack == "ACK":
            return
        error = (answer.get("error") or {}) if isinstance(answer, dict) else {}
        reason = error.get("message") or resp.body[:200].decode(errors="replace")
        raise PeerError(
            f"{target} refused {action.value} (HTTP {resp.status}, code {error.get('code')}): {reason}",
            code=str(error["code"]) if error.get("code") is not None else None,
        )

    async def _request(
        self,
        action: Action,
        peer: Peer,
        message: dict[str, Any],
        wait: float | None = None,
        collect: bool = False,
    ) -> list[StoredCallback]:
        """Send ``action`` and wait for its callback(s); ``collect`` gathers all within ``wait`` seconds."""
        ctx = self._context(action, peer, peer.transaction_id)
        reply = callback_action(action)
        event = self.inbox.waiters.expect(ctx.message_id, reply)
        try:
            await self._send(peer.bpp_uri, action, ctx, message)
            window = wait if wait is not None else self.timeout
            try:
                if collect:
                    await asyncio.sleep(window)
                else:
                    async with asyncio.timeout(window):
                        await event.wait()
            except TimeoutError:
                pass
            # Handed over on wake-up; read back only when none arrived here (collect, or a timeout).
            found = [] if collect else self.inbox.waiters.arrived(ctx.message_id, reply)
        finally:
            self.inbox.waiters.done(ctx.message_id, reply)
        if not found:
            found = await self._uow.run(self._callbacks, ctx.message_id, reply.value)
        if not found and not collect:
            raise PeerError(f"no {reply.value} from {peer.bpp_uri} within {window:g} s", status=504)
        for cb in found:
            if not collect and isinstance(cb.document.get("error"), dict):
                err = cb.document["error"]
                raise SellerRefused(
                    f"{reply.value}: {err.get('message') or 'refused'} (code {err.get('code')})",
                    code=str(err.get("code")),
                    paths=err.get("paths"),
                    reason=str(err.get("message") or ""),
                )
        return found

    def _callbacks(self, message_id: str, action: str) -> list[StoredCallback]:
        with self._uow(read_only=True) as uow:
            return uow.callbacks.by_message(message_id, action)

    # --- discovery and ordering -------------------------------------------------------------

    async def search(
        self, text: str | None, bpp_uri: str, *, provider_id: str | None = None, wait: float = 2.0
    ) -> list[dict[str, Any]]:
        """Send ``search`` to a BPP (or a gateway) and return the catalogs that came back within ``wait``."""
        intent: dict[str, Any] = {}
        if text:
            intent["item"] = {"descriptor": {"name": text}}
        if provider_id:
            intent["provider"] = {"id": provider_id}
        peer = Peer(str(uuid.uuid4()), bpp_uri)
        found = await self._request(Action.SEARCH, peer, {"intent": intent}, wait=wait, collect=True)
        return [
            {
                "bpp_id": cb.bpp_id,
                "bpp_uri": cb.document["context"].get("bpp_uri"),
                "transaction_id": cb.transaction_id,
                "catalog": cb.document.get("message", {}).get("catalog"),
                "error": cb.document.get("error"),
            }
            for cb in found
        ]

    async def search_network(
        self, intent: dict[str, Any], urls: Sequence[str], *, wait: float, expect: Collection[str] = ()
    ) -> tuple[list[StoredCallback], dict[str, str]]:
        """Send one ``search`` (one message_id, no bpp_id) to each of ``urls`` — gateways or BPPs —
        and collect every ``on_search`` that arrives within ``wait`` seconds.

        Stops waiting early once every subscriber in ``expect`` has answered. Returns the stored
        answers and, for each URL that did not take the search (NACK, no answer, unreachable), why.
        """
        ctx = self._context(Action.SEARCH, None, str(uuid.uuid4()))
        message = {"intent": intent}
        event = self.inbox.waiters.expect(ctx.message_id, Action.ON_SEARCH)
        failed: dict[str, str] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        try:
            sends = [asyncio.ensure_future(self._send(url, Action.SEARCH, ctx, message)) for url in urls]
            done, pending = await asyncio.wait(sends, timeout=wait) if sends else (set(), set())
            for url, send in zip(urls, sends, strict=True):
                if send in pending:
                    send.cancel()
                    failed[url] = f"no ACK within {wait:g} s"
                elif send.exception() is not None:
                    failed[url] = str(send.exception())
            waiting = set(expect)
            while len(failed) < len(urls) and loop.time() < deadline:
                event.clear()  # before reading what arrived: a later arrival sets it again
                waiting -= {cb.bpp_id for cb in self.inbox.waiters.arrived(ctx.message_id, Action.ON_SEARCH)}
                if expect and not waiting:
                    break
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(deadline - loop.time()):
                        await event.wait()
        finally:
            self.inbox.waiters.done(ctx.message_id, Action.ON_SEARCH)
        found = await self._uow.run(self._callbacks, ctx.message_id, Action.ON_SEARCH.value)
        return found, failed

    async def order(self, req: OrderRequest) -> dict[str, Any]:
        """A food order for pickup: see :meth:`place`."""
        return await self.place(FOOD_PURCHASE, req)

    async def place(self, kind: BuyerKind[RQ], req: RQ) -> dict[str, Any]:
        """select → on_select (quote) → init → on_init → confirm → on_confirm, with the orders ``kind``
        writes for ``req``; returns the purchase."""
        peer = Peer(str(uuid.uuid4()), req.bpp_uri, req.bpp_id)
        if peer.bpp_id is None:
            # Learn the seller's subscriber id from its on_search, in the same transaction.
            intent = {"provider": {"id": req.provider_id}}
            peer = self._learned(peer, (await self._request(Action.SEARCH, peer, {"intent": intent}))[0])
        cart = kind.select_order(req)
        selected = (await self._request(Action.SELECT, peer, {"order": cart}))[0]
        peer = self._learned(peer, selected)
        quoted = selected.document["message"]["order"]
        if isinstance(kind, AnswerChecked):  # e.g. a pledge: the pool's terms signed by the node that answered
            kind.check_answer(req, peer.bpp_id, quoted)
        draft = kind.init_order(req, cart, quoted)
        initialised = (await self._request(Action.INIT, peer, {"order": draft}))[0]
        peer = self._learned(peer, initialised)
        order = kind.confirm_order(req, draft, initialised.document["message"]["order"])
        confirmed = (await self._request(Action.CONFIRM, peer, {"order": order}))[0]
        order_id = confirmed.document["message"]["order"].get("id")
        if not order_id:
            raise PeerError("on_confirm carried no order id")
        return self.purchase(str(order_id))

    @staticmethod
    def _learned(peer: Peer, cb: StoredCallback) -> Peer:
        ctx = cb.document.get("context", {})
        return Peer(peer.transaction_id, ctx.get("bpp_uri") or peer.bpp_uri, ctx.get("bpp_id") or peer.bpp_id)

    # --- after confirm ----------------------------------------------------------------------

    def _purchase(self, order_id: str) -> Purchase:
        with self._uow(read_only=True) as uow:
            found = uow.purchases.get(order_id)
        if found is None:
            raise NotFound(f"no order {order_id!r} placed from this node", field="order_id")
        return found

    def _peer_of(self, order_id: str) -> Peer:
        p = self._purchase(order_id)
        return Peer(p.transaction_id, p.bpp_uri, p.bpp_id)

    async def status(self, order_id: str) -> dict[str, Any]:
        await self._request(Action.STATUS, self._peer_of(order_id), {"order_id": order_id})
        return self.purchase(order_id)

    async def confirm_held(self, order_id: str, order: dict[str, Any]) -> dict[str, Any]:
        """Send ``confirm`` in the transaction of an order the seller holds for this node (a waitlist
        offer of a freed slot) and wait for ``on_confirm``; returns the purchase."""
        await self._request(Action.CONFIRM, self._peer_of(order_id), {"order": order})
        return self.purchase(order_id)

    async def cancel(self, order_id: str, reason: str | None = None, reason_id: str = "001") -> dict[str, Any]:
        message: dict[str, Any] = {"order_id": order_id, "cancellation_reason_id": reason_id}
        if reason:
            message["descriptor"] = {"short_desc": reason}
        await self._request(Action.CANCEL, self._peer_of(order_id), message)
        return self.purchase(order_id)

    async def rate(self, order_id: str, value: Decimal | int) -> dict[str, Any]:
        rating = {"rating_category": "Order", "id": order_id, "value": str(value)}
        cb = (await self._request(Action.RATING, self._peer_of(order_id), {"ratings": [rating]}))[0]
        await self._uow.run(self.inbox.note, order_id, "rating", str(value))
        return {**self.purchase(order_id), "feedback": cb.document.get("message", {})}

    async def track(self, order_id: str) -> dict[str, Any]:
        cb = (await self._request(Action.TRACK, self._peer_of(order_id), {"order_id": order_id}))[0]
        return dict(cb.document.get("message", {}))

    async def support(self, order_id: str) -> dict[str, Any]:
        cb = (await self._request(Action.SUPPORT, self._peer_of(order_id), {"support": {"ref_id": order_id}}))[0]
        return dict(cb.document.get("message", {}))

    async def update(self, order_id: str, update_target: str, order: dict[str, Any]) -> dict[str, Any]:
        return await self._update(self._peer_of(order_id), order_id, update_target, order)

    async def _update(self, peer: Peer, order_id: str, update_target: str, order: dict[str, Any]) -> dict[str, Any]:
        message = {"update_target": update_target, "order": {"id": order_id, **order}}
        cb = (await self._request(Action.UPDATE, peer, message))[0]
        return dict(cb.document.get("message", {}))

    async def _return_receipt(self, purchase: Purchase, receipt: dict[str, Any]) -> None:
        """Send the countersigned receipt to the seller (update, target "tags"); note how it went."""
        # The purchase was just stored: its seller is known without reading it back.
        peer = Peer(purchase.transaction_id, purchase.bpp_uri, purchase.bpp_id)
        try:
            await self._update(peer, purchase.order_id, "tags", {"tags": [receipt_tag_group(receipt)]})
            outcome: dict[str, Any] = {"delivered": True}
        except ServiceError as exc:
            outcome = {"delivered": False, "reason": exc.message}
        await self._uow.run(self.inbox.note, purchase.order_id, "receipt_returned", outcome)

    # --- reading ----------------------------------------------------------------------------

    def purchase(self, order_id: str) -> dict[str, Any]:
        """One order as the API shows it: status, fulfillment state, the order and its receipt."""
        with self._uow(read_only=True) as uow:  # one snapshot for the order and its receipt
            p = uow.purchases.get(order_id)
            receipt = uow.receipts.get(order_id) if p is not None else None
        if p is None:
            raise NotFound(f"no order {order_id!r} placed from this node", field="order_id")
        return {
            "order_id": p.order_id,
            "status": p.status,
            "fulfillment_state": p.document.get("fulfillment_state"),
            "bpp_id": p.bpp_id,
            "bpp_uri": p.bpp_uri,
            "provider_id": p.provider_id,
            "transaction_id": p.transaction_id,
            "updated_at": p.updated_at.isoformat(),
            "order": p.document.get("order"),
            "rating": p.document.get("rating"),
            "receipt_state": (p.document.get("receipt") or {}).get("state"),
            "receipt_problem": (p.document.get("receipt") or {}).get("problem"),
            "receipt_returned": p.document.get("receipt_returned"),
            "receipt": receipt,
        }

    def check_receipt(self, receipt: Any) -> ReceiptCheck:
        """A receipt held here checked now: every signature, each key against the keys this node trusts."""
        with self._uow(read_only=True) as uow:
            return verify_receipt(receipt, [TrustedKeys(uow.known_keys, self._clock.now())])

    def purchases(self) -> list[dict[str, Any]]:
        with self._uow(read_only=True) as uow:
            rows = uow.purchases.all()
        return [
            {
                "order_id": p.order_id,
                "status": p.status,
                "fulfillment_state": p.document.get("fulfillment_state"),
                "bpp_id": p.bpp_id,
                "provider_id": p.provider_id,
                "updated_at": p.updated_at.isoformat(),
            }
            for p in rows
        ]

    def transaction(self, transaction_id: str) -> list[dict[str, Any]]:
        with self._uow(read_only=True) as uow:
            rows = uow.callbacks.for_transaction(transaction_id)
        return [
            {
                "id": c.id,
                "action": c.action,
                "message_id": c.message_id,
                "bpp_id": c.bpp_id,
                "received_at": c.received_at.isoformat(),
                "document": c.document,
            }
            for c in rows
        ]
