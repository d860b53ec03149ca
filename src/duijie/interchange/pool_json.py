"""The one plain JSON form of a pool's terms and of its close outcome (stored, shown, sent).

A pool's terms are written as ``{"offer": <the listing format's offer>, "producer_id",
"provider_id", "deadline" (ISO 8601 with offset), "pickup_points", "maximum" (decimal string or
absent)}``; quantities and money are decimal strings, never floats.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from duijie.domain.errors import Issue, ValidationFailed
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.pools import CloseOutcome, PoolProgress, PoolTerms
from duijie.interchange.reader import Reader
from duijie.interchange.trade_json import offer_in, offer_out


def terms_out(terms: PoolTerms) -> dict[str, Any]:
    """The terms as plain JSON."""
    doc: dict[str, Any] = {
        "offer": offer_out(terms.offer),
        "producer_id": terms.producer_id,
        "provider_id": terms.provider_id,
        "deadline": terms.deadline.isoformat(),
        "pickup_points": list(terms.pickup_points),
    }
    if terms.maximum is not None:
        doc["maximum"] = format(terms.maximum, "f")
    return doc


def decimal_in(raw: Any, path: str) -> Decimal:
    """A quantity written as a decimal string or an integer; raises ValidationFailed naming ``path``."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ValidationFailed([Issue(path, Reason(P.DECIMAL_EXPECTED))])
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationFailed([Issue(path, Reason(P.NOT_A_DECIMAL, value=raw))]) from None
    if not value.is_finite():
        raise ValidationFailed([Issue(path, Reason(P.NOT_FINITE))])
    return value


def terms_in(doc: Any, path: str = "$") -> PoolTerms:
    """Read terms written by :func:`terms_out` (or sent by a client); every issue is reported."""
    r = Reader()
    obj = r.obj(doc, path) or {}
    r.unknown_keys(obj, {"offer", "producer_id", "provider_id", "deadline", "pickup_points", "maximum"}, path)
    offer = offer_in(r, obj.get("offer"), f"{path}.offer")
    producer = r.get(obj, "producer_id", path, str)
    provider = r.get(obj, "provider_id", path, str)
    raw_deadline = r.get(obj, "deadline", path, str)
    points = r.get(obj, "pickup_points", path, list)
    deadline = None
    if raw_deadline is not None:
        try:
            deadline = datetime.fromisoformat(raw_deadline)
        except ValueError:
            r.fail(f"{path}.deadline", Reason(P.NOT_A_DATETIME))
        else:
            if deadline.tzinfo is None:
                r.fail(f"{path}.deadline", Reason(P.NO_UTC_OFFSET))
    if points is not None and not all(isinstance(p, str) for p in points):
        r.fail(f"{path}.pickup_points", Reason(P.NOT_STRINGS))
    maximum = None
    if obj.get("maximum") is not None:
        try:
            maximum = decimal_in(obj["maximum"], f"{path}.maximum")
        except ValidationFailed as exc:
            r.issues += exc.issues
    if r.issues or offer is None or producer is None or provider is None or deadline is None or points is None:
        raise ValidationFailed(r.issues or [Issue(path, Reason(P.POOL_TERMS_INCOMPLETE))])
    return PoolTerms(offer, producer, provider, deadline, tuple(points), maximum)


def progress_out(progress: PoolProgress) -> dict[str, Any]:
    """Progress as plain JSON (quantities and prices as decimal strings)."""
    def num(value: Decimal | None) -> str | None:
        return None if value is None else format(value, "f")

    return {
        "state": progress.state.value,
        "pledged": num(progress.pledged),
        "buyers": progress.buyers,
        "tier_min_quantity": progress.tier.min_quantity if progress.tier else None,
        "unit_price": progress.unit_price.to_wire() if progress.unit_price else None,
        "currency": progress.unit_price.currency if progress.unit_price else None,
        "to_next_tier": num(progress.to_next_tier),
        "to_minimum": num(progress.to_minimum),
        "remaining": num(progress.remaining),
        "seconds_left": int(progress.time_left.total_seconds()),
    }


def outcome_out(outcome: CloseOutcome) -> dict[str, Any]:
    """A close outcome as plain JSON: state, total, unit price, batch total and allocations."""
    price = outcome.unit_price
    return {
        "state": outcome.state.value,
        "total": format(outcome.total, "f"),
        "unit_price": price.to_wire() if price else None,
        "currency": price.currency if price else None,
        "batch_total": outcome.batch_total.to_wire() if outcome.batch_total else None,
        "allocations": [
            {"pledge_id": a.pledge_id, "buyer_id": a.buyer_id, "quantity": format(a.quantity, "f"),
             "unit_price": a.unit_price.to_wire(), "total": a.total.to_wire()}
            for a in outcome.allocations
        ],
    }


def pool_view(stored: Any, now: datetime) -> dict[str, Any]:
    """What anyone may read of a pool (a :class:`~duijie.services.trade.pool.ports.StoredPool`):
    its terms, progress and outcome; no buyer is named."""
    pool = stored.pool
    return {
        "id": pool.id,
        "organizer_id": pool.organizer_id,
        "listed_under": stored.listed_under,
        "producer_uri": stored.producer_uri,
        "state": pool.state.value,
        "terms_version": pool.terms_version,
        "opened_at": pool.opened_at.isoformat(),
        "terms": terms_out(pool.terms),
        "progress": progress_out(pool.progress(now)),
        "outcome": ({k: v for k, v in stored.outcome.items() if k != "allocations"}
                    if stored.outcome else None),
        "batch_state": stored.batch_state,
        "signed_offer": stored.signed_offer,
        "signed_terms": getattr(stored, "signed_terms", None),
        "proposal": getattr(stored, "proposal", None),
    }
