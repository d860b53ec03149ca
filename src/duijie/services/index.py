"""The buyer's local index: verified signed catalogs from peers, searchable when sellers are offline.

Each catalog is mapped to flat search documents — the provider, each item, room, job and
producer offer — once per physical location, so geo and opening-hours filters are exact and a
result names the location it is at. Documents are keyed ``subscriber_id|provider_id`` so two
nodes hosting the same provider id never collide. Results carry the catalog's age.

The text index itself is an adapter (``duijie.search``); this module reaches it through the
:class:`TextIndex` port and builds documents/queries with factories the composition root
passes in, so the service layer never imports the adapter.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from duijie.domain.listing import Listing
from duijie.domain.provider import Location
from duijie.domain.text import LocalText
from duijie.interchange.listing_json import listing_from_document
from duijie.services.discovery import DiscoveryUowFactory
from duijie.services.discovery_ports import StoredCatalog
from duijie.services.ports import Clock
from duijie.services.trade.jobs.views import posting_view
from duijie.services.trade.offer_listing import TrustedKeys, offer_view

log = logging.getLogger("duijie.index")
KEY_SEP = "|"
FRESH_FOR = 1.0
"""Seconds a held catalog's row read for a search is reused (a catalog indexed here is seen at once:
:meth:`LocalIndex.on_catalog` forgets it; one written by another process within this second)."""
MAX_RECENT = 256


class TextIndex(Protocol):
    """The subset of ``duijie.search.SearchIndex`` this service uses."""

    def add(self, docs: Iterable[Any]) -> int: ...

    def remove_provider(self, provider_id: str) -> int: ...

    def query(self, q: Any) -> list[Any]: ...

    def written_elsewhere(self) -> None:
        """Another handle on the same tables wrote (a read-only reader after the writer's change)."""
        ...

    @property
    def quick(self) -> bool:
        """A query answers in about a millisecond without waiting (``duijie.search.SearchIndex.quick``)."""
        ...


DocFactory = Callable[..., Any]
QueryFactory = Callable[..., Any]


def index_key(subscriber_id: str, provider_id: str) -> str:
    return f"{subscriber_id}{KEY_SEP}{provider_id}"


def _body(*texts: LocalText | str | None) -> str:
    parts = [t.both(" ") if isinstance(t, LocalText) else t for t in texts if t]
    return " ".join(p for p in parts if p)


def _place(loc: Location | None) -> dict[str, Any]:
    if loc is None:
        return {}
    out: dict[str, Any] = {"hours": loc.opening_hours, "timezone": loc.time_zone, "location_ids": (loc.id,)}
    if loc.geo is not None:
        out.update(lat=loc.geo.lat, lon=loc.geo.lon)
    return out


def listing_documents(listing: Listing, subscriber_id: str, node_url: str | None, version: int,
                      fetched_at: datetime, make: DocFactory) -> list[Any]:
    """Search documents for one listing: every searchable thing at every location it is offered."""
    p = listing.provider
    key = index_key(subscriber_id, p.id)
    common = {"provider_id": key, "node_url": node_url, "subscriber_id": subscriber_id,
              "catalog_version": str(version), "fetched_at": fetched_at}
    locations: list[Location | None] = list(p.locations) or [None]
    by_id = {loc.id: loc for loc in p.locations}

    def at(loc_id: str | None) -> list[Location | None]:
        return [by_id[loc_id]] if loc_id in by_id else locations

    def suffix(loc: Location | None) -> str:
        return f"@{loc.id}" if loc is not None else ""

    docs: list[Any] = []
    for loc in locations:
        docs.append(make(doc_id=f"{key}/provider{suffix(loc)}", kind="provider", title_zh=p.name.zh,
                         title_en=p.name.en, body=_body(p.description, loc.name if loc else None),
                         category=p.kind.value, **_place(loc), **common))
    sections = {s.id: s.name for s in listing.catalog.sections}
    for item in listing.catalog.items:
        for loc in locations:
            place = _place(loc)
            if item.available_hours:
                place["hours"] = item.available_hours
            docs.append(make(doc_id=f"{key}/item/{item.id}{suffix(loc)}", kind="item", title_zh=item.name.zh,
                             title_en=item.name.en, body=_body(item.description, sections.get(item.section_id),
                                                               p.name),
                             category=item.category, diet=tuple(d.value for d in item.diet),
                             price=item.price.amount, currency=item.price.currency, **place, **common))
    for res in listing.resources:
        for loc in at(res.location_id):
            docs.append(make(doc_id=f"{key}/resource/{res.id}{suffix(loc)}", kind="resource",
                             title_zh=res.name.zh, title_en=res.name.en,
                             body=_body(res.description, f"{res.capacity} people {res.capacity}人",
                                        res.kind.value.replace("_", " "), p.name),
                             category=res.kind.value, capacity=res.capacity,
                             price=res.deposit.amount if res.deposit else None,
                             currency=res.deposit.currency if res.deposit else None, **_place(loc), **common))
    for job in listing.jobs:
        for loc in at(job.location_id):
            docs.append(make(doc_id=f"{key}/job/{job.id}{suffix(loc)}", kind="job", title_zh=job.title.zh,
                             title_en=job.title.en, body=_body(job.duties, *job.requirements, p.name),
                             category=job.employment_type.value, **_place(loc), **common))
    for offer in listing.offers:
        first = offer.tiers[0].unit_price if offer.tiers else None
        origin = offer.origin.place if offer.origin is not None else None
        for loc in at(offer.location_id):
            docs.append(make(doc_id=f"{key}/offer/{offer.id}{suffix(loc)}", kind="offer",
                             title_zh=offer.name.zh, title_en=offer.name.en,
                             body=_body(offer.description, f"per {offer.unit}", origin, p.name),
                             category=offer.category,
                             price=first.amount if first else None, currency=first.currency if first else None,
                             **_place(loc), **common))
    return docs


class LocalIndex:
    """Feeds the text index from fetched catalogs and answers searches with result age."""

    def __init__(self, uow: DiscoveryUowFactory, clock: Clock, index: TextIndex, make_doc: DocFactory,
                 make_query: QueryFactory, reader: TextIndex | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._index = index
        # Queries may go through a separate read-only handle of the same index (on SQLite a
        # query must not take the write lock); its caches are invalidated after each write.
        self._reader = reader or index
        self._make_doc = make_doc
        self._make_query = make_query
        self._parsed: dict[str, tuple[str, Listing]] = {}  # index key → (catalog digest, its listing)
        # index key → (monotonic time read, the held catalog or None): a page of searches reads each
        # hit's catalog row (the whole signed document) once a second, not once a search.
        self._recent: dict[str, tuple[float, StoredCatalog | None]] = {}
        self._lock = threading.Lock()

    def on_catalog(self, catalog: StoredCatalog | None, subscriber_id: str, provider_id: str) -> None:
        """Catalog listener: (re)index a verified catalog, or drop one no longer published."""
        key = index_key(subscriber_id, provider_id)
        with self._lock:
            self._recent.pop(key, None)
        self._index.remove_provider(key)
        if catalog is None:
            self._invalidate_reader()
            return
        signed = json.loads(catalog.document)
        try:
            listing = listing_from_document(signed["listing"])
        except Exception as exc:  # noqa: BLE001 - a signed but unreadable catalog is skipped, not fatal
            log.warning("catalog %s of %s not indexed: %s", provider_id, subscriber_id, exc)
            return
        node_url = self._node_url(subscriber_id)
        docs = listing_documents(listing, subscriber_id, node_url, catalog.version, catalog.fetched_at,
                                 self._make_doc)
        self._index.add(docs)
        self._invalidate_reader()

    def _invalidate_reader(self) -> None:
        if self._reader is not self._index:
            self._reader.written_elsewhere()

    def _node_url(self, subscriber_id: str) -> str | None:
        with self._uow(read_only=True) as uow:
            row = uow.node_records.get(subscriber_id)
        if row is None:
            return None
        return str(json.loads(row.document)["record"]["url"])

    @property
    def quick(self) -> bool:
        """Whether :meth:`search` may run on the event loop: a thread hop costs more than such a query."""
        return self._reader.quick

    def search(self, **criteria: Any) -> list[dict[str, Any]]:
        """Run a query (``SearchQuery`` fields) and describe each hit with provider, location and age."""
        hits = self._reader.query(self._make_query(**criteria))
        now = self._clock.now()
        held = self._held({hit.provider_id for hit in hits})  # only the catalogs of the hits
        # Parsed listings are reused while their catalog's digest holds (parsing costs more than the query).
        with self._lock:
            listings = {k: kept[1] for k, c in held.items() if (kept := self._parsed.get(k)) and kept[0] == c.digest}
        if any(hit.kind == "offer" for hit in hits):  # provenance is judged with this node's trusted keys
            with self._uow(read_only=True) as uow:
                trusted = [TrustedKeys(uow.known_keys, now)]
                out = [row for hit in hits if (row := self._row(hit, held, listings, trusted, now)) is not None]
        else:
            out = [row for hit in hits if (row := self._row(hit, held, listings, [], now)) is not None]
        with self._lock:
            self._parsed.update({k: (held[k].digest, listing) for k, listing in listings.items()})
        return out

    def _held(self, keys: set[str]) -> dict[str, StoredCatalog]:
        """The held catalog of each index key (rows read within :data:`FRESH_FOR` are reused)."""
        found: dict[str, StoredCatalog] = {}
        stale: list[str] = []
        moment = time.monotonic()
        with self._lock:
            for key in keys:
                recent = self._recent.get(key)
                if recent is not None and moment - recent[0] < FRESH_FOR:
                    if recent[1] is not None:
                        found[key] = recent[1]
                else:
                    stale.append(key)
        if not stale:
            return found
        read: dict[str, StoredCatalog | None] = {}
        with self._uow(read_only=True) as uow:
            for key in stale:
                subscriber_id, _sep, provider_id = key.partition(KEY_SEP)
                read[key] = uow.peer_catalogs.get(subscriber_id, provider_id)
        with self._lock:
            if len(self._recent) + len(read) > MAX_RECENT:
                self._recent.clear()  # bounded; refilled by the next searches
            self._recent.update({key: (moment, catalog) for key, catalog in read.items()})
        found.update({key: catalog for key, catalog in read.items() if catalog is not None})
        return found

    @staticmethod
    def _row(hit: Any, held: dict[str, StoredCatalog], listings: dict[str, Listing], trusted: list[TrustedKeys],
             now: datetime) -> dict[str, Any] | None:
        """One result row; an offer's row also says its unit, minimum batch and provenance, judged
        with this node's trusted keys (a relisting it cannot prove is ``unverified``)."""
        catalog = held.get(hit.provider_id)
        if catalog is None:
            return None  # stale index row of a catalog since removed
        if hit.provider_id not in listings:
            listings[hit.provider_id] = listing_from_document(json.loads(catalog.document)["listing"])
        listing = listings[hit.provider_id]
        loc_id = hit.doc_id.rsplit("@", 1)[1] if "@" in hit.doc_id.rsplit("/", 1)[-1] else None
        loc = listing.provider.location(loc_id) if loc_id else None
        row: dict[str, Any] = {
            "provider_id": catalog.provider_id,
            "provider_name": {"zh": listing.provider.name.zh, "en": listing.provider.name.en},
            "bpp_id": catalog.subscriber_id,
            "bpp_uri": hit.node_url,
            "kind": hit.kind,
            "doc_id": hit.doc_id,
            "title": hit.title,
            "score": round(float(hit.score), 4),
            "why": list(hit.why),
            "price": None if hit.price is None else str(hit.price),
            "currency": hit.currency,
            "distance_km": None if hit.distance_km is None else round(hit.distance_km, 2),
            "location": None if loc is None else {
                "id": loc.id, "name": {"zh": loc.name.zh, "en": loc.name.en},
                "address": f"{loc.address.street}, {loc.address.locality}",
            },
            "source": "indexed",
            "fetched_at": catalog.fetched_at.isoformat(),
            "age_seconds": max(0, int((now - catalog.fetched_at).total_seconds())),
        }
        if hit.kind == "offer":
            offer_id = hit.doc_id.split("/offer/", 1)[1].split("@", 1)[0]
            offer = next((o for o in listing.offers if o.id == offer_id), None)
            if offer is not None:
                row.update(offer_view(offer, catalog.subscriber_id, trusted))
        if hit.kind == "job":  # how to apply, with the ad's phone numbers
            job_id = hit.doc_id.split("/job/", 1)[1].split("@", 1)[0]
            posting = next((j for j in listing.jobs if j.id == job_id), None)
            if posting is not None:
                row.update(posting_view(posting))
        return row
