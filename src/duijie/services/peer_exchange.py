"""Peer exchange: poll peers for records changed since a cursor, fetch catalogs whose digest moved.

Each round asks at most ``fanout`` peers (a random choice, so news spreads like gossip:
rounds to reach every node grow with log N), reads bounded pages, verifies every record
through the :class:`~duijie.services.discovery.RecordStore`, and fetches a catalog only when
the digest in a verified record differs from the one held. Slow or dead peers are cut off
by timeouts and backed off; oversized answers are refused.

Peers are earned (docs/TRUST.md): rounds poll only peers and operator peers; each round also
probes a few candidates' ``/peers/self``, and a candidate whose answer is a valid record of
its own, for an identity bound to its URL, becomes a peer. A peer that sends forged or
unbound records is counted against; past ``refusal_limit`` it is dropped (an operator peer is
backed off instead).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from duijie.protocol.records import RecordFormatError, SignedRecord
from duijie.protocol.signed_catalogs import SignedCatalog, catalog_from_dict, catalog_problem
from duijie.services.discovery import MAX_PEERS, DiscoveryUowFactory, RecordStore, peer_origin
from duijie.services.discovery_ports import PeerKind, PeerState, StoredCatalog
from duijie.services.peer_client import ExchangeLimits, HttpPeerClient, PeerClient, PeerError
from duijie.services.ports import Clock

__all__ = ["ExchangeLimits", "HttpPeerClient", "PeerClient", "PeerError", "PeerExchange", "RoundStats"]

log = logging.getLogger("duijie.peers")


@dataclass
class RoundStats:
    """What one round did (for logs, tests and the convergence benchmark)."""

    peers_asked: int = 0
    peers_failed: int = 0
    records_accepted: int = 0
    records_refused: int = 0
    catalogs_fetched: int = 0
    catalogs_refused: int = 0
    candidates_probed: int = 0
    candidates_promoted: int = 0
    refusals: list[str] = field(default_factory=list)


CatalogListener = Callable[[StoredCatalog | None, str, str], None]


class PeerExchange:
    """Runs rounds of peer exchange for one node."""

    def __init__(
        self,
        store: RecordStore,
        uow: DiscoveryUowFactory,
        clock: Clock,
        client: PeerClient,
        limits: ExchangeLimits | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self._uow = uow
        self._clock = clock
        self._client = client
        self.limits = limits or ExchangeLimits()
        self._rng = rng or random.Random()
        #: Called with (catalog or None when removed, subscriber_id, provider_id).
        self.catalog_listeners: list[CatalogListener] = []
        #: The gateway role's service when this node is a BG (set by the composition root).
        self.gateway: Any = None

    def add_peers(self, urls: Sequence[str]) -> None:
        """Operator peers (``--peer``, ``POST /api/peers``): polled without earning it; what they
        send is still checked like anything else."""
        with self._uow() as uow:
            for url in urls:
                uow.peers.add(url.rstrip("/"), None, PeerKind.OPERATOR, self._clock.now())
            uow.commit()

    def _due_peers(self) -> list[PeerState]:
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            peers = uow.peers.polled()
        own = self.store.own.peer_url
        due = [p for p in peers if p.url != own and (p.next_attempt_at is None or p.next_attempt_at <= now)]
        if len(due) <= self.limits.fanout:
            return due
        # Peers already synced (their pages hold only news); a never-asked one only while fewer
        # than ``fanout`` are synced, so full first pages are not paid again every round.
        synced = [p for p in due if p.cursor is not None]
        fresh = [p for p in due if p.cursor is None]
        want_fresh = 1 if fresh and len(synced) < self.limits.fanout else 0
        chosen = self._rng.sample(synced, min(len(synced), self.limits.fanout - want_fresh))
        rest = [p for p in fresh if p not in chosen]
        return chosen + self._rng.sample(rest, min(len(rest), self.limits.fanout - len(chosen)))

    async def run_round(self) -> RoundStats:
        """Publish our own record if it changed, ask up to ``fanout`` peers for news, then fetch
        every catalog whose digest differs from the one held (owner first, else those peers)."""
        await asyncio.to_thread(self.store.publish_self)
        stats = RoundStats()
        peers = await asyncio.to_thread(self._due_peers)
        await asyncio.gather(*(self._sync_guarded(p, stats) for p in peers),
                             self._probe_candidates(stats))
        await self._reconcile([p.url for p in peers], stats)
        return stats

    async def _probe_candidates(self, stats: RoundStats) -> None:
        """Ask a few candidates for their own record; promote those that answer for themselves."""
        if self.limits.candidate_probes <= 0:
            return
        due = await asyncio.to_thread(self._due_candidates)
        for candidate in due:
            stats.candidates_probed += 1
            earned = None
            try:
                data = await asyncio.wait_for(self._client.self_record(candidate.url), self.limits.timeout)
                check, _ = await self.store.accept(data, full=True)
                record = data.get("record") if check.accepted else None
                named = peer_origin(str(record.get("peer_url", ""))) if isinstance(record, dict) else None
                if named == candidate.url:
                    earned = str(record.get("subscriber_id")) if isinstance(record, dict) else None
                else:
                    log.info("candidate %s did not answer for itself: %s", candidate.url,
                             check.reason if not check.accepted else f"its record names {named}")
            except (PeerError, TimeoutError) as exc:
                log.info("candidate %s failed: %s", candidate.url, exc)
            await asyncio.to_thread(self._settle_candidate, candidate.url, earned)
            stats.candidates_promoted += earned is not None

    def _due_candidates(self) -> list[PeerState]:
        with self._uow(read_only=True) as uow:
            return uow.peers.candidates(self.limits.candidate_probes, self._clock.now())

    def _settle_candidate(self, url: str, subscriber_id: str | None) -> None:
        with self._uow() as uow:
            if subscriber_id is None:
                uow.peers.remove(url)  # one chance; naming it again makes it a candidate again
            elif uow.peers.add(url, subscriber_id, PeerKind.PEER, self._clock.now()):
                uow.peers.evict(PeerKind.PEER, MAX_PEERS)
            uow.commit()

    def _count_refusals(self, peer: PeerState, count: int) -> None:
        """Count forged or unbound records against ``peer``; drop (or back off) one past the limit."""
        now = self._clock.now()
        with self._uow() as uow:
            total = uow.peers.refused(peer.url, count)
            if total >= self.limits.refusal_limit:
                if peer.kind is PeerKind.OPERATOR:
                    uow.peers.mark_failed(peer.url, now, now + self.limits.operator_backoff)
                else:
                    uow.peers.remove(peer.url)
                log.warning("peer %s sent %d refused records: %s", peer.url, total,
                            "backed off" if peer.kind is PeerKind.OPERATOR else "dropped")
            uow.commit()

    async def _sync_guarded(self, peer: PeerState, stats: RoundStats) -> None:
        stats.peers_asked += 1
        try:
            # One deadline for the whole exchange with this peer, however many pages it sends.
            await asyncio.wait_for(self.sync_peer(peer, stats), self.limits.timeout * 3)
        except (PeerError, TimeoutError) as exc:
            stats.peers_failed += 1
            log.info("peer %s failed: %s", peer.url, exc)
            retry = self._clock.now() + self.limits.backoff * min(2 ** peer.failures, 30)
            await asyncio.to_thread(self._mark_failed, peer.url, retry)

    def _mark_failed(self, url: str, retry_at: Any) -> None:
        with self._uow() as uow:
            uow.peers.mark_failed(url, self._clock.now(), retry_at)
            uow.commit()

    def _mark_ok(self, url: str, cursor: str | None) -> None:
        with self._uow() as uow:
            uow.peers.mark_ok(url, cursor, self._clock.now())
            uow.commit()

    async def sync_peer(self, peer: PeerState, stats: RoundStats) -> None:
        """Read the peer's changed records page by page (bounded), then the catalogs they name."""
        cursor, taken = peer.cursor, 0
        while taken < self.limits.max_records_per_round:
            limit = min(self.limits.page_limit, self.limits.max_records_per_round - taken)
            page = await self._client.records(peer.url, cursor, limit)
            items = page.get("records")
            if not isinstance(items, list) or len(items) > limit:
                raise PeerError(f"{peer.url}: page is not a list of at most {limit} records")
            hostile = 0
            for check, signed in await self.store.accept_page(items):
                if not check.accepted:
                    stats.records_refused += 1
                    stats.refusals.append(f"{check.verdict.value}: {check.reason}")
                    hostile += check.hostile
                elif signed is not None:
                    stats.records_accepted += 1
            if hostile:
                await asyncio.to_thread(self._count_refusals, peer, hostile)
                if peer.refusals + hostile >= self.limits.refusal_limit:
                    return  # dropped or backed off: nothing more from it this round
            taken += len(items)
            cursor = str(page.get("next", cursor))
            if not page.get("more") or not items:
                break
        await asyncio.to_thread(self._mark_ok, peer.url, cursor)

    async def _reconcile(self, sources: list[str], stats: RoundStats) -> None:
        """Fetch catalogs named by verified records that we lack or hold in another version."""
        records = await asyncio.to_thread(self.store.records)
        held = await asyncio.to_thread(self._held_digests)
        budget = self.limits.max_catalogs_per_round
        for signed in records:
            sid = signed.record.subscriber_id
            if sid == self.store.own.subscriber_id:
                continue
            for entry in signed.record.providers:
                if held.get((sid, entry.provider_id)) == entry.digest or budget <= 0:
                    continue
                budget -= 1
                catalog = await self._fetch_catalog(signed, entry.provider_id, sources, stats)
                if catalog is not None:
                    stats.catalogs_fetched += 1
                    await asyncio.to_thread(self._keep_catalog, catalog, entry.digest)
            listed = {p.provider_id for p in signed.record.providers}
            for gone in {pid for (s, pid) in held if s == sid} - listed:
                await asyncio.to_thread(self._drop_catalog, sid, gone)

    async def _fetch_catalog(self, signed: SignedRecord, provider_id: str, via: list[str],
                             stats: RoundStats) -> SignedCatalog | None:
        # The owner first; then peers of this round, which keep verified copies.
        for source in list(dict.fromkeys((signed.record.peer_url, *via)))[:4]:
            try:
                data = await self._client.catalog(source, signed.record.subscriber_id, provider_id)
                catalog = catalog_from_dict(data)
            except (PeerError, RecordFormatError) as exc:
                log.info("catalog %s from %s: %s", provider_id, source, exc)
                continue
            problem = catalog_problem(catalog, signed.record)
            if problem is None:
                return catalog
            stats.catalogs_refused += 1
            stats.refusals.append(f"catalog {provider_id} from {source}: {problem}")
            log.warning("refused catalog %s from %s: %s", provider_id, source, problem)
        return None

    def _held_digests(self) -> dict[tuple[str, str], str]:
        with self._uow(read_only=True) as uow:
            return {(c.subscriber_id, c.provider_id): c.digest for c in uow.peer_catalogs.all()}

    def _keep_catalog(self, catalog: SignedCatalog, digest: str) -> None:
        stored = StoredCatalog(catalog.subscriber_id, catalog.provider_id, catalog.version, digest,
                               json.dumps(catalog.to_dict(), ensure_ascii=False), self._clock.now())
        with self._uow() as uow:
            uow.peer_catalogs.put(stored)
            uow.commit()
        for listener in self.catalog_listeners:
            listener(stored, stored.subscriber_id, stored.provider_id)

    def _drop_catalog(self, subscriber_id: str, provider_id: str) -> None:
        with self._uow() as uow:
            uow.peer_catalogs.remove(subscriber_id, provider_id)
            uow.commit()
        for listener in self.catalog_listeners:
            listener(None, subscriber_id, provider_id)

    def held_catalog(self, subscriber_id: str, provider_id: str) -> dict[str, Any] | None:
        """A verified catalog fetched earlier (re-served to peers as it was signed)."""
        with self._uow(read_only=True) as uow:
            stored = uow.peer_catalogs.get(subscriber_id, provider_id)
        return json.loads(stored.document) if stored is not None else None

    def describe(self) -> dict[str, Any]:
        """Peers polled and verified records held (``GET /api/peers``, ``duijie peers list``)."""
        with self._uow(read_only=True) as uow:
            peers = uow.peers.polled()
            candidates = uow.peers.count(PeerKind.CANDIDATE)
            catalogs = uow.peer_catalogs.all()
        return {
            "peers": [
                {"url": p.url, "subscriber_id": p.subscriber_id, "kind": p.kind.value, "cursor": p.cursor,
                 "failures": p.failures, "refusals": p.refusals,
                 "last_ok_at": p.last_ok_at.isoformat() if p.last_ok_at else None}
                for p in peers
            ],
            "candidates": candidates,
            "records": [
                {"subscriber_id": r.record.subscriber_id, "url": r.record.url, "roles": list(r.record.roles),
                 "sequence": r.record.sequence, "expires_at": r.record.expires_at.isoformat(),
                 "providers": [p.provider_id for p in r.record.providers]}
                for r in self.store.records()
            ],
            "catalogs": [
                {"subscriber_id": c.subscriber_id, "provider_id": c.provider_id, "version": c.version,
                 "fetched_at": c.fetched_at.isoformat()}
                for c in catalogs
            ],
        }

    async def run_forever(self, interval: float) -> None:
        """The background loop: one round every ``interval`` seconds; errors never stop it."""
        while True:
            try:
                stats = await self.run_round()
                if stats.records_accepted or stats.records_refused or stats.catalogs_fetched:
                    log.info("round: %s", stats)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one broken round must not end discovery
                log.exception("peer exchange round failed")
            await asyncio.sleep(interval)
