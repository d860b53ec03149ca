"""Search for people: ask the network now, and merge its answers with the local index.

The buyer node sends one signed Beckn ``search`` to the gateways it knows (node records with role
BG) — or, when it knows none or none takes the search, straight to the BPPs it knows — and
collects the ``on_search`` answers for a bounded time. The live answers are indexed in a scratch
index (in memory, thrown away after the query) so the same text, place, hours, price and diet
filters and the same ranking apply to them as to the local index of merchant-signed catalogs.

Every result says where it comes from: ``live`` (answered now, age 0) or ``indexed`` (the
catalog's age). A thing both sources know — same seller, provider, item and location — is shown
once, the live version. Results are then interleaved seller by seller, so one seller's long
menu cannot push every other seller that answered off the page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from duijie.protocol.receipts import KeySource
from duijie.protocol.records import SignedRecord
from duijie.protocol.roles import Role
from duijie.services.buyer import BuyerService
from duijie.services.index import LocalIndex, TextIndex
from duijie.services.live_answers import DocFactory, LiveAnswer, answer_documents, answers_of, describe_live
from duijie.services.ports import Clock

DEFAULT_WAIT = 2.0
"""Seconds to wait for answers unless told otherwise."""
MAX_WAIT = 10.0
MAX_DIRECT = 32
WIDEN = 5
MAX_ROWS = 500
"""BPPs asked directly when no gateway takes the search (the nearest in the record order)."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where the search is sent: a gateway or a BPP."""

    subscriber_id: str
    url: str
    role: Role

    def to_dict(self) -> dict[str, str]:
        return {"subscriber_id": self.subscriber_id, "url": self.url, "role": self.role.value}


def search_intent(criteria: dict[str, Any]) -> dict[str, Any]:
    """The Beckn ``intent`` for the criteria a seller can apply itself: text, place and category."""
    intent: dict[str, Any] = {}
    if criteria.get("text"):
        intent["item"] = {"descriptor": {"name": criteria["text"]}}
    if criteria.get("category"):
        intent["category"] = {"id": criteria["category"]}
    near = criteria.get("near")
    if near is not None:
        radius = criteria.get("within_km") or 10.0
        intent["fulfillment"] = {"stops": [{"location": {"circle": {
            "gps": f"{near[0]}, {near[1]}", "radius": {"type": "CONSTANT", "value": f"{radius:g}", "unit": "km"},
        }}}]}
    return intent


def interleave(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Round-robin over sellers' providers, each keeping its own order, in order of first appearance."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["bpp_id"], row["provider_id"]), []).append(row)
    out: list[dict[str, Any]] = []
    depth = 0
    while len(out) < sum(len(g) for g in groups.values()):
        out += [g[depth] for g in groups.values() if depth < len(g)]
        depth += 1
    return out


def merge(indexed: list[dict[str, Any]], live: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Indexed rows in their rank, each replaced by its live version when one exists; then the live
    rows the index lacks; one row per ``doc_id``; interleaved by seller; at most ``limit``."""
    fresh = {row["doc_id"]: row for row in live}
    merged: dict[str, dict[str, Any]] = {}
    for row in indexed:
        merged.setdefault(row["doc_id"], fresh.get(row["doc_id"], row))
    for row in live:
        merged.setdefault(row["doc_id"], row)
    return interleave(merged.values())[:limit]


class LiveSearch:
    """``duijie search`` for people: the network's answers now, merged with the local index."""

    def __init__(self, buyer: BuyerService, records: Callable[[], list[SignedRecord]], own_id: str,
                 local: LocalIndex | None, scratch: Callable[[], TextIndex], make_doc: DocFactory,
                 make_query: Callable[..., Any], clock: Clock) -> None:
        self._buyer = buyer
        self._records = records
        self._own = own_id
        self._local = local
        self._scratch = scratch
        self._make_doc = make_doc
        self._make_query = make_query
        self._clock = clock
        self.offer_keys: Sequence[KeySource] = ()  # whose keys prove a live offer's provenance (bootstrap)

    def targets(self) -> tuple[list[Target], list[Target]]:
        """(gateways, BPPs) this node knows from verified node records, itself excluded."""
        gateways, sellers = [], []
        for signed in self._records():
            r = signed.record
            if r.subscriber_id == self._own:
                continue
            if Role.BG in r.roles:
                gateways.append(Target(r.subscriber_id, r.url, Role.BG))
            if Role.BPP in r.roles and r.providers:
                sellers.append(Target(r.subscriber_id, r.url, Role.BPP))
        return gateways, sellers

    async def search(self, criteria: dict[str, Any], *, live: bool | None = None,
                     wait: float = DEFAULT_WAIT) -> dict[str, Any]:
        """Search; ``live`` None means: live when this node knows any gateway or seller."""
        limit = int(criteria.get("limit") or 20)
        # Each source is asked for more than the page holds: the merge interleaves sellers.
        wide = {**criteria, "limit": min(limit * WIDEN, MAX_ROWS)}
        indexed: list[dict[str, Any]] = []
        if self._local is not None:
            local = self._local
            indexed = local.search(**wide) if local.quick else await asyncio.to_thread(lambda: local.search(**wide))
        gateways, sellers = await asyncio.to_thread(self.targets) if live is not False else ([], [])
        if live is None:
            live = bool(gateways or sellers)
        report: dict[str, Any] | None = None
        rows: list[dict[str, Any]] = []
        if live:
            rows, report = await self._ask(wide, gateways, sellers, min(max(wait, 0.0), MAX_WAIT))
        return {"query": criteria.get("text"), "results": merge(indexed, rows, limit), "live": report}

    async def _ask(self, criteria: dict[str, Any], gateways: list[Target], sellers: list[Target],
                   wait: float) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        intent = search_intent(criteria)
        expect = {t.subscriber_id for t in sellers}
        asked = gateways or sellers[:MAX_DIRECT]
        started = self._clock.now()
        callbacks, failed = await self._buyer.search_network(intent, [t.url for t in asked], wait=wait,
                                                             expect=expect)
        if gateways and len(failed) == len(gateways) and sellers:
            # No gateway took the search (all down, or refusing): ask the sellers themselves.
            direct = sellers[:MAX_DIRECT]
            more, failed_direct = await self._buyer.search_network(intent, [t.url for t in direct], wait=wait,
                                                                   expect=expect)
            callbacks, asked, failed = callbacks + more, asked + direct, {**failed, **failed_direct}
        answers = answers_of(callbacks)
        rows = await asyncio.to_thread(self._rank, answers, criteria)
        elapsed = (self._clock.now() - started).total_seconds()
        report = {
            "asked": [t.to_dict() for t in asked],
            "answered": sorted({cb.bpp_id for cb in callbacks if cb.bpp_id}),
            "failed": failed,
            "wait_seconds": wait,
            "took_seconds": round(elapsed, 3),
        }
        return rows, report

    def _rank(self, answers: list[LiveAnswer], criteria: dict[str, Any]) -> list[dict[str, Any]]:
        """Index the live answers in a scratch index and run the same query on them."""
        if not answers:
            return []
        now = self._clock.now()
        by_key: dict[str, LiveAnswer] = {}
        docs: list[Any] = []
        for answer in answers:
            if answer.key in by_key:
                continue  # the same provider twice (two gateways relayed one answer): the first counts
            by_key[answer.key] = answer
            docs += answer_documents(answer, self._make_doc, now)
        index = self._scratch()
        index.add(docs)
        hits = index.query(self._make_query(**criteria))
        return [describe_live(hit, by_key[hit.provider_id], now, self.offer_keys)
                for hit in hits if hit.provider_id in by_key]
