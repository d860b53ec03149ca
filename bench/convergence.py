"""Convergence of peer exchange: N in-process nodes, one catalog change, rounds until all hold it.

Nodes run the real record store and exchange logic (signatures, verification, SQLite per
node) but call each other directly instead of through ASGI, to stay fast. Each node starts
knowing 3 random peers and learns the rest from records; a record's key is confirmed at its
subscriber's own lookup (called directly too, as :class:`DirectIdentityLookup`), as nodes do
over HTTP. Prints one JSON line.

    python bench/convergence.py [N]
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from duijie.interchange.listing_json import dump_document, listing_from_document  # noqa: E402
from duijie.protocol.identity import IdentityAddresses  # noqa: E402
from duijie.protocol.keys import EncryptionKey, NodeKeys, SigningKey  # noqa: E402
from duijie.protocol.signed_catalogs import catalog_digest  # noqa: E402
from duijie.services.discovery import OwnNode, RecordStore  # noqa: E402
from duijie.services.key_authority import KeyAuthority  # noqa: E402
from duijie.services.peer_exchange import ExchangeLimits, PeerError, PeerExchange  # noqa: E402
from duijie.services.ports import ListingSummary, StoredListing, SystemClock  # noqa: E402
from duijie.services.registry import LookupService  # noqa: E402
from duijie.storage.engine import make_engine  # noqa: E402
from duijie.storage.tables import metadata  # noqa: E402
from duijie.storage.uow import SqlUnitOfWorkFactory  # noqa: E402

DEMO = ROOT / "src" / "duijie" / "demo" / "data" / "chuanshan.json"


class Merchant:
    """The one node that hosts a listing (the rest host none)."""

    def __init__(self) -> None:
        self.doc = json.loads(DEMO.read_text())
        self.version = 1

    def change(self) -> None:
        item = dict(self.doc["catalog"]["items"][0], id=f"new-{self.version}",
                    name={"zh": f"新菜{self.version}", "en": f"New dish {self.version}"})
        self.doc["catalog"]["items"].append(item)
        self.version += 1

    def summaries(self) -> list[ListingSummary]:
        return [ListingSummary("chuanshan", self.version, catalog_digest(self.doc), datetime.now(UTC))]

    def stored(self, provider_id: str) -> StoredListing:
        return StoredListing(listing_from_document(self.doc), self.version, catalog_digest(self.doc),
                             dump_document(self.doc), datetime.now(UTC))


class DirectClient:
    """Calls the other node's store directly; counts the bytes each answer would take on the wire."""

    def __init__(self, net: dict[str, PeerExchange], own_url: str) -> None:
        self.net = net
        self.own_url = own_url
        self.bytes = 0

    def _count(self, data: dict[str, Any]) -> dict[str, Any]:
        raw = json.dumps(data, ensure_ascii=False).encode()
        self.bytes += len(raw)
        out: dict[str, Any] = json.loads(raw)
        return out

    async def records(self, peer_url: str, since: str | None, limit: int) -> dict[str, Any]:
        peer = self.net.get(peer_url)
        if peer is None:
            raise PeerError("no such peer")
        return self._count(await asyncio.to_thread(peer.store.records_page, since, limit, self.own_url))

    async def catalog(self, peer_url: str, subscriber_id: str, provider_id: str) -> dict[str, Any]:
        peer = self.net[peer_url]
        if subscriber_id == peer.store.own.subscriber_id:
            return self._count((await asyncio.to_thread(peer.store.sign_catalog, provider_id)).to_dict())
        held = await asyncio.to_thread(peer.held_catalog, subscriber_id, provider_id)
        if held is None:
            raise PeerError("not held")
        return self._count(held)

    async def self_record(self, peer_url: str) -> dict[str, Any]:
        peer = self.net.get(peer_url)
        if peer is None:
            raise PeerError("no such peer")
        return self._count(await asyncio.to_thread(peer.store.own_record))


class DirectIdentityLookup:
    """A node's own ``/registry/lookup``, called directly (the in-process sibling of the HTTP one)."""

    def __init__(self, lookups: dict[str, LookupService]) -> None:
        self.lookups = lookups
        self.calls = 0

    async def lookup(self, lookup_url: str, query: Any) -> list[Any] | None:
        self.calls += 1
        service = self.lookups.get(lookup_url)
        return None if service is None else await service.lookup(dict(query))


