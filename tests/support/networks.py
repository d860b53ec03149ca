"""Reusable networks of real `duijie serve` processes on loopback, and an outside Beckn app.

:func:`three_sellers_network` starts three seller nodes (川陕名吃, the demo farm and the demo
factory, each its own process with its provider imported), a ``--gateway`` node that hosts no
provider and peers with all three, and a buyer node that peers with the gateway. Every node's
subscriber id is its ``127.0.0.1:PORT``, which names its own address, so every key is learned
from the node it belongs to. The ``three_sellers`` fixture (module scope) wraps it; import it
into a test module (``from tests.support.networks import three_sellers``) to use it.

:class:`OutsideBap` is a Beckn buyer app that is not a duijie node: it signs with its own key,
answers lookups for it, and records the callbacks posted to it (ACK, or NACK when told to).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.keys import EncryptionKey, NodeKeys, SigningKey
from duijie.protocol.outbound import build_signed_request

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"
SELLERS = {"chuanshan": "chuanshan.json", "farm": "farm.json", "factory": "factory.json"}
"""Seller node name → the demo listing it hosts."""

ACK = {"message": {"ack": {"status": "ACK"}}}
NACK = {"message": {"ack": {"status": "NACK"}},
        "error": {"code": "30000", "message": "this app does not want that answer"}}


@dataclass
class SellersNetwork:
    """Three sellers behind a gateway, and a buyer node; ``providers`` maps seller → provider id."""

    root: Path
    sellers: dict[str, ServerProcess]
    gateway: ServerProcess
    buyer: ServerProcess
    providers: dict[str, str]

    @staticmethod
    def subscriber_id(node: ServerProcess) -> str:
        """A node's id: its loopback host and port (the address the id itself names)."""
        return f"127.0.0.1:{node.port}"

    @property
    def seller_ids(self) -> dict[str, str]:
        return {name: self.subscriber_id(node) for name, node in self.sellers.items()}

    def nodes(self) -> list[ServerProcess]:
        return [*self.sellers.values(), self.gateway, self.buyer]

    def healthz(self, node: ServerProcess) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{node.base}/healthz", timeout=10).json()
        return body


def _init(root: Path, name: str) -> tuple[Path, int]:
    port = free_port()
    duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    return root / name, port


def _wait_until_known(gateway: ServerProcess, ids: list[str], timeout: float = 40) -> None:
    """Until the gateway's peer exchange holds a record of each seller (its multicast targets)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            text = httpx.get(f"{gateway.base}/peers/records", params={"limit": 100}, timeout=5).text
        except httpx.HTTPError:
            text = ""
        if all(f'"{sid}"' in text for sid in ids):
            return
        time.sleep(0.2)
    raise AssertionError(f"the gateway did not learn every seller in {timeout}s: {text[:2000]}")


@contextmanager
def three_sellers_network(root: Path) -> Iterator[SellersNetwork]:
    """Start the network under ``root`` (set ``DUIJIE_PEER_INTERVAL`` low before); always stopped."""
    names = (*SELLERS, "gateway", "buyer")
    # Each step is a Python process starting: run them side by side.
    with ThreadPoolExecutor(len(names)) as pool:
        dirs = dict(zip(names, pool.map(lambda name: _init(root, name), names), strict=True))
        list(pool.map(lambda name: duijie("provider", "import", str(DEMO_DATA / SELLERS[name]),
                                          "--data-dir", str(dirs[name][0]), check=True), SELLERS))
    providers = {name: json.loads((DEMO_DATA / listing).read_text())["provider"]["id"]
                 for name, listing in SELLERS.items()}
    gateway_url = f"http://127.0.0.1:{dirs['gateway'][1]}"
    sellers = {name: ServerProcess(*dirs[name], ["--peer", gateway_url]) for name in SELLERS}
    gateway = ServerProcess(*dirs["gateway"], ["--gateway", *(a for s in sellers.values() for a in ("--peer", s.base))])
    buyer = ServerProcess(*dirs["buyer"], ["--peer", gateway_url])
    net = SellersNetwork(root, sellers, gateway, buyer, providers)
    try:
        with ThreadPoolExecutor(len(names)) as pool:
            list(pool.map(lambda node: node.start(timeout=300), net.nodes()))
        _wait_until_known(gateway, list(net.seller_ids.values()))
        yield net
    finally:
        for node in net.nodes():
            node.stop()


@pytest.fixture(scope="module")
def three_sellers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SellersNetwork]:
    """:func:`three_sellers_network` for a test module (peer rounds every 0.5 s, lexical search)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUIJIE_PEER_INTERVAL", "0.5")
        mp.setenv("DUIJIE_SEMANTIC", "0")
        with three_sellers_network(tmp_path_factory.mktemp("three-sellers")) as net:
            yield net


