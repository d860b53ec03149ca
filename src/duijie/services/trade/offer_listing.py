"""Producer offers and relistings in the seller's ``on_search``, each with its provenance, and
the producer's signed offers (:class:`SignedOffers`).

An offer is found by its name, id, category or unit, by a word for wholesale (``offer``,
``wholesale``, ``批发``, ``源头``...) or by its category; a search with no text and no category
lists them all. The provider filters (id, name, place) apply as they do to the menu.

A relisting's provenance is judged here with the keys this node already trusts
(:class:`TrustedKeys`): a relisting whose producer key this node cannot confirm is published
as ``unverified``, never as source-direct. A buyer's node judges again with its own keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from duijie.domain.listing import Listing
from duijie.domain.offers import ProducerOffer
from duijie.protocol import mapping as m
from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.mapping.catalog import provider_in
from duijie.protocol.mapping.offers import offer_item
from duijie.protocol.provenance import (
    ProvenanceError,
    check_signed_offer,
    offer_provenance,
    offer_statement,
    signed_offer,
)
from duijie.protocol.receipts import KeySource
from duijie.services.errors import Conflict, NotFound
from duijie.services.local_search import match_listing
from duijie.services.ports import Clock, KnownKeyRepository, Signer, UnitOfWork
from duijie.services.trade.catalog import CatalogService

OFFER_WORDS = frozenset({"offer", "offers", "wholesale", "source-direct", "批发", "源头", "源头直供", "直供", "产地"})


@dataclass(frozen=True, slots=True)
class TrustedKeys:
    """A key source over the keys this node trusts (registry, self-lookup or endorsed; see TRUST.md)."""

    keys: KnownKeyRepository
    now: datetime
    name: str = "this node's trusted keys"

    def public_key(self, subscriber_id: str, unique_key_id: str) -> str | None:
        known = self.keys.get(subscriber_id, unique_key_id)
        if known is None or not known.is_valid_at(self.now):
            return None
        return known.signing_public_key


def offer_matches(offer: ProducerOffer, needle: str) -> bool:
    """True when a search word names this offer (see the module docstring)."""
    return (needle in OFFER_WORDS or needle == offer.id.lower() or needle in offer.name.both("\n").lower()
            or needle == (offer.category or "").lower() or needle == offer.unit.lower())


def with_offers(uow: UnitOfWork, listings: Sequence[Listing], criteria: m.SearchCriteria,
                providers: list[dict[str, Any]], now: datetime, seller_id: str) -> list[dict[str, Any]]:
    """``providers`` with the matching offers of each listing added as items (a provider added
    when only its offers matched)."""
    if criteria.category and not any(criteria.category.strip().lower() == (o.category or "").lower()
                                     for listing in listings for o in listing.offers):
        return providers
    where = m.SearchCriteria(provider_id=criteria.provider_id, provider_text=criteria.provider_text,
                             gps=criteria.gps, radius_km=criteria.radius_km)
    needles = [t.strip().lower() for t in (criteria.item_text, criteria.text) if t and t.strip()]
    sources = [TrustedKeys(uow.known_keys, now)]
    for listing in listings:
        if not listing.offers or match_listing(listing, where) is None:
            continue
        chosen = [o for o in listing.offers if all(offer_matches(o, n) for n in needles)
                  and (not criteria.category or criteria.category.strip().lower() == (o.category or "").lower())]
        if not chosen:
            continue
        provider = provider_in(providers, listing)
        items = provider.setdefault("items", [])
        for offer in chosen:
            items.append(offer_item(offer, offer_provenance(offer, seller_id, sources)))
    return providers


def offer_view(offer: ProducerOffer, seller_id: str, sources: Sequence[TrustedKeys]) -> dict[str, Any]:
    """What a buyer is shown of an offer beside its price: the unit, the minimum batch, the tiers
    and, when an origin is claimed, the provenance (status, producer, origin, the producer's price
    and the markup of a relisting, and why it is unverified)."""
    out: dict[str, Any] = {
        "unit": offer.unit, "minimum_batch": offer.minimum_batch,
        "tiers": [{"min_quantity": t.min_quantity, "unit_price": t.unit_price.to_wire()} for t in offer.tiers],
    }
    prov = offer_provenance(offer, seller_id, sources)
    if prov is None:
        return out
    origin = prov.producer_offer.origin if prov.producer_offer is not None else offer.origin
    view: dict[str, Any] = {"status": prov.status.value, "producer_id": prov.producer_id, "reason": prov.reason}
    if origin is not None:
        view["origin"] = {"place": origin.place.both(),
                          "harvest_date": origin.harvest_date.isoformat() if origin.harvest_date else None,
                          "batch": origin.batch}
    if offer.source is not None and prov.markups:
        first = prov.markups[0]
        view.update(producer_price=first.producer_price.to_wire(), relisted_price=first.relisted_price.to_wire(),
                    markup=first.amount.to_wire(), markup_percent=format(first.percent, "f"),
                    markup_at=first.quantity)
    out["provenance"] = view
    return out


class SignedOffers:
    """The producer's side: its offers signed with their origin on request (``duijie.offer/1``),
    for an organizer opening a pool or anyone relisting them."""

    def __init__(self, catalog: CatalogService, signer: Signer, clock: Clock, producer_id: str) -> None:
        self._catalog = catalog
        self._signer = signer
        self._clock = clock
        self.producer_id = producer_id

    def signed(self, provider_id: str, offer_id: str) -> dict[str, Any]:
        """The signed offer; :class:`NotFound` for an unknown provider or offer, :class:`Conflict`
        for an offer that states no origin (or is itself a relisting)."""
        listing = self._catalog.listing(provider_id).listing
        offer = next((o for o in listing.offers if o.id == offer_id), None)
        if offer is None:
            raise NotFound(f"provider {provider_id} has no offer {offer_id!r}", field="offer_id")
        now = self._clock.now()
        try:
            statement = offer_statement(offer, producer_id=self.producer_id, provider_id=provider_id, issued_at=now)
        except ProvenanceError as exc:
            raise Conflict(str(exc), field="offer_id") from exc
        sig = self._signer.sign_detached(canonical_bytes(statement), now)
        return signed_offer(statement, unique_key_id=sig.unique_key_id, signing_public_key=sig.signing_public_key,
                            signature=sig.signature)


def verified_offer(doc: Any, producer_id: str, sources: Sequence[KeySource]) -> ProducerOffer:
    """The producer's offer in ``doc`` (its signed offer), for a pool to be opened against.

    Rule: refused (:class:`Conflict`, naming the rule ``offer_not_verified``) unless the signed
    offer is intact, names ``producer_id``, and its key is confirmed as the producer's by one of
    ``sources`` (the node's trusted keys, or the producer's own lookup) and contradicted by none.
    """
    check = check_signed_offer(doc, sources)
    if check.offer is None or not check.ok:
        raise Conflict(f"offer_not_verified: the producer's signed offer does not hold: {check.reason}",
                       field="signed_offer")
    if check.producer_id != producer_id:
        raise Conflict(f"offer_not_verified: the offer is signed by {check.producer_id}, not {producer_id}",
                       field="signed_offer")
    if not check.proven:
        raise Conflict(f"offer_not_verified: no key source confirms the key as {producer_id}'s", field="signed_offer")
    return check.offer
