"""The restaurant as a real `duijie serve` process, driven by a minimal signed Beckn buyer.

The buyer is this test: keys from a second `duijie init` data dir, requests signed with
protocol.outbound, and an in-process HTTP server that answers the restaurant's registry lookup
for the buyer's key and collects the signed callbacks (`/beckn/on_*`), each one verified with the
restaurant's public key and validated against transaction.yaml.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.e2e.conftest import DEMO_DATA
from tests.support.beckn_spec import spec_available, validate_message
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.protocol.authorization import SignatureHeader
from duijie.protocol.context import format_timestamp
from duijie.protocol.keys import NodeKeys, VerifyKey
from duijie.protocol.outbound import build_signed_request
from duijie.protocol.receipts import receipt_from_tags
from duijie.protocol.signing import verify_signature
from duijie.storage.keyfiles import current_keys

FRIDAY_2230_NY = "2026-11-28T03:30:00.000Z"
SUNDAY_2230_NY = "2026-11-30T03:30:00.000Z"
PAOMO_STOCK = 5


@dataclass
class Collector:
    """The buyer's HTTP side: registry lookup for its own key, and the callback inbox."""

    keys: NodeKeys
    url: str
    seller_key: VerifyKey | None = None
    refuse: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def lookup(request: Request) -> JSONResponse:
            k = self.keys
            return JSONResponse(
                [
                    {
                        "subscriber_id": k.subscriber_id,
                        "url": self.url,
                        "type": "BAP",
                        "domain": "*",
                        "key_id": k.unique_key_id,
                        "signing_public_key": k.signing.public_key_base64(),
                        "encr_public_key": k.encryption.public_key_base64(),
                        "valid_from": k.valid_from.isoformat(),
                        "valid_until": k.valid_until.isoformat(),
                        "status": "SUBSCRIBED",
                    }
                ]
            )

        async def callback(request: Request) -> JSONResponse:
            raw = await request.body()
            if self.refuse:
                return JSONResponse({"message": {"ack": {"status": "NACK"}}}, status_code=503)
            action = request.path_params["action"]
            try:
                header = SignatureHeader.parse(request.headers.get("authorization"))
                assert self.seller_key is not None
                verify_signature(raw, header, self.seller_key)
            except Exception as exc:  # noqa: BLE001 - recorded and asserted on by the tests
                self.problems.append(f"{action}: bad signature: {exc}")
                return JSONResponse({"message": {"ack": {"status": "NACK"}}}, status_code=401)
            doc = json.loads(raw)
            if spec_available():
                self.problems.extend(f"{action}: {p}" for p in validate_message(action, doc))
            with self.lock:
                self.received.append(doc)
            return JSONResponse({"message": {"ack": {"status": "ACK"}}})

        return Starlette(
            routes=[
                Route("/registry/lookup", lookup, methods=["POST"]),
                Route("/beckn/{action}", callback, methods=["POST"]),
            ]
        )

    def wait(
        self, action: str, message_id: str | None = None, transaction_id: str | None = None, timeout: float = 15
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for doc in self.received:
                    ctx = doc["context"]
                    if (
                        ctx["action"] == action
                        and (message_id is None or ctx["message_id"] == message_id)
                        and (transaction_id is None or ctx["transaction_id"] == transaction_id)
                    ):
                        return doc
            time.sleep(0.05)
        raise AssertionError(f"no {action} (message_id={message_id}, transaction_id={transaction_id}) arrived")

    def all_for(self, transaction_id: str, action: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                d
                for d in self.received
                if d["context"]["transaction_id"] == transaction_id and d["context"]["action"] == action
            ]


@dataclass
class Network:
    restaurant: ServerProcess
    collector: Collector
    seller_id: str
    seller_url: str
    admin_token: str
    seller_dir: Path

    def send(self, action: str, message: dict[str, Any], txn: str, message_id: str | None = None,
             sent_at: datetime | None = None) -> str:
        """Send a signed request; assert the synchronous ACK; return its message_id.

        ``sent_at`` backdates the context timestamp (the signature is always fresh).
        """
        mid = message_id or str(uuid.uuid4())
        keys = self.collector.keys
        doc = {
            "context": {
                "domain": "food",
                "action": action,
                "version": "1.1.0",
                "bap_id": keys.subscriber_id,
                "bap_uri": self.collector.url,
                "bpp_id": self.seller_id,
                "bpp_uri": self.seller_url,
                "transaction_id": txn,
                "message_id": mid,
                "timestamp": format_timestamp(sent_at or datetime.now(UTC)),
                "ttl": "PT30S",
            },
            "message": message,
        }
        if spec_available():
            assert validate_message(action, doc) == []
        body, headers = build_signed_request(doc, keys, datetime.now(UTC))
        resp = httpx.post(f"{self.restaurant.base}/beckn/{action}", content=body, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"message": {"ack": {"status": "ACK"}}}
        return mid

    def call(self, action: str, message: dict[str, Any], txn: str) -> dict[str, Any]:
        mid = self.send(action, message, txn)
        return self.collector.wait(f"on_{action}", mid)

    def merchant(self, method: str, path: str, token: str | None = "admin", **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.admin_token if token == 'admin' else token}"} if token else {}
        return httpx.request(method, f"{self.restaurant.base}{path}", headers=headers, timeout=10, **kw)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("seller")
    buyer_port, seller_port = free_port(), free_port()
    buyer_dir, seller_dir = root / "buyer", root / "restaurant"
    duijie("init", "--data-dir", str(buyer_dir), "--url", f"http://127.0.0.1:{buyer_port}/beckn", check=True)
    duijie("init", "--data-dir", str(seller_dir), "--url", f"http://127.0.0.1:{seller_port}/beckn", check=True)
    listing = json.loads((DEMO_DATA / "chuanshan.json").read_text(encoding="utf-8"))
    for item in listing["catalog"]["items"]:
        if item["id"] == "yangrou-paomo":
            item["stock"] = PAOMO_STOCK
    (root / "listing.json").write_text(json.dumps(listing, ensure_ascii=False), encoding="utf-8")
    duijie("provider", "import", str(root / "listing.json"), "--data-dir", str(seller_dir), check=True)
    info = json.loads(duijie("info", "--data-dir", str(seller_dir), "--json", check=True).stdout)

    collector = Collector(
        current_keys(buyer_dir, datetime.now(UTC)),
        f"http://127.0.0.1:{buyer_port}/beckn",
        VerifyKey.from_base64(info["signing_public_key"]),
    )
    server = uvicorn.Server(uvicorn.Config(collector.app(), host="127.0.0.1", port=buyer_port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    restaurant = ServerProcess(seller_dir, seller_port, ["--registry", f"http://127.0.0.1:{buyer_port}/registry"])
    try:
        while not server.started:
            time.sleep(0.02)
        restaurant.start()
        yield Network(
            restaurant,
            collector,
            info["subscriber_id"],
            info["url"],
            (seller_dir / "admin-token").read_text().strip(),
            seller_dir,
        )
    finally:
        restaurant.stop()
        server.should_exit = True
        thread.join(timeout=10)
    assert collector.problems == []


def cart(*lines: tuple[str, int, list[str]]) -> list[dict[str, Any]]:
    return [
        {"id": i, "quantity": {"selected": {"count": n}}, **({"add_ons": [{"id": a} for a in ons]} if ons else {})}
        for i, n, ons in lines
    ]


def pickup(when: str = FRIDAY_2230_NY, location: str = "rockville") -> list[dict[str, Any]]:
    return [
        {"type": "Self-Pickup", "stops": [{"type": "end", "location": {"id": location}, "time": {"timestamp": when}}]}
    ]


LUNCH = cart(("roujiamo", 2, ["extra:meat"]), ("yangrou-paomo", 1, []))
BILLING = {"name": "Li Lei", "phone": "+1-301-555-0100", "email": "li@example.com"}


def place_order(net: Network, items: list[dict[str, Any]] = LUNCH) -> tuple[str, dict[str, Any]]:
    """select → init → confirm; returns the transaction id and the confirmed Beckn order."""
    txn = str(uuid.uuid4())
    order = {"provider": {"id": "chuanshan"}, "items": items}
    assert "error" not in net.call("select", {"order": order}, txn)
    on_init = net.call("init", {"order": {**order, "fulfillments": pickup(), "billing": BILLING}}, txn)
    assert "error" not in on_init, on_init
    on_confirm = net.call("confirm", {"order": on_init["message"]["order"]}, txn)
    assert "error" not in on_confirm, on_confirm
    return txn, on_confirm["message"]["order"]


def test_search_select_init_confirm_then_merchant_drives_the_order_to_completion(net: Network) -> None:
    txn = str(uuid.uuid4())
    on_search = net.call("search", {"intent": {"descriptor": {"name": "肉夹馍"}}}, txn)
    assert on_search["context"]["bpp_id"] == net.seller_id
    (provider,) = on_search["message"]["catalog"]["providers"]
    assert [i["id"] for i in provider["items"]] == ["roujiamo"]

    order = {"provider": {"id": "chuanshan"}, "items": LUNCH}
    quote = net.call("select", {"order": order}, txn)["message"]["order"]["quote"]
    assert quote["price"] == {"currency": "USD", "value": "33.85"}
    assert len(quote["breakup"]) == 3
    on_init = net.call("init", {"order": {**order, "fulfillments": pickup(), "billing": BILLING}}, txn)
    assert on_init["message"]["order"]["fulfillments"][0]["stops"][0]["location"]["id"] == "rockville"
    assert on_init["message"]["order"]["payments"][0]["type"] == "ON-FULFILLMENT"
    confirmed = net.call("confirm", {"order": on_init["message"]["order"]}, txn)["message"]["order"]
    assert confirmed["status"] == "ACTIVE" and confirmed["id"]
    order_id = confirmed["id"]

    assert net.merchant("GET", "/api/orders", token=None).status_code == 401
    assert net.merchant("POST", f"/api/orders/{order_id}/accept", token="wrong").status_code == 401
    listed = net.merchant("GET", "/api/orders", params={"state": "CREATED"}).json()["orders"]
    assert order_id in [o["id"] for o in listed]

    early = net.call("rating", {"ratings": [{"rating_category": "Order", "id": order_id, "value": "5"}]}, txn)
    assert early["error"]["code"] == "40001"

    for step, state in (("accept", "ACCEPTED"), ("ready", "READY"), ("complete", "COMPLETED")):
        resp = net.merchant("POST", f"/api/orders/{order_id}/{step}")
        assert resp.status_code == 200, resp.text
        assert resp.json()["order"]["state"] == state
        deadline = time.monotonic() + 10
        while not any(
            d["message"]["order"]["fulfillments"][0]["state"]["descriptor"]["code"] == state
            for d in net.collector.all_for(txn, "on_status")
        ):
            assert time.monotonic() < deadline, f"no unsolicited on_status {state}"
            time.sleep(0.05)
    statuses = net.collector.all_for(txn, "on_status")
    assert len({d["context"]["message_id"] for d in statuses}) == 3  # each unsolicited: a new message_id
    assert statuses[-1]["message"]["order"]["status"] == "COMPLETE"

    again = net.merchant("POST", f"/api/orders/{order_id}/accept")
    assert again.status_code == 409 and "COMPLETED" in again.json()["error"]["message"]
    rated = net.call("rating", {"ratings": [{"rating_category": "Order", "id": order_id, "value": "5"}]}, txn)
    assert "error" not in rated
    assert net.merchant("GET", f"/api/orders/{order_id}").json()["order"]["rating"] == 5
    status = net.call("status", {"order_id": order_id}, txn)["message"]["order"]
    assert status["status"] == "COMPLETE"
    support = net.call("support", {"support": {"ref_id": order_id}}, txn)["message"]["support"]
    assert support["phone"] == "+1-301-875-5144"


def test_declined_order_tells_the_buyer_with_the_reason(net: Network) -> None:
    txn, order = place_order(net)
    resp = net.merchant("POST", f"/api/orders/{order['id']}/decline", json={"reason": "sold out of lamb"})
    assert resp.status_code == 200 and resp.json()["order"]["state"] == "DECLINED"
    update = net.collector.wait("on_status", transaction_id=txn)["message"]["order"]
    assert update["status"] == "CANCELLED"
    assert update["cancellation"]["cancelled_by"] == "PROVIDER"
    assert "sold out of lamb" in update["cancellation"]["reason"]["descriptor"]["name"]


def test_buyer_cancels_while_created_but_not_once_ready(net: Network) -> None:
    txn, order = place_order(net)
    cancelled = net.call("cancel", {"order_id": order["id"], "cancellation_reason_id": "changed-mind"}, txn)
    assert cancelled["message"]["order"]["status"] == "CANCELLED"
    txn2, order2 = place_order(net)
    for step in ("accept", "ready"):
        assert net.merchant("POST", f"/api/orders/{order2['id']}/{step}").status_code == 200
    refused = net.call("cancel", {"order_id": order2["id"]}, txn2)
    assert refused["error"]["code"] == "50001"
    assert net.merchant("GET", f"/api/orders/{order2['id']}").json()["order"]["state"] == "READY"


def test_update_before_acceptance_reprices_and_is_refused_after(net: Network) -> None:
    txn, order = place_order(net)
    change = {"id": order["id"], "items": cart(("roujiamo", 1, []))}
    updated = net.call("update", {"update_target": "item", "order": change}, txn)["message"]["order"]
    assert updated["quote"]["price"]["value"] == "6.95"
    assert net.merchant("POST", f"/api/orders/{order['id']}/accept").status_code == 200
    refused = net.call("update", {"update_target": "item", "order": change}, txn)
    assert refused["error"]["code"] == "50002"


def test_track_of_a_pickup_order_shows_the_location(net: Network) -> None:
    txn, order = place_order(net)
    tracking = net.call("track", {"order_id": order["id"]}, txn)["message"]["tracking"]
    assert tracking["status"] == "active" and tracking["location"]["id"] == "rockville"


def test_confirm_retried_with_a_new_message_id_yields_one_order(net: Network) -> None:
    txn, order = place_order(net)
    retried = net.call(
        "confirm", {"order": {"provider": {"id": "chuanshan"}, "items": LUNCH, "fulfillments": pickup()}}, txn
    )
    assert retried["message"]["order"]["id"] == order["id"]
    mine = [o for o in net.merchant("GET", "/api/orders").json()["orders"] if o["transaction_id"] == txn]
    assert len(mine) == 1
    # The retry's on_confirm carries the same seller-signed receipt as the first one did.
    first, again = receipt_from_tags(order.get("tags")), receipt_from_tags(retried["message"]["order"].get("tags"))
    assert first is not None and again == first


def test_a_confirm_whose_ttl_ran_out_before_handling_gets_an_error_and_makes_no_order(net: Network) -> None:
    txn = str(uuid.uuid4())
    order = {"provider": {"id": "chuanshan"}, "items": LUNCH, "fulfillments": pickup(), "billing": BILLING}
    # Validly signed now, but its context says it was sent two minutes ago with a 30 s ttl:
    # what a confirm looks like when it waited in a long backlog.
    mid = net.send("confirm", {"order": order}, txn, sent_at=datetime.now(UTC) - timedelta(minutes=2))
    answer = net.collector.wait("on_confirm", mid)
    assert answer["error"]["code"] == "30000" and "ttl" in answer["error"]["message"]
    assert "message" not in answer
    assert [o for o in net.merchant("GET", "/api/orders").json()["orders"] if o["transaction_id"] == txn] == []


def test_pickup_when_closed_gets_an_error_callback(net: Network) -> None:
    txn = str(uuid.uuid4())
    order = {"provider": {"id": "chuanshan"}, "items": LUNCH, "fulfillments": pickup(SUNDAY_2230_NY)}
    answer = net.call("init", {"order": order}, txn)
    assert answer["error"]["code"] == "30008"
    assert "closed" in answer["error"]["message"]
    assert "message" not in answer


def test_beyond_stock_and_unknown_item_get_error_callbacks(net: Network) -> None:
    txn = str(uuid.uuid4())
    too_many = {"provider": {"id": "chuanshan"}, "items": cart(("yangrou-paomo", PAOMO_STOCK + 1, []))}
    assert net.call("select", {"order": too_many}, txn)["error"]["code"] == "40002"
    unknown = {"provider": {"id": "chuanshan"}, "items": cart(("pizza", 1, []))}
    assert net.call("select", {"order": unknown}, txn)["error"]["code"] == "30004"
    confirm = {"provider": {"id": "chuanshan"}, "items": too_many["items"], "fulfillments": pickup()}
    assert net.call("confirm", {"order": confirm}, txn)["error"]["code"] == "40002"
    assert [o for o in net.merchant("GET", "/api/orders").json()["orders"] if o["transaction_id"] == txn] == []


def test_restart_after_init_keeps_the_draft_and_delivers_pending_callbacks(net: Network) -> None:
    txn = str(uuid.uuid4())
    order = {"provider": {"id": "chuanshan"}, "items": LUNCH}
    net.call("select", {"order": order}, txn)
    net.collector.refuse = True  # the buyer is down: on_init stays in the restaurant's outbox
    init_id = net.send("init", {"order": {**order, "fulfillments": pickup(), "billing": BILLING}}, txn)
    time.sleep(0.5)
    net.restaurant.kill()
    net.collector.refuse = False
    net.restaurant.start()
    on_init = net.collector.wait("on_init", init_id, timeout=20)
    assert on_init["message"]["order"]["quote"]["price"]["value"] == "33.85"
    confirm = net.call("confirm", {"order": {"provider": {"id": "chuanshan"}}}, txn)
    assert confirm["message"]["order"]["status"] == "ACTIVE"
    assert confirm["message"]["order"]["fulfillments"][0]["stops"][0]["location"]["id"] == "rockville"
    assert (
        timedelta(0)
        <= datetime.now(UTC) - datetime.fromisoformat(confirm["context"]["timestamp"])
        < timedelta(minutes=1)
    )


def test_cli_lists_shows_and_accepts_orders_through_the_running_node(net: Network) -> None:
    _, order = place_order(net)
    d = str(net.seller_dir)
    accepted = duijie("orders", "accept", order["id"], "--data-dir", d, check=True)
    assert "ACCEPTED" in accepted.stdout
    listed = json.loads(duijie("orders", "list", "--state", "accepted", "--json", "--data-dir", d, check=True).stdout)
    assert order["id"] in [o["id"] for o in listed]
    shown = duijie("orders", "show", order["id"], "--data-dir", d, check=True).stdout
    assert "CREATED" in shown and "ACCEPTED" in shown and "by merchant" in shown
    again = duijie("orders", "decline", order["id"], "--reason", "too late", "--data-dir", d)
    assert again.returncode == 2 and "ACCEPTED" in again.stderr and "possible only from CREATED" in again.stderr
    assert "Traceback" not in again.stderr
