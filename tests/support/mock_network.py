"""Several real nodes in one process, talking over the in-process MockTransport (no sockets).

Registered as a pytest plugin by tests/conftest.py: every test may ask for the :func:`net` fixture."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from duijie.bootstrap import Node, build_node
from duijie.cli.node_setup import create_node_dir
from duijie.services.container import running
from duijie.settings import Settings
from duijie.transport.mock import MockTransport

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"


@dataclass
class MockNet:
    """A set of nodes sharing one MockTransport; node ``i`` lives at http://node{i}.test."""

    root: Path
    transport: MockTransport
    nodes: dict[str, Node]
    #: Every node's ``--resolve`` map, shared (a node added later is found by those added before).
    names: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, *, peers: tuple[str, ...] = (), gateway: bool = False,
            roles: tuple[str, ...] = ("BPP", "BAP"), registries: tuple[str, ...] = (),
            listing: str | None = None) -> Node:
        """Start node ``name``; with ``listing`` (a file of the demo data, e.g. ``"chuanshan.json"``)
        it hosts that provider."""
        base = f"http://{name}.test"
        create_node_dir(self.root / name, f"{base}/beckn", subscriber_id=f"{name}.test")
        self.names[f"{name}.test"] = base
        options = Settings(registries=registries, peers=peers, gateway=gateway, roles=roles,
                           resolve=self.names)
        node = build_node(self.root / name, transport=self.transport, options=options)
        self.transport.register(base, node.app)
        self.nodes[name] = node
        if listing is not None:
            node.services.catalog.import_document(json.loads((DEMO_DATA / listing).read_text()))
        return node

    def close(self) -> None:
        for node in self.nodes.values():
            node.engine.dispose()


def url(name: str) -> str:
    return f"http://{name}.test"


@pytest.fixture
def net(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MockNet]:
    """An empty :class:`MockNet` whose nodes search lexically (no model load) and keep no local search
    index; its nodes' databases are closed after the test. A module needing other settings overrides
    it: ``def net(net, monkeypatch)`` setting the environment (read when a node is added)."""
    monkeypatch.setenv("DUIJIE_SEMANTIC", "0")
    monkeypatch.setenv("DUIJIE_LOCAL_INDEX", "0")
    network = MockNet(tmp_path, MockTransport(), {})
    yield network
    network.close()


async def learn(*nodes: Node, rounds: int = 2) -> None:
    """Run ``rounds`` discovery rounds on each of ``nodes`` in turn: with the default two, each node
    learns its peers' records in the first round and their catalogs in the second."""
    for _ in range(rounds):
        for node in nodes:
            assert node.services.discovery is not None
            await node.services.discovery.run_round()


@dataclass
class ShopAndDiner:
    """A seller's node and a diner's node that has learned its catalog, both running."""

    shop: Node
    diner: Node


@asynccontextmanager
async def shop_and_diner(net: MockNet, *, shop_roles: tuple[str, ...] = ("BPP",),
                         document: dict[str, object] | None = None) -> AsyncIterator[ShopAndDiner]:
    """A ``shop`` hosting 川陕名吃 (or ``document``) and a ``diner`` peered with it, running until the
    block ends: enter it inside the test's event loop, so the nodes stop there too."""
    shop = net.add("shop", roles=shop_roles, listing=None if document is not None else "chuanshan.json")
    if document is not None:
        shop.services.catalog.import_document(document)
    diner = net.add("diner", peers=(url("shop"),), roles=("BAP",))
    async with running(shop.services), running(diner.services):
        await learn(diner, rounds=1)
        yield ShopAndDiner(shop, diner)
