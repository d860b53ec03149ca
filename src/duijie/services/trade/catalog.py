"""Use cases of a merchant's listing: import, export, read, and open-at-a-time questions."""

from __future__ import annotations

import gc
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from duijie.domain.errors import Issue, ValidationFailed
from duijie.domain.hours import HoursState, zone
from duijie.domain.listing import Listing
from duijie.domain.listing_problems import ListingProblem, Reason
from duijie.interchange.listing_json import dump_document, listing_from_document, listing_to_document
from duijie.interchange.menu_csv import read_menu_csv, write_menu_csv
from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.signing import body_digest
from duijie.services.errors import Conflict, NotFound
from duijie.services.ports import Clock, ListingSummary, StoredListing, UnitOfWorkFactory

DocumentEdit = Callable[[dict[str, Any]], None]
"""A change to a listing, made in place on its ``duijie.listing/1`` document (a page's form)."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: the provider, its version now, and whether anything changed."""

    provider_id: str
    version: int
    digest: str
    changed: bool


def canonical_document(document: dict[str, object]) -> bytes:
    """The listing document's canonical bytes (:func:`~duijie.protocol.canonical.canonical_bytes`),
    encoded member by member.

    A canonical object is ``{`` + its members in key order + ``}``, so encoding each top-level
    member alone gives the same bytes. It matters for speed: the coordinates (floats) in
    ``provider`` send their member down the checked slow path, which on the whole document would
    take the catalog's 10,000 items with it; alone, the catalog takes the fast encoder.
    """
    members = (canonical_bytes({key: document[key]})[1:-1] for key in sorted(document))
    return b"{" + b",".join(members) + b"}"


def compact_document(document: dict[str, object]) -> str:
    """How a listing is kept in the database: its canonical text (sorted, compact, UTF-8)."""
    return canonical_document(document).decode("utf-8")


