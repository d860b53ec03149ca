"""Where an organizer gets a producer's signed offer (``duijie.offer/1``) to embed in a pool: the
producer's node publishes it at ``GET {origin}/api/providers/{provider}/offers/{offer}/signed``.

The port has one method; the adapters are :class:`~duijie.transport.offer_fetch.HttpSignedOffers`
(aiohttp, beside the node's POST-only Beckn transport) and its in-process sibling
:class:`~duijie.transport.offer_fetch.MockSignedOffers`. What is fetched is only a claim: the pool
service verifies it back to the producer before the pool embeds it.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from duijie.services.errors import ServiceError

MAX_OFFER_BYTES = 256_000
"""A signed offer larger than this is refused (one offer with its origin is a few kilobytes)."""


class OfferUnreachable(ServiceError):
    """The producer's node could not be reached, or did not answer with a signed offer."""


class OfferNotSigned(ServiceError):
    """The producer's node answered that it signs no such offer (unknown, or stating no origin)."""


class SignedOfferSource(Protocol):
    """Fetches a producer's signed offer from its node."""

    async def signed_offer(self, producer_uri: str, provider_id: str, offer_id: str) -> dict[str, Any]:
        """The signed offer ``offer_id`` of ``provider_id`` from the node whose Beckn URL is
        ``producer_uri``; raises :class:`OfferUnreachable` or :class:`OfferNotSigned`."""
        ...


def signed_offer_url(producer_uri: str, provider_id: str, offer_id: str) -> str:
    """The producer node's public URL of the signed offer (its API beside its ``/beckn`` endpoint)."""
    parts = urlsplit(producer_uri.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OfferUnreachable(f"the producer's address {producer_uri!r} is not an http(s) URL", field="producer_uri")
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/').removesuffix('/beckn')}"
    return f"{base}/api/providers/{quote(provider_id, safe='')}/offers/{quote(offer_id, safe='')}/signed"
