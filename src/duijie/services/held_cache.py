"""Held listings read once per catalog change: the diner's pages ask for a provider on every view.

:class:`~duijie.services.held_listings.HeldListings` reads the signed catalog and parses it into
a :class:`~duijie.domain.listing.Listing` each time; parsing 川陕名吃's catalog costs more than
the rest of a page. A held catalog changes only when peer exchange fetches a new one (its digest
changes), so the parsed listing is kept per ``(node, provider)`` and reused while the digest is
the same. A look-up is answered from memory for :data:`FRESH_FOR` seconds after it read the row,
so a page viewed many times a second reads the database once a second; a new catalog is seen
within that second.
"""

from __future__ import annotations

import threading
import time

import orjson

from duijie.domain.listing import Listing
from duijie.interchange.listing_json import listing_from_document
from duijie.services.discovery_ports import DiscoveryUowFactory, StoredCatalog
from duijie.services.held_listings import HeldListing, HeldListings

MAX_KEPT = 256
"""Parsed listings kept (a diner's node holds a neighbourhood's catalogs, not the world's)."""
FRESH_FOR = 1.0
"""Seconds a look-up's answer is reused before the row is read again."""


class CachedHeldListings(HeldListings):
    """:class:`HeldListings` that parses each catalog once per digest."""

    def __init__(self, uow: DiscoveryUowFactory) -> None:
        super().__init__(uow)
        self._parsed: dict[tuple[str, str], tuple[str, Listing]] = {}
        self._recent: dict[tuple[str, str | None], tuple[float, HeldListing]] = {}
        self._lock = threading.Lock()

    def _listing(self, catalog: StoredCatalog) -> Listing:
        key = (catalog.subscriber_id, catalog.provider_id)
        with self._lock:
            kept = self._parsed.get(key)
        if kept is not None and kept[0] == catalog.digest:
            return kept[1]
        listing = listing_from_document(orjson.loads(catalog.document)["listing"])
        with self._lock:
            if len(self._parsed) >= MAX_KEPT:
                self._parsed.clear()  # bounded; refilled by the next views
            self._parsed[key] = (catalog.digest, listing)
        return listing

    def get(self, provider_id: str, bpp_id: str | None = None) -> HeldListing:
        """As :meth:`HeldListings.get`, with the parsed listing reused while its digest holds."""
        asked = (provider_id, bpp_id)
        with self._lock:
            recent = self._recent.get(asked)
        if recent is not None and time.monotonic() - recent[0] < FRESH_FOR:
            return recent[1]
        held = super().get(provider_id, bpp_id)
        with self._lock:
            if len(self._recent) >= MAX_KEPT:
                self._recent.clear()
            self._recent[asked] = (time.monotonic(), held)
        return held