def listing_digest(document: dict[str, object]) -> str:
    """The digest peers compare to decide whether to fetch a catalog again."""
    return body_digest(canonical_document(document))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause CPython's cycle collector while a bulk import builds its objects.

    A 10,000-row menu makes a few hundred thousand objects that hold no cycles (reference
    counting frees them). At the default thresholds the collector still ran a pass every 700 new
    ones, re-walking the growing menu each time it reached the older generations: measured, a
    quarter to two fifths of the import's CPU. It resumes as it was, even after an error.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class CatalogService:
    """Reads and writes the listings this node hosts."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._clock = clock
        # Called after a listing changed (e.g. discovery re-issues the node record).
        self.change_listeners: list[Callable[[Listing], None]] = []
        self._view_cache: dict[str, tuple[int, bytes, float]] = {}
        self._lock = threading.Lock()

    def save_listing(self, listing: Listing, *, expected_version: int | None = None) -> ImportResult:
        """Validate and store ``listing``; an unchanged listing keeps its version.

        With ``expected_version``, a listing whose stored version is another (someone saved in
        between) is refused with ``Conflict`` and nothing is stored.
        """
        issues = listing.validate()
        if issues:
            raise ValidationFailed(issues)
        # One encoding serves both: the stored text is the canonical text the digest is taken of.
        canonical = canonical_document(listing_to_document(listing))
        digest = body_digest(canonical)
        with self._uow() as uow:
            current = uow.listings.digest_of(listing.provider.id)
            if expected_version is not None and (current is None or current[0] != expected_version):
                raise Conflict("the listing changed since this form was opened: reload it and make the change again")
            if current is not None and current[1] == digest:
                return ImportResult(listing.provider.id, current[0], digest, changed=False)
            version = uow.listings.put(listing, canonical.decode("utf-8"), digest, self._clock.now())
            uow.commit()
        with self._lock:
            self._view_cache.pop(listing.provider.id, None)  # this process serves the new version at once
        for listener in self.change_listeners:
            listener(listing)
        return ImportResult(listing.provider.id, version, digest, changed=True)

    def import_document(self, document: object) -> ImportResult:
        """Import a whole listing document; every problem is reported, nothing half-stored."""
        listing = listing_from_document(document)
        return self.save_listing(listing)

    def check_edit(self, provider_id: str, edit: DocumentEdit) -> Listing:
        """The provider's listing with ``edit`` applied to its document, read back exactly as an
        import reads a file (``ValidationFailed`` with every problem, each at its JSON path).
        Nothing is stored; the provider's id cannot change this way."""
        document = listing_to_document(self.listing(provider_id).listing)
        edit(document)
        provider = document.get("provider")
        if not isinstance(provider, dict) or provider.get("id") != provider_id:
            issue = Issue("$.provider.id", Reason(ListingProblem.PROVIDER_ID_CHANGED, id=provider_id))
            raise ValidationFailed([issue])
        return listing_from_document(document)

    def edit_listing(self, provider_id: str, edit: DocumentEdit, *, expected_version: int | None = None,
                     ) -> ImportResult:
        """One validated update of a listing (see :meth:`check_edit`): stored whole, or not at all."""
        return self.save_listing(self.check_edit(provider_id, edit), expected_version=expected_version)

    def export_document(self, provider_id: str) -> str:
        """The listing in its stable text form (export → import → export is byte-identical)."""
        return dump_document(listing_to_document(self.listing(provider_id).listing))

    def import_menu_csv(self, provider_id: str, text: str, source: str = "menu.csv") -> ImportResult:
        """Replace the provider's menu with the one in a spreadsheet CSV."""
        stored = self.listing(provider_id)
        with _collector_paused():
            catalog = read_menu_csv(text, source=source)
            return self.save_listing(stored.listing.with_catalog(catalog))

    def export_menu_csv(self, provider_id: str) -> str:
        return write_menu_csv(self.listing(provider_id).listing.catalog)

    def providers(self) -> list[ListingSummary]:
        with self._uow(read_only=True) as uow:
            return uow.listings.summaries()

    def listing(self, provider_id: str) -> StoredListing:
        with self._uow(read_only=True) as uow:
            stored = uow.listings.get(provider_id)
        if stored is None:
            raise NotFound(f"no provider {provider_id!r} on this node", field="provider_id")
        return stored

    def cached_view(self, provider_id: str, max_age: float = 1.0) -> bytes | None:
        """The cached view if it was checked within ``max_age`` seconds; no I/O."""
        cached = self._view_cache.get(provider_id)
        if cached is not None and time.monotonic() - cached[2] < max_age:
            return cached[1]
        return None

    def listing_view(self, provider_id: str, max_age: float = 1.0) -> bytes:
        """The JSON API view of a listing, as bytes, cached per version.

        The hot read path: re-checks the stored version at most every ``max_age`` seconds, so
        a change made by another process (the CLI) shows within that time.
        """
        now = time.monotonic()
        cached = self._view_cache.get(provider_id)
        if cached is not None and now - cached[2] < max_age:
            return cached[1]
        with self._uow(read_only=True) as uow:
            version = uow.listings.version_of(provider_id)
            if version is None:
                raise NotFound(f"no provider {provider_id!r} on this node", field="provider_id")
            if cached is not None and cached[0] == version:
                body = cached[1]
            else:
                stored = uow.listings.get(provider_id)
                assert stored is not None
                head = {
                    "provider_id": provider_id,
                    "version": stored.version,
                    "digest": stored.digest,
                    "updated_at": stored.updated_at.isoformat(),
                }
                # The stored document is already compact JSON: splice it in rather than re-encode.
                body = (json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
                        + ',"listing":' + stored.document + "}").encode()
                version = stored.version
        with self._lock:
            self._view_cache[provider_id] = (version, body, now)
        return body

    def open_status(self, provider_id: str, at: datetime) -> list[dict[str, object]]:
        """For each location: open or not at ``at``, and when that next changes (local time)."""
        listing = self.listing(provider_id).listing
        out: list[dict[str, object]] = []
        for location in listing.provider.locations:
            status = listing.open_status(location.id, at)
            local = at.astimezone(zone(location.time_zone))
            out.append(
                {
                    "location_id": location.id,
                    "time_zone": location.time_zone,
                    "at": local.isoformat(),
                    "state": status.state.value,
                    "open": status.state is HoursState.OPEN,
                    "next_change": status.next_change.isoformat() if status.next_change else None,
                    "next_state": status.next_state.value if status.next_state else None,
                }
            )
        return out