def build(n: int, tmp: Path, merchant: Merchant, rng: random.Random) -> tuple[list[PeerExchange], list[DirectClient]]:
    net: dict[str, PeerExchange] = {}
    nodes, clients = [], []
    now = datetime.now(UTC)
    lookups: dict[str, LookupService] = {}
    addresses = IdentityAddresses({f"n{i}.bench": f"http://n{i}.bench" for i in range(n)})
    for i in range(n):
        engine = make_engine(f"sqlite:///{tmp / f'n{i}.db'}")
        metadata.create_all(engine)
        uow = SqlUnitOfWorkFactory(engine)
        keys = NodeKeys(f"n{i}.bench", "k1", SigningKey.generate(), EncryptionKey.generate(),
                        now - timedelta(days=1), now + timedelta(days=30))
        own = OwnNode(f"n{i}.bench", f"http://n{i}.bench/beckn", ("BPP", "BAP"))
        hosts = i == 0
        lookups[f"{own.peer_url}/registry/lookup"] = LookupService(lambda k=keys: [k], own.url, own.roles)
        authority = KeyAuthority(DirectIdentityLookup(lookups), addresses)
        store = RecordStore(uow, SystemClock(), own, lambda k=keys: [k],
                            merchant.summaries if hosts else list, merchant.stored, authority.vouch, addresses)
        client = DirectClient(net, own.peer_url)
        # All nodes share one event loop and thread pool here, so network-style timeouts would
        # measure the simulator's queueing, not the protocol: give them ample room.
        limits = ExchangeLimits(timeout=600)
        ex = PeerExchange(store, uow, SystemClock(), client, limits, rng=random.Random(rng.random()))
        net[own.peer_url] = ex
        nodes.append(ex)
        clients.append(client)
    for i, ex in enumerate(nodes):
        ex.add_peers([f"http://n{j}.bench" for j in rng.sample([j for j in range(n) if j != i], 3)])
    return nodes, clients


def holders(nodes: list[PeerExchange], digest: str) -> int:
    count = 1  # the merchant's own node
    for ex in nodes[1:]:
        held = ex._held_digests()  # noqa: SLF001 - the benchmark inspects state directly
        count += held.get(("n0.bench", "chuanshan")) == digest
    return count


async def run_round(nodes: list[PeerExchange], clients: list[DirectClient]) -> float:
    for c in clients:
        c.bytes = 0
    await asyncio.gather(*(ex.run_round() for ex in nodes))
    return sum(c.bytes for c in clients) / len(clients)


async def main(n: int) -> dict[str, Any]:
    rng = random.Random(7)
    merchant = Merchant()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        nodes, clients = build(n, Path(tmp), merchant, rng)
        digest = catalog_digest(merchant.doc)
        warmup = 0
        while holders(nodes, digest) < n and warmup < 40:
            await run_round(nodes, clients)
            warmup += 1
        settle = 0
        while settle < 10:  # let every record spread (peers met, first full pages paid) before measuring
            before = sum(len(ex.store.records()) for ex in nodes)
            await run_round(nodes, clients)
            settle += 1
            if sum(len(ex.store.records()) for ex in nodes) == before == n * n:
                break
        quiet = await run_round(nodes, clients)
        merchant.change()
        digest = catalog_digest(merchant.doc)
        rounds, per_round = 0, []
        change_started = time.monotonic()
        while holders(nodes, digest) < n and rounds < 40:
            per_round.append(await run_round(nodes, clients))
            rounds += 1
        change_seconds = time.monotonic() - change_started
        catalog_bytes = len(json.dumps(merchant.doc, ensure_ascii=False).encode())
        return {
            "bench": "convergence",
            "nodes": n,
            "warmup_rounds_first_catalog": warmup,
            "settle_rounds": settle,
            "rounds_to_converge": rounds,
            "target_rounds": round(2 * math.log2(n), 1),
            "bytes_per_node_quiet_round": round(quiet),
            "bytes_per_node_per_round_during_change": round(sum(per_round) / max(len(per_round), 1)),
            "seconds_per_round_during_change": round(change_seconds / max(rounds, 1), 2),
            "catalog_bytes": catalog_bytes,
            "fanout": nodes[0].limits.fanout,
            "seconds": round(time.monotonic() - started, 1),
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))))
