"""The listing a trade request is priced against: named by the request, or the node's only one."""

from __future__ import annotations

from duijie.domain.listing import Listing
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.mapping import MappingError
from duijie.services.ports import UnitOfWork
from duijie.services.trade.kinds import Refused


def listing_of(uow: UnitOfWork, provider_id: str) -> Listing:
    """The listing of ``provider_id`` on this node; PROVIDER_NOT_FOUND otherwise."""
    stored = uow.listings.get(provider_id)
    if stored is None:
        raise Refused(BecknErrorCode.PROVIDER_NOT_FOUND, f"no provider {provider_id!r} on this node")
    return stored.listing


def named_listing(uow: UnitOfWork, provider_id: str | None) -> Listing:
    """The listing a request names (``order.provider.id``); a node hosting one provider needs no name."""
    if provider_id is None:
        summaries = uow.listings.summaries()
        if len(summaries) != 1:
            raise MappingError(
                BecknErrorCode.PROVIDER_NOT_FOUND, "name the provider (order.provider.id)", "message.order.provider.id"
            )
        provider_id = summaries[0].provider_id
    return listing_of(uow, provider_id)
