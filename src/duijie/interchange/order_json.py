"""The plain JSON form of an order and of a draft: the one place an order is written out as data.

Storage keeps it (with the Beckn context of the confirm beside it) and the merchant's inbox shows
it; the Beckn wire shape is another language, spoken by ``protocol.mapping``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from duijie.domain.cart import Pickup, PricedAddOn, Quote, QuoteLine
from duijie.domain.money import Money
from duijie.domain.orders import Billing, Draft, HistoryEntry, Order, OrderState, PaymentTerms
from duijie.domain.text import LocalText


def _money(m: Money) -> dict[str, str]:
    return {"amount": m.to_wire(), "currency": m.currency}


def _read_money(d: dict[str, str]) -> Money:
    return Money.parse(d["amount"], d["currency"])


def _text(t: LocalText) -> dict[str, str | None]:
    return {"zh": t.zh, "en": t.en}


def _time(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _read_time(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s is not None else None


def quote_doc(q: Quote) -> dict[str, Any]:
    return {
        "provider_id": q.provider_id,
        "total": _money(q.total),
        "lines": [
            {
                "item_id": ln.item_id,
                "name": _text(ln.name),
                "quantity": ln.quantity,
                "unit_price": _money(ln.unit_price),
                "total": _money(ln.total),
                "add_ons": [
                    {"id": a.id, "name": _text(a.name), "unit_price": _money(a.unit_price)} for a in ln.add_ons
                ],
            }
            for ln in q.lines
        ],
    }


def read_quote(d: dict[str, Any]) -> Quote:
    lines = tuple(
        QuoteLine(
            ln["item_id"],
            LocalText(**ln["name"]),
            ln["quantity"],
            _read_money(ln["unit_price"]),
            tuple(PricedAddOn(a["id"], LocalText(**a["name"]), _read_money(a["unit_price"])) for a in ln["add_ons"]),
            _read_money(ln["total"]),
        )
        for ln in d["lines"]
    )
    return Quote(d["provider_id"], lines, _read_money(d["total"]))


def _pickup(p: Pickup | None) -> dict[str, Any] | None:
    return None if p is None else {"location_id": p.location_id, "at": _time(p.at)}


def _read_pickup(d: dict[str, Any] | None) -> Pickup | None:
    return None if d is None else Pickup(d["location_id"], _read_time(d["at"]))


def _billing(b: Billing | None) -> dict[str, Any] | None:
    return None if b is None else {"name": b.name, "phone": b.phone, "email": b.email, "address": b.address}


def _read_billing(d: dict[str, Any] | None) -> Billing | None:
    return None if d is None else Billing(**d)


def draft_to_json(draft: Draft) -> str:
    return orjson.dumps(
        {
            "provider_id": draft.provider_id,
            "quote": quote_doc(draft.quote),
            "pickup": _pickup(draft.pickup),
            "billing": _billing(draft.billing),
            "payment": draft.payment.value,
        },
        option=orjson.OPT_SORT_KEYS,
    ).decode()


def draft_from_json(text: str) -> Draft:
    d = orjson.loads(text)
    return Draft(
        d["provider_id"],
        read_quote(d["quote"]),
        _read_pickup(d["pickup"]),
        _read_billing(d["billing"]),
        PaymentTerms(d["payment"]),
    )


def order_document(order: Order) -> dict[str, Any]:
    """Every field of ``order`` as plain JSON data (read back by :func:`order_from_json`)."""
    return {
        "id": order.id,
        "provider_id": order.provider_id,
        "bap_id": order.bap_id,
        "transaction_id": order.transaction_id,
        "quote": quote_doc(order.quote),
        "pickup": _pickup(order.pickup),
        "billing": _billing(order.billing),
        "payment": order.payment.value,
        "state": order.state.value,
        "history": [{"state": h.state.value, "at": _time(h.at), "by": h.by} for h in order.history],
        "created_at": _time(order.created_at),
        "updated_at": _time(order.updated_at),
        "rating": order.rating,
        "reason": order.reason,
    }


def order_to_json(order: Order, context: dict[str, Any]) -> str:
    """The order plus the Beckn context of its confirm (the template for later callbacks)."""
    return orjson.dumps({"order": order_document(order), "context": context}, option=orjson.OPT_SORT_KEYS).decode()


def order_from_json(text: str) -> tuple[Order, dict[str, Any]]:
    wrapper = orjson.loads(text)
    d = wrapper["order"]
    pickup = _read_pickup(d["pickup"])
    created, updated = _read_time(d["created_at"]), _read_time(d["updated_at"])
    assert pickup is not None and created is not None and updated is not None
    order = Order(
        d["id"],
        d["provider_id"],
        d["bap_id"],
        d["transaction_id"],
        read_quote(d["quote"]),
        pickup,
        _read_billing(d["billing"]),
        PaymentTerms(d["payment"]),
        OrderState(d["state"]),
        tuple(HistoryEntry(OrderState(h["state"]), datetime.fromisoformat(h["at"]), h["by"]) for h in d["history"]),
        created,
        updated,
        d["rating"],
        d["reason"],
    )
    return order, wrapper["context"]
