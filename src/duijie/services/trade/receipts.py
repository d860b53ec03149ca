"""Issuing and holding receipts with this node's key: the seller signs at confirm, the buyer countersigns.

Seller side: :meth:`ReceiptIssuer.seller_hook` is the ``on_order_confirmed(order_doc, context, uow)``
hook of the seller service; it stores the seller-signed receipt (:meth:`ReceiptIssuer.seller_receipt`)
in the same unit of work as the order and puts it into the on_confirm ``order.tags``. When the
buyer sends the countersigned copy back (an ``update`` with ``update_target`` "tags"), the seller
calls :meth:`ReceiptIssuer.accept_countersigned` (its ``on_receipt_countersigned``).

Buyer side: the buyer's callback inbox (``services/buyer_inbox.py``) checks the seller-signed
receipt that arrives in ``on_confirm``, adds this node's signature with
:meth:`ReceiptIssuer.countersign`, keeps the copy and sends it back to the seller. Both sides work
for every kind of trade: the receipt's agreement is the Beckn order and the confirm's parties.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.receipts import (
    FORMAT,
    ReceiptError,
    Role,
    StaticKeySource,
    add_signature,
    build_agreement,
    receipt_from_tags,
    verify_receipt,
    with_receipt_tag,
)
from duijie.services.buyer_ports import BuyerUnitOfWork
from duijie.services.ports import Clock, Signer

log = logging.getLogger("duijie.receipts")

__all__ = ["ReceiptIssuer", "split_order_doc"]


def split_order_doc(order_doc: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(order, context)`` from what the seller hands over.

    Accepted shapes: ``{"context": {...}, "order": {...}}`` (an on_confirm body or its message
    plus context), or a bare Beckn order carrying ``bap_id``/``bpp_id``/``transaction_id`` keys.
    """
    message = order_doc.get("message")
    if isinstance(message, Mapping) and isinstance(message.get("order"), Mapping):
        return dict(message["order"]), dict(order_doc.get("context") or {})
    if isinstance(order_doc.get("order"), Mapping):
        return dict(order_doc["order"]), dict(order_doc.get("context") or {})
    return dict(order_doc), {
        k: order_doc[k] for k in ("bap_id", "bpp_id", "transaction_id", "domain") if k in order_doc
    }


class ReceiptIssuer:
    """Signs agreements as this node (seller or buyer) and keeps receipts in ``uow.receipts``."""

    def __init__(self, signer: Signer, clock: Clock, own_id: str = "") -> None:
        self._signer = signer
        self._clock = clock
        self._own_id = own_id

    def _signed(self, receipt: Mapping[str, Any], role: Role, *, own_agreement: bool = False) -> dict[str, Any]:
        """``receipt`` plus this node's signature as ``role``.

        ``own_agreement``: the agreement was built here for this receipt alone, so the signed copy
        may share it instead of deep-copying it once more (signing never changes it).
        """
        now = self._clock.now()
        agreement = receipt["agreement"]
        sig = self._signer.sign_detached(canonical_bytes(agreement), now)
        if own_agreement:
            receipt = {**receipt, "agreement": None}
        signed = add_signature(
            receipt,
            role=role,
            subscriber_id=sig.subscriber_id,
            unique_key_id=sig.unique_key_id,
            signing_public_key=sig.signing_public_key,
            signature=sig.signature,
            signed_at=now,
        )
        if own_agreement:
            signed["agreement"] = agreement
        return signed

    def seller_receipt(self, order_doc: Mapping[str, Any], uow: BuyerUnitOfWork) -> dict[str, Any]:
        """Sign the agreement of a confirmed order as the seller, store it, return the receipt.

        A repeated confirm of the same order returns the stored receipt when its agreement is
        unchanged, so the buyer never sees two different receipts for one order.
        """
        order, context = split_order_doc(order_doc)
        agreement = build_agreement(order, context)
        stored = uow.receipts.get(str(order["id"]))
        if stored is not None and stored.get("agreement") == agreement:
            return stored
        # The agreement is a fresh deep copy (build_agreement), so the receipt can own it as is.
        receipt = self._signed({"format": FORMAT, "agreement": agreement, "signatures": []}, Role.SELLER,
                               own_agreement=True)
        uow.receipts.put(str(order["id"]), receipt, self._clock.now())
        return receipt

    def seller_hook(self, order_doc: dict[str, Any], context: Mapping[str, Any], uow: Any) -> None:
        """The seller's ``on_order_confirmed``: sign, store, and put the receipt in ``order_doc.tags``.

        ``order_doc`` is the Beckn order about to go out in on_confirm and ``context`` the
        confirm's (the parties and the transaction, whatever the kind of trade). The order doc is
        changed in place so the receipt travels inside that on_confirm.
        """
        parties = {k: context[k] for k in ("bap_id", "bpp_id", "transaction_id", "domain") if context.get(k)}
        parties["bpp_id"] = parties.get("bpp_id") or self._own_id
        receipt = safe_seller_receipt(self, {"order": order_doc, "context": parties}, uow)
        if receipt is not None:
            order_doc["tags"] = with_receipt_tag(order_doc, receipt)["tags"]

    def countersign(self, receipt: Mapping[str, Any], *, owned: bool = False) -> dict[str, Any]:
        """The receipt with this node's buyer signature added (the caller has checked the seller's).

        ``owned``: the caller parsed ``receipt`` for this alone and will not change it, so the
        countersigned copy may share its agreement rather than deep-copy it.
        """
        return self._signed(receipt, Role.BUYER, own_agreement=owned)

    def accept_countersigned(self, order_tags: Any, uow: BuyerUnitOfWork) -> str | None:
        """Seller side: store the buyer's countersigned copy carried in ``order.tags``.

        Returns None when stored, else the reason it was refused: no receipt in the tags, an
        agreement other than the one this node signed, or a signature that does not verify.
        """
        receipt = receipt_from_tags(order_tags)
        if receipt is None:
            return "no duijie.receipt tag in order.tags"
        agreement = receipt.get("agreement") if isinstance(receipt, dict) else None
        order_id = str((agreement or {}).get("id", ""))
        ours = uow.receipts.get(order_id) if order_id else None
        if ours is None:
            return f"no receipt for order {order_id!r} on this node"
        if ours.get("agreement") != agreement:
            return "the countersigned agreement differs from the one this node signed"
        own = {
            (s["subscriber_id"], s["unique_key_id"]): s["signing_public_key"]
            for s in ours.get("signatures", [])
            if s.get("role") == Role.SELLER.value
        }
        check = verify_receipt(receipt, [StaticKeySource("seller copy", own)])
        if not check.ok:
            reasons = [s.reason for s in check.signatures if s.reason] + list(check.problems)
            return "; ".join(str(r) for r in reasons) or "invalid receipt"
        if not any(s.role == Role.BUYER.value for s in check.signatures):
            return "the receipt carries no buyer signature"
        if not any(s.role == Role.SELLER.value and s.confirmed_by for s in check.signatures):
            return "the seller signature is not this node's"
        uow.receipts.put(order_id, receipt, self._clock.now())
        return None


def safe_seller_receipt(
    issuer: ReceiptIssuer, order_doc: Mapping[str, Any], uow: BuyerUnitOfWork
) -> dict[str, Any] | None:
    """Like :meth:`ReceiptIssuer.seller_receipt` but a malformed order yields None (logged), not an error."""
    try:
        return issuer.seller_receipt(order_doc, uow)
    except (ReceiptError, KeyError, TypeError) as exc:
        log.warning("no receipt issued: %s", exc)
        return None
