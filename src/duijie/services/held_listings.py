"""Listings this node holds of other nodes' providers, and where each provider's node takes requests.

Peer exchange fetches every merchant-signed catalog it learns of (``peer_catalogs``) and the
signed record of the node that publishes it (``node_records``). A diner's page of another node's
room or job posting starts here: the listing says what there is (rooms, capacities, deposits,
terms, postings), the record says where to send the Beckn requests. What is free *now* is the
seller's to say (see :mod:`duijie.services.trade.reservation.guest`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from duijie.domain.listing import Listing
from duijie.interchange.listing_json import listing_from_document
from duijie.services.discovery_ports import DiscoveryUowFactory, StoredCatalog
from duijie.services.errors import NotFound


@dataclass(frozen=True, slots=True)
class HeldListing:
    """Another node's provider as this node holds it: the signed listing and its node's Beckn URL."""

    listing: Listing
    bpp_id: str
    bpp_uri: str | None
    fetched_at: datetime

    @property
    def origin(self) -> str | None:
        """``scheme://host[:port]`` of the provider's node (its public JSON API lives there)."""
        if not self.bpp_uri:
            return None
        parts = urlsplit(self.bpp_uri)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


class HeldListings:
    """Read-only look-ups of the catalogs peer exchange fetched (no request leaves the node)."""

    def __init__(self, uow: DiscoveryUowFactory) -> None:
        self._uow = uow

    def get(self, provider_id: str, bpp_id: str | None = None) -> HeldListing:
        """The listing of ``provider_id`` (from node ``bpp_id`` when given, else the newest fetched).

        Raises :class:`NotFound` naming ``provider_id`` when this node holds no such catalog.
        """
        with self._uow(read_only=True) as uow:
            if bpp_id is not None:
                one = uow.peer_catalogs.get(bpp_id, provider_id)
                found = [one] if one is not None else []
            else:
                found = [c for c in uow.peer_catalogs.all() if c.provider_id == provider_id]
            if not found:
                raise NotFound(f"no provider {provider_id!r} known to this node", field="provider_id")
            catalog = max(found, key=lambda c: c.fetched_at)
            record = uow.node_records.get(catalog.subscriber_id)
        url = str(json.loads(record.document)["record"]["url"]) if record is not None else None
        return HeldListing(self._listing(catalog), catalog.subscriber_id, url, catalog.fetched_at)

    def _listing(self, catalog: StoredCatalog) -> Listing:
        """The held catalog's listing, parsed on every call here (a subclass may keep it)."""
        return listing_from_document(json.loads(catalog.document)["listing"])
