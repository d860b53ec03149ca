"""Merchant-signed catalogs: a provider's listing with its node's detached signature.

A catalog travels between peers separately from the node record that names its digest; it is
believed only when the digest equals the record's entry and the signature is by a key that
record lists (:func:`catalog_problem`), so a peer or gateway that altered or substituted one is
caught.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.records import NodeRecord, RecordFormatError, RecordSignature, signature_from_dict
from duijie.protocol.signing import body_digest


@dataclass(frozen=True, slots=True)
class SignedCatalog:
    """A provider's listing document with the node's detached signature over its canonical bytes."""

    subscriber_id: str
    provider_id: str
    version: int
    listing: dict[str, Any]
    signature: RecordSignature

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "duijie.signed-catalog/1",
            "subscriber_id": self.subscriber_id,
            "provider_id": self.provider_id,
            "version": self.version,
            "listing": self.listing,
            "signature": self.signature.to_dict(),
        }


def catalog_from_dict(data: Any) -> SignedCatalog:
    """Parse a signed catalog; raises :class:`RecordFormatError`."""
    try:
        listing = data["listing"]
        if not isinstance(listing, dict):
            raise RecordFormatError("listing must be an object")
        return SignedCatalog(str(data["subscriber_id"]), str(data["provider_id"]), int(data["version"]),
                             listing, signature_from_dict(data["signature"]))
    except RecordFormatError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordFormatError(f"not a signed catalog: {exc}") from exc


def catalog_digest(listing: Mapping[str, Any]) -> str:
    """The digest a record carries for a listing document (same as the catalog service's)."""
    return body_digest(canonical_bytes(listing))


def catalog_problem(catalog: SignedCatalog, record: NodeRecord) -> str | None:
    """Why ``catalog`` must be refused given its owner's verified ``record``; None when sound.

    The digest must equal the record's entry and the signature must be by a key the record
    lists: a gateway or peer that altered or substituted a catalog is caught here.
    """
    if catalog.subscriber_id != record.subscriber_id:
        return "catalog names another subscriber"
    entry = record.provider(catalog.provider_id)
    if entry is None:
        return f"{record.subscriber_id} does not list provider {catalog.provider_id!r}"
    data = canonical_bytes(catalog.listing)
    if body_digest(data) != entry.digest:
        return "catalog digest does not match the node record"
    key = record.key(catalog.signature.unique_key_id)
    if key is None or key.signing_public_key != catalog.signature.signing_public_key:
        return "catalog signed by a key the record does not list"
    if not catalog.signature.verifies(data):
        return "catalog signature does not verify"
    return None
