"""What a visitor's page is shown of one offer, judged with this node's trusted keys.

A producer's offer (or a relisting) is found where this node holds it: in a listing it hosts, or
in a merchant-signed catalog it fetched from a peer (the buyer's local index). Its provenance is
judged again here, with the keys this node trusts (:class:`TrustedKeys`): a relisting whose
producer key this node cannot confirm is ``unverified``, never source-direct.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from duijie.domain.offers import ProducerOffer
from duijie.interchange.listing_json import listing_from_document
from duijie.services.discovery_ports import DiscoveryUowFactory
from duijie.services.ports import Clock
from duijie.services.trade.offer_listing import TrustedKeys, offer_view


@dataclass(frozen=True, slots=True)
class FoundOffer:
    """An offer as this node holds it: who publishes it (``seller_id``), the provider's names, the
    location it is offered at, and :func:`offer_view`'s unit, tiers and provenance (``view``)."""

    offer: ProducerOffer
    seller_id: str
    provider_id: str
    provider_name: dict[str, str | None]
    location: dict[str, Any] | None
    view: dict[str, Any]
    hosted_here: bool
    seller_uri: str | None = None  # the seller's Beckn URL (from its node record), to buy or pool from


class OfferLookup:
    """Finds one offer for a page: in a listing this node hosts or in a held peer catalog."""

    def __init__(self, uow: DiscoveryUowFactory, clock: Clock, own_id: str, own_uri: str) -> None:
        self._uow = uow
        self._clock = clock
        self._own_id = own_id
        self._own_uri = own_uri

    def find(self, provider_id: str | None, offer_id: str, seller_id: str | None = None) -> FoundOffer | None:
        """The offer ``offer_id`` of ``provider_id`` (any provider when None), published by ``seller_id``
        (anyone when None): this node's own listing first, else the newest held peer catalog; or None."""
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            trusted = [TrustedKeys(uow.known_keys, now)]
            sources: list[tuple[str, Any, bool]] = []
            if seller_id in (None, self._own_id):
                hosted = [uow.listings.get(provider_id)] if provider_id else [
                    uow.listings.get(s.provider_id) for s in uow.listings.summaries()]
                sources += [(self._own_id, stored.listing, True) for stored in hosted if stored is not None]
            if not any(o.id == offer_id for _s, listing, _h in sources for o in listing.offers):
                held = [c for c in uow.peer_catalogs.all() if provider_id in (None, c.provider_id)
                        and (seller_id is None or c.subscriber_id == seller_id)]
                for catalog in sorted(held, key=lambda c: c.fetched_at, reverse=True):
                    listing = listing_from_document(json.loads(catalog.document)["listing"])
                    sources.append((catalog.subscriber_id, listing, False))
            for seller, listing, here in sources:
                offer = next((o for o in listing.offers if o.id == offer_id), None)
                if offer is None:
                    continue
                p = listing.provider
                loc = p.location(offer.location_id) if offer.location_id else None
                place = None if loc is None else {
                    "id": loc.id, "name": {"zh": loc.name.zh, "en": loc.name.en},
                    "address": f"{loc.address.street}, {loc.address.locality}"}
                record = None if here else uow.node_records.get(seller)
                uri = self._own_uri if here else (str(json.loads(record.document)["record"]["url"]) if record else None)
                return FoundOffer(offer, seller, p.id, {"zh": p.name.zh, "en": p.name.en}, place,
                                  offer_view(offer, seller, trusted), here, uri)
        return None
