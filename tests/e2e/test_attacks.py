"""Issue 11's attack suite: nobody can become somebody else (real node processes on loopback).

Four real nodes: a seller S (川陕名吃), a buyer B, a neighbour N whose lookup S and B trust as a
registry, and a relay R. B also trusts S's own lookup as a registry. A hostile node H (a tiny
app in this process, tests/support/hostile.py) serves node records that claim S's and B's ids
with its own key. After each attack a forged ``cancel`` (in B's name) and ``on_cancel`` (in S's
name), signed with H's key, must be refused with 401 and change nothing; B's search must not
show H; and S and B must still trade to completion.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.e2e.conftest import DEMO_DATA
from tests.support.hostile import Hostile, Victim
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.storage.keyfiles import current_keys

WAIT = 30.0


def _until(what: str, check: Callable[[], Any], timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _next_lunch() -> str:
    local = datetime.now(ZoneInfo("America/New_York")) + timedelta(days=1)
    return local.replace(hour=12, minute=30, second=0, microsecond=0).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Net:
    seller: ServerProcess
    buyer: ServerProcess
    neighbour: ServerProcess
    relay: ServerProcess
    order: dict[str, Any]  # a genuine order of B at S, placed before any attack

    def victim(self, node: ServerProcess) -> Victim:
        keys = current_keys(node.data_dir, datetime.now(UTC))
        return Victim(keys.subscriber_id, node.base, keys.unique_key_id)

    def admin(self, node: ServerProcess, method: str, path: str, **kw: Any) -> httpx.Response:
        token = (node.data_dir / "admin-token").read_text().strip()
        return httpx.request(method, f"{node.base}{path}", headers={"Authorization": f"Bearer {token}"},
                             timeout=10, **kw)

    def peer_entry(self, node: ServerProcess, url: str) -> dict[str, Any] | None:
        peers = self.admin(node, "GET", "/api/peers").json()["peers"]
        return next((p for p in peers if p["url"] == url), None)

    def poll(self, node: ServerProcess, url: str) -> None:
        """Make ``node`` poll ``url`` (an operator peer: trusted to be asked, not to be believed)."""
        assert self.admin(node, "POST", "/api/peers", json={"url": url}).status_code == 200

    def refused_from(self, node: ServerProcess, url: str) -> int:
        """Wait until ``node`` refused records sent by ``url``; their count."""
        return int(_until(f"{node.base} to refuse records from {url}",
                          lambda: (self.peer_entry(node, url) or {}).get("refusals", 0)))

    def buy(self, *args: str) -> Any:
        res = duijie("buy", *args, "--data-dir", str(self.buyer.data_dir), "--json", timeout=120)
        assert res.returncode == 0, f"duijie buy {args} failed:\n{res.stdout}\n{res.stderr}"
        return json.loads(res.stdout)

    def place_order(self) -> dict[str, Any]:
        placed: dict[str, Any] = self.buy(
            "order", "--bpp", f"{self.seller.base}/beckn", "--provider", "chuanshan", "--location", "rockville",
            "--item", "roujiamo:1", "--name", "韩梅梅", "--phone", "+1-301-555-0199", "--time", _next_lunch())
        assert placed["status"] == "ACTIVE", placed
        return placed


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    mp = pytest.MonkeyPatch()
    mp.setenv("DUIJIE_PEER_INTERVAL", "0.3")
    mp.setenv("DUIJIE_PEER_RATE", "1000")
    mp.setenv("DUIJIE_SEMANTIC", "0")
    root = tmp_path_factory.mktemp("attacks")
    ports = {name: free_port() for name in ("seller", "buyer", "neighbour", "relay")}
    for name, port in ports.items():
        duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(root / "seller"), check=True)
    registry = {name: f"http://127.0.0.1:{port}/registry" for name, port in ports.items()}
    inline = ["--back-office", "inline"]
    procs = {
        "neighbour": ServerProcess(root / "neighbour", ports["neighbour"], inline),
        "relay": ServerProcess(root / "relay", ports["relay"], inline),
        "seller": ServerProcess(root / "seller", ports["seller"], [*inline, "--registry", registry["neighbour"]]),
        "buyer": ServerProcess(root / "buyer", ports["buyer"],
                               [*inline, "--registry", registry["neighbour"], "--registry", registry["seller"]]),
    }
    try:
        for proc in procs.values():
            proc.start(timeout=120)  # four nodes at once on a busy machine
        network = Net(procs["seller"], procs["buyer"], procs["neighbour"], procs["relay"], {})
        network.order = network.place_order()
        yield network
    finally:
        for proc in procs.values():
            proc.stop()
        mp.undo()


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    attacker = Hostile().start()
    yield attacker
    attacker.stop()


def _forgeries(net: Net, hostile: Hostile, *, same_key_id: bool, **kw: Any) -> list[dict[str, Any]]:
    """Records claiming S and B: one at the victim's own address, one at the attacker's."""
    victims = (net.victim(net.seller), net.victim(net.buyer))
    return [hostile.forge(v, same_key_id=same_key_id, bound=bound, **kw) for v in victims for bound in (True, False)]


def _nothing_forged_holds(net: Net, hostile: Hostile, *, same_key_id: bool) -> None:
    """The forged cancel and on_cancel are refused (401), nothing changed, B's search does not show
    H, and S and B still trade to completion."""
    seller_v, buyer_v = net.victim(net.seller), net.victim(net.buyer)
    order_id, txn = net.order["order_id"], net.order["transaction_id"]
    before_seller = net.admin(net.seller, "GET", f"/api/orders/{order_id}").json()["order"]
    before_buyer = net.admin(net.buyer, "GET", f"/api/buy/orders/{order_id}").json()
    context = {"bap_id": buyer_v.subscriber_id, "bap_uri": f"{net.buyer.base}/beckn",
               "bpp_id": seller_v.subscriber_id, "bpp_uri": f"{net.seller.base}/beckn", "transaction_id": txn}

    body, headers = hostile.signed(buyer_v, buyer_v.unique_key_id if same_key_id else "hostile-k",
                                   "cancel", context, {"order_id": order_id, "cancellation_reason_id": "001"})
    cancel = httpx.post(f"{net.seller.base}/beckn/cancel", content=body, headers=headers, timeout=10)
    assert cancel.status_code == 401, cancel.text
    body, headers = hostile.signed(seller_v, seller_v.unique_key_id if same_key_id else "hostile-k",
                                   "on_cancel", context,
                                   {"order": {"id": order_id, "status": "CANCELLED", "provider": {"id": "chuanshan"}}})
    on_cancel = httpx.post(f"{net.buyer.base}/beckn/on_cancel", content=body, headers=headers, timeout=10)
    assert on_cancel.status_code == 401, on_cancel.text

    after_seller = net.admin(net.seller, "GET", f"/api/orders/{order_id}").json()["order"]
    after_buyer = net.admin(net.buyer, "GET", f"/api/buy/orders/{order_id}").json()
    assert after_seller["beckn_status"] != "CANCELLED" and after_seller["state"] == before_seller["state"]
    assert after_buyer["status"] == before_buyer["status"] != "CANCELLED"
    assert hostile.received == []  # nothing was ever sent to the attacker
    found = httpx.get(f"{net.buyer.base}/api/search?q={quote('肉夹馍')}", timeout=10)
    assert found.status_code == 200 and hostile.base not in found.text and str(hostile.port) not in found.text

    placed = net.place_order()
    for action in ("accept", "ready", "complete"):
        assert net.admin(net.seller, "POST", f"/api/orders/{placed['order_id']}/{action}").status_code == 200
    _until("the buyer to see its order completed",
           lambda: net.buy("status", placed["order_id"])["status"] == "COMPLETE")


def _records_of(node: ServerProcess) -> dict[str, dict[str, Any]]:
    page = httpx.post(f"{node.base}/peers/records", json={"limit": 200}, timeout=10).json()
    return {r["record"]["subscriber_id"]: r["record"] for r in page["records"]}


def test_a_first_contact_record_for_an_identity_a_registry_knows_is_refused(net: Net, hostile: Hostile) -> None:
    seller_id = net.victim(net.seller).subscriber_id
    assert seller_id not in _records_of(net.buyer)  # B never saw S's record: this is first contact
    hostile.records = _forgeries(net, hostile, same_key_id=True)
    net.poll(net.buyer, hostile.base)
    assert net.refused_from(net.buyer, hostile.base) >= 1
    assert seller_id not in _records_of(net.buyer)
    _nothing_forged_holds(net, hostile, same_key_id=True)


def test_a_record_replacing_a_genuine_one_is_refused(net: Net, hostile: Hostile) -> None:
    seller_id, buyer_id = net.victim(net.seller).subscriber_id, net.victim(net.buyer).subscriber_id
    net.poll(net.buyer, net.seller.base)
    net.poll(net.seller, net.buyer.base)
    genuine = _until("B to hold S's genuine record", lambda: _records_of(net.buyer).get(seller_id))
    # Newer than anything either holds (a forgery older than the held record is skipped unread).
    hostile.records = _forgeries(net, hostile, same_key_id=False, sequence=genuine["sequence"] + 100_000)
    for node in (net.buyer, net.seller):
        net.poll(node, hostile.base)
    for node in (net.buyer, net.seller):
        assert net.refused_from(node, hostile.base) >= 1
    assert _records_of(net.buyer)[seller_id]["url"] == f"{net.seller.base}/beckn"
    assert _records_of(net.seller).get(buyer_id, {}).get("url", f"{net.buyer.base}/beckn") == f"{net.buyer.base}/beckn"
    _nothing_forged_holds(net, hostile, same_key_id=False)


def test_a_forgery_relayed_through_a_third_node_is_refused_there_and_never_relayed(
    net: Net, hostile: Hostile
) -> None:
    hostile.records = _forgeries(net, hostile, same_key_id=True, sequence=10**10)
    net.poll(net.relay, hostile.base)
    assert net.refused_from(net.relay, hostile.base) >= 1
    relayed = _records_of(net.relay)
    assert all(hostile.base not in json.dumps(r) for r in relayed.values())
    for node in (net.buyer, net.seller):
        net.poll(node, net.relay.base)
        _until(f"{node.base} to poll the relay", lambda n=node: (net.peer_entry(n, net.relay.base) or {}).get(
            "last_ok_at"))
        assert (net.peer_entry(node, net.relay.base) or {}).get("refusals") == 0
    _nothing_forged_holds(net, hostile, same_key_id=True)


def test_a_node_whose_lookup_others_trust_never_vouches_for_a_forgery(net: Net, hostile: Hostile) -> None:
    hostile.records = _forgeries(net, hostile, same_key_id=False, sequence=10**10)
    net.poll(net.neighbour, hostile.base)
    assert net.refused_from(net.neighbour, hostile.base) >= 1
    for victim in (net.victim(net.seller), net.victim(net.buyer)):
        answer = httpx.post(f"{net.neighbour.base}/registry/lookup", json={"subscriber_id": victim.subscriber_id},
                            timeout=10)
        assert answer.status_code == 200 and answer.json() == []  # N answers for itself only
    _nothing_forged_holds(net, hostile, same_key_id=False)


def test_a_sequence_inflated_far_expiring_forgery_cannot_lock_the_genuine_record_out(
    net: Net, hostile: Hostile, tmp_path: Path
) -> None:
    seller_id = net.victim(net.seller).subscriber_id
    hostile.records = _forgeries(net, hostile, same_key_id=True, sequence=10**12,
                                 expires_at=datetime(2099, 1, 1, tzinfo=UTC))
    for node in (net.buyer, net.seller, net.neighbour):
        net.poll(node, hostile.base)
    for node in (net.buyer, net.seller, net.neighbour):
        assert net.refused_from(node, hostile.base) >= 1
    held = _records_of(net.buyer).get(seller_id)
    assert held is None or held["sequence"] < 10**12
    # The genuine seller changes its menu: its next (lower-sequence) record still reaches B.
    doc = json.loads((DEMO_DATA / "chuanshan.json").read_text(encoding="utf-8"))
    doc["catalog"]["items"].append(dict(doc["catalog"]["items"][0], id="biangbiang",
                                        name={"zh": "油泼扯面", "en": "Biangbiang noodles"}))
    (tmp_path / "menu.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    duijie("provider", "import", str(tmp_path / "menu.json"), "--data-dir", str(net.seller.data_dir), check=True)
    found = _until("B to index the genuine new dish", lambda: httpx.get(
        f"{net.buyer.base}/api/search?q={quote('油泼扯面')}", timeout=10).json()["results"])
    assert all(hostile.base not in json.dumps(r, ensure_ascii=False) for r in found)
    assert _records_of(net.buyer)[seller_id]["url"] == f"{net.seller.base}/beckn"
    _nothing_forged_holds(net, hostile, same_key_id=True)


def test_unauthenticated_from_urls_add_no_peer(net: Net) -> None:
    before = net.admin(net.seller, "GET", "/api/peers").json()
    with httpx.Client(timeout=10) as client:
        statuses = {client.post(f"{net.seller.base}/peers/records",
                                json={"from": f"http://attacker-{i}.test", "limit": 1}).status_code
                    for i in range(150)}
    assert statuses == {200}
    after = net.admin(net.seller, "GET", "/api/peers").json()
    assert [p["url"] for p in after["peers"]] == [p["url"] for p in before["peers"]]
    assert after["candidates"] <= 100
