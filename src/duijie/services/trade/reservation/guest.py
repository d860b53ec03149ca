"""The guest's question before booking: which slots of a day are free for my party? Asked of the seller.

Only the seller knows its bookings and blocks, so a guest node asks the seller's public
availability (``/api/providers/{id}/availability``, the same answer ``duijie book availability``
prints) through the node's :class:`~duijie.services.ports.Transport`, at the origin of the node
whose signed record publishes the provider (:class:`~duijie.services.held_listings.HeldListing`).
The answer is checked for shape before anyone is shown it: a peer's JSON is data, not trusted.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, urlencode

from duijie.protocol import jsonbytes
from duijie.services.errors import ServiceError
from duijie.services.held_listings import HeldListing
from duijie.services.ports import Transport

MAX_ANSWER_BYTES = 1_000_000
"""A day's slots of every room fit in far less; a larger answer is refused unread."""


class SellerUnavailable(ServiceError):
    """The seller's node could not be asked, or answered with something other than availability."""


class RoomAvailability:
    """Free slots of another node's rooms, asked of that node."""

    def __init__(self, transport: Transport, timeout: float = 10.0) -> None:
        self._transport = transport
        self._timeout = timeout

    async def day(self, held: HeldListing, day: str | None, party: int | None = None,
                  resource_id: str | None = None) -> dict[str, Any]:
        """The seller's availability of ``day`` (YYYY-MM-DD) for ``party``: per location, per resource,
        ``slots`` (local ISO 8601 start/end) or ``unfit`` (why the party does not fit).

        Raises :class:`SellerUnavailable` when the seller cannot be reached or answers badly, and
        :class:`ServiceError` naming the field when the seller refuses the question (a bad day).
        """
        if held.origin is None:
            raise SellerUnavailable(f"no address is known for the node of {held.listing.id}")
        query = {k: v for k, v in (("date", day), ("party", party), ("resource", resource_id)) if v is not None}
        url = f"{held.origin}/api/providers/{quote(held.listing.id, safe='')}/availability"
        if query:
            url += "?" + urlencode(query)
        try:
            async with asyncio.timeout(self._timeout):
                resp = await self._transport.send(url, b"", {"Accept": "application/json"})
        except Exception as exc:  # noqa: BLE001 - any failure to reach the peer is its unavailability
            raise SellerUnavailable(f"the node of {held.listing.id} did not answer: {exc}") from exc
        if len(resp.body) > MAX_ANSWER_BYTES:
            raise SellerUnavailable(f"the node of {held.listing.id} answered too much")
        try:
            data = jsonbytes.loads(resp.body)
        except ValueError:
            data = None
        if resp.status == 400 and isinstance(data, dict):
            found = data.get("error")
            error: dict[str, Any] = found if isinstance(found, dict) else {}
            raise ServiceError(str(error.get("message") or "refused"), field=_field(error))
        if resp.status != 200 or not _looks_like_availability(data):
            raise SellerUnavailable(f"the node of {held.listing.id} answered HTTP {resp.status}")
        answer: dict[str, Any] = data
        return answer


def _field(error: dict[str, Any]) -> str | None:
    found = error.get("field") or error.get("path")
    return str(found).removeprefix("$.") if found else None


def _looks_like_availability(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("locations"), list):
        return False
    for location in data["locations"]:
        if not isinstance(location, dict) or not isinstance(location.get("resources"), list):
            return False
        for resource in location["resources"]:
            if not isinstance(resource, dict) or not isinstance(resource.get("slots", []), list):
                return False
            if any(not isinstance(s, dict) or not isinstance(s.get("start"), str) or not isinstance(s.get("end"), str)
                   for s in resource.get("slots", [])):
                return False
    return True
