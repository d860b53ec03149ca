"""What the kinds' parts of a seller's ``on_search`` share: narrowing a listing's things by the search's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from duijie.domain.listing import Listing
from duijie.protocol import mapping as m

T = TypeVar("T")


def narrowed(found: tuple[T, ...], listing: Listing, c: m.SearchCriteria, words: frozenset[str],
             matches: Callable[[T, str], bool]) -> tuple[T, ...]:
    """``found`` narrowed by each of ``c``'s words (item text, then text): a word for the kind
    (one of ``words``) keeps them, a word some of them match keeps those, a word naming the
    listing's provider keeps them, any other word leaves none."""
    provider = listing.provider
    for needle in (t.strip().lower() for t in (c.item_text, c.text) if t and t.strip()):
        if needle in words:
            continue
        hits = tuple(x for x in found if matches(x, needle))
        if hits:
            found = hits
        elif not any(t is not None and needle in t.both("\n").lower() for t in (provider.name, provider.description)):
            return ()
    return found