@dataclass
class Received:
    """One callback as the outside app received it."""

    action: str
    headers: dict[str, str]
    doc: dict[str, Any]


@dataclass
class OutsideBap:
    """A Beckn buyer app on loopback that is not a duijie node (start with :meth:`running`)."""

    port: int
    keys: NodeKeys
    nack: bool = False  # answer callbacks with a NACK
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def subscriber_id(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[OutsideBap]:
        port = free_port()
        now = datetime.now(UTC)
        keys = NodeKeys(f"127.0.0.1:{port}", "outside-k1", SigningKey.generate(), EncryptionKey.generate(),
                        now - timedelta(hours=1), now + timedelta(days=1))
        app = cls(port, keys)
        server = ThreadingHTTPServer(("127.0.0.1", port), app._handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app
        finally:
            server.shutdown()
            server.server_close()

    def subscription(self) -> dict[str, Any]:
        """Its key as a Beckn 1.1.1 Subscription record (what its lookup answers)."""
        k = self.keys
        return {
            "subscriber_id": k.subscriber_id, "subscriber_url": f"{self.base}/beckn", "url": f"{self.base}/beckn",
            "type": "BAP", "domain": "*", "key_id": k.unique_key_id, "ukId": k.unique_key_id,
            "unique_key_id": k.unique_key_id, "signing_public_key": k.signing.public_key_base64(),
            "encr_public_key": k.encryption.public_key_base64(), "valid_from": k.valid_from.isoformat(),
            "valid_until": k.valid_until.isoformat(), "status": "SUBSCRIBED",
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.rstrip("/") == "/registry/lookup":
                    self._answer(200, [app.subscription()])
                    return
                action = self.path.rstrip("/").rsplit("/", 1)[-1]
                try:
                    doc = json.loads(body)
                except ValueError:
                    self._answer(400, NACK)
                    return
                with app._lock:
                    app.received.append(Received(action, dict(self.headers.items()), doc))
                self._answer(400 if app.nack else 200, NACK if app.nack else ACK)

            def _answer(self, status: int, payload: object) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
                return

        return Handler

    def search(self, message_id: str | None = None) -> tuple[dict[str, Any], bytes, dict[str, str]]:
        """A signed ``search`` for everything, with no ``bpp_id`` (a gateway multicasts it)."""
        ctx = Context(domain="nic2004:55204", action=Action.SEARCH, bap_id=self.subscriber_id,
                      bap_uri=f"{self.base}/beckn", transaction_id=str(uuid.uuid4()),
                      message_id=message_id or str(uuid.uuid4()), timestamp=format_timestamp(datetime.now(UTC)),
                      ttl="PT30S")
        doc = {"context": ctx.to_dict(), "message": {"intent": {}}}
        body, headers = build_signed_request(doc, self.keys, datetime.now(UTC), ttl_seconds=30)
        return doc, body, headers

    def callbacks(self, message_id: str, action: str = "on_search") -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.action == action and r.doc["context"]["message_id"] == message_id]

    def wait_for(self, message_id: str, count: int, timeout: float = 20, action: str = "on_search"
                 ) -> list[Received]:
        """The callbacks for ``message_id`` once ``count`` arrived (or whatever came by ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.callbacks(message_id, action)) < count:
            time.sleep(0.1)
        time.sleep(0.3)  # anything beyond ``count`` (e.g. an answer in the gateway's own name) too
        return self.callbacks(message_id, action)
