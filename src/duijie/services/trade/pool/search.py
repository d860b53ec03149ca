"""Open pools in the organizer's ``on_search``: each an item of the provider it is listed under.

A search finds a pool by its offer's name, id, category or unit, by a word for pools (``pool``,
``云拼``, ``拼单``...), or by the category ``pool``; a search with no text and no category lists
every open pool. The provider filters (id, name, place) apply as they do to the menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from duijie.domain.listing import Listing
from duijie.domain.pools import Pool, PoolState
from duijie.protocol import mapping as m
from duijie.protocol.mapping import pools as pm
from duijie.protocol.mapping.catalog import provider_in
from duijie.services.local_search import match_listing
from duijie.services.trade.pool.ports import PoolUnitOfWork

POOL_WORDS = frozenset({"pool", "pools", "group buy", "云拼", "拼单", "拼团", "团购"})


def _matches(pool: Pool, needle: str) -> bool:
    offer = pool.terms.offer
    return (needle in POOL_WORDS or needle in pool.id.lower() or needle == offer.id.lower()
            or needle in offer.name.both("\n").lower() or needle == (offer.category or "").lower())


def with_pools(uow: PoolUnitOfWork, listings: Sequence[Listing], criteria: m.SearchCriteria,
               providers: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """``providers`` with the matching open pools added as items (a provider added when only its
    pools matched)."""
    pools = uow.pools.recent((PoolState.OPEN,))
    if not pools:
        return providers
    if criteria.category and criteria.category.strip().lower() != pm.POOL_CATEGORY:
        return providers
    where = m.SearchCriteria(provider_id=criteria.provider_id, provider_text=criteria.provider_text,
                             gps=criteria.gps, radius_km=criteria.radius_km)
    hosts = {listing.id: listing for listing in listings if match_listing(listing, where) is not None}
    needles = [t.strip().lower() for t in (criteria.item_text, criteria.text) if t and t.strip()]
    for stored in pools:
        listing = hosts.get(stored.listed_under)
        if listing is None or not all(_matches(stored.pool, n) for n in needles):
            continue
        provider = provider_in(providers, listing)
        item = pm.pool_item(stored.pool, stored.pool.progress(now), stored.signed_terms)
        provider.setdefault("items", []).append(item)
    return providers
