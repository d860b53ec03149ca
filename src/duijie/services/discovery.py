"""The record store of discovery: this node's own record, and peers' records verified on entry.

A record relayed by a peer is a hint (docs/TRUST.md): :class:`~duijie.services.record_intake.RecordIntake`
stores it, and so lets this node re-serve it, only once it is confirmed. The ``from`` URL of a
caller is only a candidate peer, which must answer for itself before it is polled.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.identity import IdentityAddresses
from duijie.protocol.keys import NodeKeys
from duijie.protocol.records import (
    Check,
    NodeRecord,
    ProviderEntry,
    RecordKey,
    RecordSignature,
    SignedRecord,
    record_from_dict,
    sign_record,
)
from duijie.protocol.signed_catalogs import SignedCatalog
from duijie.services.discovery_ports import (
    MAX_CANDIDATES,
    MAX_PEERS,
    DiscoveryUnitOfWork,
    DiscoveryUowFactory,
    PeerKind,
)
from duijie.services.ports import Clock, ListingSummary, StoredListing
from duijie.services.record_intake import Authority, RecordIntake

__all__ = ["MAX_PAGE", "MAX_PEERS", "DiscoveryUnitOfWork", "DiscoveryUowFactory", "OwnNode", "RecordStore",
           "peer_origin", "sign_record_bytes"]

log = logging.getLogger("duijie.discovery")

#: Largest page a peer may ask for (``GET /peers/records?limit=``).
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class OwnNode:
    """What this node says about itself in its record."""

    subscriber_id: str
    url: str
    roles: tuple[str, ...]
    domains: tuple[str, ...] = ("*",)
    record_ttl: timedelta = timedelta(hours=1)

    @property
    def peer_url(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _rough(point: tuple[float, float] | None) -> tuple[float, float] | None:
    # A record says roughly where the node trades (about 10 km), not a street address.
    return None if point is None else (round(point[0], 1), round(point[1], 1))


class RecordStore:
    """Own record publication and verified intake of peers' records."""

    def __init__(
        self,
        uow: DiscoveryUowFactory,
        clock: Clock,
        own: OwnNode,
        own_keys: Callable[[], Sequence[NodeKeys]],
        listings: Callable[[], list[ListingSummary]],
        listing: Callable[[str], StoredListing],
        authority: Authority | None = None,
        addresses: IdentityAddresses | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.own = own
        self._own_keys = own_keys
        self._listings = listings
        self._listing = listing
        self.addresses = addresses or IdentityAddresses()
        self.intake = RecordIntake(uow, clock, own.subscriber_id, own.peer_url, authority, self.addresses)
        self._location: tuple[float, float] | None = None
        self._parsed: dict[str, SignedRecord] = {}

    # ---- own record --------------------------------------------------------------------------
    def publish_self(self, *, force: bool = False) -> SignedRecord:
        """Re-issue this node's record when its catalogs changed or half its life passed."""
        now = self._clock.now()
        providers = tuple(ProviderEntry(s.provider_id, s.digest, s.version) for s in self._listings())
        with self._uow() as uow:
            current = uow.node_records.get(self.own.subscriber_id)
            previous = record_from_dict(json.loads(current.document)) if current else None
            keys = [k for k in self._own_keys() if k.is_valid_at(now)]
            signing = max(keys, key=lambda k: k.valid_from)
            if previous is not None and not force:
                half_life = previous.record.expires_at - self.own.record_ttl / 2
                same_key = previous.signature.unique_key_id == signing.unique_key_id
                if previous.record.providers == providers and now < half_life and same_key:
                    return previous
            record = NodeRecord(
                subscriber_id=self.own.subscriber_id,
                url=self.own.url,
                peer_url=self.own.peer_url,
                roles=self.own.roles,
                keys=tuple(
                    RecordKey(k.unique_key_id, k.signing.public_key_base64(), k.encryption.public_key_base64(),
                              k.valid_from, k.valid_until)
                    for k in keys
                ),
                domains=self.own.domains,
                location=_rough(self._provider_location(providers)),
                providers=providers,
                issued_at=now,
                expires_at=now + self.own.record_ttl,
                # Seconds since the epoch at least: a node whose database was lost still moves forward.
                sequence=max(previous.record.sequence + 1 if previous else 1, int(now.timestamp())),
            )
            endorse = None
            if previous is not None and previous.signature.unique_key_id != signing.unique_key_id:
                # Key rotated: the old key (still in the ring) vouches for the new one.
                old = next((k for k in self._own_keys() if k.unique_key_id == previous.signature.unique_key_id), None)
                endorse = (old.signing, old.unique_key_id) if old is not None else None
            signed = sign_record(record, signing.signing, signing.unique_key_id, endorse)
            uow.node_records.put(self.own.subscriber_id, record.sequence, _utc(record.expires_at),
                                 json.dumps(signed.to_dict(), ensure_ascii=False), now)
            uow.commit()
        log.info("published own record #%d (%d providers)", record.sequence, len(providers))
        return signed

    def _provider_location(self, providers: tuple[ProviderEntry, ...]) -> tuple[float, float] | None:
        if self._location is None and providers:
            for loc in self._listing(providers[0].provider_id).listing.provider.locations:
                if loc.geo is not None:
                    self._location = (loc.geo.lat, loc.geo.lon)
                    break
        return self._location

    def own_record(self) -> dict[str, Any]:
        return self.publish_self().to_dict()

    def sign_catalog(self, provider_id: str) -> SignedCatalog:
        """The merchant-signed catalog of a provider this node hosts."""
        stored = self._listing(provider_id)
        listing = json.loads(stored.document)
        now = self._clock.now()
        keys = max((k for k in self._own_keys() if k.is_valid_at(now)), key=lambda k: k.valid_from)
        signed = sign_record_bytes(keys, listing)
        return SignedCatalog(self.own.subscriber_id, provider_id, stored.version, listing, signed)

    # ---- serving -----------------------------------------------------------------------------
    def records_page(self, since: str | None, limit: int, caller: str | None = None) -> dict[str, Any]:
        """Verified records changed after cursor ``since``, at most ``limit`` (≤ MAX_PAGE).

        ``caller`` (the asking node's base URL) becomes a *candidate* only: it is polled once it
        answered ``/peers/self`` with a valid record of its own for an identity bound to it.
        """
        url = peer_origin(caller) if caller else None
        if url is not None and url != self.own.peer_url:
            self.add_candidate(url)
        try:
            cursor = max(int(since), 0) if since else 0
        except ValueError:
            cursor = 0
        limit = max(1, min(limit, MAX_PAGE))
        with self._uow(read_only=True) as uow:
            rows = uow.node_records.changed_since(cursor, limit + 1, self._clock.now())
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = rows[-1].change_seq if rows else cursor
        return {"records": [json.loads(r.document) for r in rows], "next": str(next_cursor), "more": more}

    def add_candidate(self, url: str) -> None:
        """Remember ``url`` as a candidate (capped: the oldest candidates make room)."""
        with self._uow(read_only=True) as uow:  # the usual caller is known: no write lock for it
            if uow.peers.get(url) is not None:
                return
        with self._uow() as uow:
            if uow.peers.add(url, None, PeerKind.CANDIDATE, self._clock.now()):
                uow.peers.evict(PeerKind.CANDIDATE, MAX_CANDIDATES)
                uow.commit()

    def records(self) -> list[SignedRecord]:
        """Every valid verified record, own included."""
        with self._uow(read_only=True) as uow:
            rows = uow.node_records.valid(self._clock.now())
        return [self._parse(r.document) for r in rows]

    def record_of(self, subscriber_id: str) -> SignedRecord | None:
        with self._uow(read_only=True) as uow:
            row = uow.node_records.get(subscriber_id)
        if row is None or row.expires_at <= self._clock.now():
            return None
        return record_from_dict(json.loads(row.document))

    # ---- intake ------------------------------------------------------------------------------
    async def accept(self, data: Any, *, full: bool = False) -> tuple[Check, SignedRecord | None]:
        """Verify one record and store it when it is sound and newer (see :class:`RecordIntake`)."""
        return await self.intake.accept(data, full=full)

    async def accept_page(self, items: list[Any], *, full: bool = False) -> list[tuple[Check, SignedRecord | None]]:
        """Verify a page of records and store the sound, newer ones (see :class:`RecordIntake`)."""
        return await self.intake.accept_page(items, full=full)

    def _parse(self, document: str) -> SignedRecord:
        # Records are re-read every round; parse each stored text once.
        cached = self._parsed.get(document)
        if cached is None:
            if len(self._parsed) > 10_000:
                self._parsed.clear()
            cached = self._parsed[document] = record_from_dict(json.loads(document))
        return cached

def peer_origin(url: str) -> str | None:
    """``scheme://host[:port]`` of a caller's base URL, or None when it is not a plain http(s) origin."""
    if len(url) > 300:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def sign_record_bytes(keys: NodeKeys, document: dict[str, Any]) -> RecordSignature:
    """A detached signature by ``keys`` over the canonical bytes of ``document``."""
    sig = keys.signing.sign(canonical_bytes(document))
    return RecordSignature(keys.unique_key_id, keys.signing.public_key_base64(), base64.b64encode(sig).decode())
