"""SQL repository of the listings a node hosts."""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update

from duijie.domain.listing import Listing
from duijie.interchange.listing_json import listing_from_document
from duijie.services.ports import ListingSummary, StoredListing
from duijie.storage.prepared import Prepared
from duijie.storage.tables import listings
from duijie.storage.timestamps import as_utc

_GET = Prepared(select(listings).where(listings.c.provider_id == bindparam("p_id")))  # run per message
_SUMMARIES = Prepared(
    select(listings.c.provider_id, listings.c.version, listings.c.digest, listings.c.updated_at)
    .order_by(listings.c.provider_id)
)

_PARSED: OrderedDict[str, Listing] = OrderedDict()
_PARSED_MAX = 64


def _parsed(digest: str, document: str) -> Listing:
    """Parsed listings by digest: a listing is immutable, and parsing a menu costs milliseconds."""
    found = _PARSED.get(digest)
    if found is None:
        found = listing_from_document(json.loads(document))
        _PARSED[digest] = found
        if len(_PARSED) > _PARSED_MAX:
            _PARSED.popitem(last=False)
    else:
        _PARSED.move_to_end(digest)
    return found


class SqlListingRepository:
    """Listings stored as their interchange document plus version and digest columns."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, provider_id: str) -> StoredListing | None:
        row = _GET.run(self._conn, {"p_id": provider_id}).first()
        if row is None:
            return None
        listing = _parsed(row.digest, row.document)
        return StoredListing(listing, row.version, row.digest, row.document, as_utc(row.updated_at))

    def version_of(self, provider_id: str) -> int | None:
        return self._conn.execute(
            select(listings.c.version).where(listings.c.provider_id == provider_id)
        ).scalar_one_or_none()

    def digest_of(self, provider_id: str) -> tuple[int, str] | None:
        row = self._conn.execute(
            select(listings.c.version, listings.c.digest).where(listings.c.provider_id == provider_id)
        ).first()
        return (row.version, row.digest) if row is not None else None

    def summaries(self) -> list[ListingSummary]:
        rows = _SUMMARIES.run(self._conn).all()
        return [ListingSummary(r.provider_id, r.version, r.digest, as_utc(r.updated_at)) for r in rows]

    def put(self, listing: Listing, document: str, digest: str, now: datetime) -> int:
        provider_id = listing.provider.id
        current = self.version_of(provider_id)
        if current is None:
            self._conn.execute(
                insert(listings).values(
                    provider_id=provider_id, version=1, digest=digest, document=document, updated_at=now
                )
            )
            return 1
        self._conn.execute(
            update(listings)
            .where(listings.c.provider_id == provider_id)
            .values(version=current + 1, digest=digest, document=document, updated_at=now)
        )
        return current + 1
