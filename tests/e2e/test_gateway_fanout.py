"""Three sellers behind a gateway, as real processes: every seller's answer reaches the buyer.

Beckn replies from different senders to one request share its message_id. Before replays were
keyed per sender, the second and third sellers' ``on_search`` were refused with 409 (at the
gateway and again at the buyer), the gateway added an empty catalog of its own, and the refused
callbacks were stored as ``sent`` by their senders.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from tests.support.networks import OutsideBap, SellersNetwork, three_sellers  # noqa: F401 - the fixture
from tests.support.processes import ServerProcess

from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.outbound import build_signed_request
from duijie.storage.node_config import read_admin_token
from duijie.storage.signer import KeyringSigner


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _outbox(net: SellersNetwork, node: ServerProcess) -> dict[str, int]:
    counts: dict[str, int] = net.healthz(node)["outbox"]
    return counts


def _until(check: Any, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.2)
        value = check()
    return value


def test_an_outside_app_gets_one_on_search_per_seller_through_the_gateway_and_none_from_it(
    three_sellers: SellersNetwork,  # noqa: F811 - the fixture imported above
) -> None:
    net = three_sellers
    with OutsideBap.running() as app:
        doc, body, headers = app.search()
        resp = httpx.post(f"{net.gateway.base}/beckn/search", content=body, headers=headers, timeout=10)
        assert resp.status_code == 200 and resp.json()["message"]["ack"]["status"] == "ACK", resp.text
        got = app.wait_for(doc["context"]["message_id"], 3)
    senders = sorted(r.doc["context"]["bpp_id"] for r in got)
    assert senders == sorted(net.seller_ids.values()), [r.doc["context"].get("bpp_id") for r in got]
    gateway_id = net.subscriber_id(net.gateway)
    for answer in got:
        seller = next(n for n, sid in net.seller_ids.items() if sid == answer.doc["context"]["bpp_id"])
        providers = answer.doc["message"]["catalog"]["providers"]
        assert [p["id"] for p in providers] == [net.providers[seller]]  # not empty, and its own
        # Relayed by the gateway: the seller's own signature, the gateway's added.
        assert f'"{answer.doc["context"]["bpp_id"]}|' in (_header(answer.headers, "Authorization") or "")
        assert f'"{gateway_id}|' in (_header(answer.headers, "X-Gateway-Authorization") or "")


def test_two_sellers_answering_one_message_id_directly_to_the_buyer_node_are_both_accepted(
    three_sellers: SellersNetwork,  # noqa: F811 - the fixture imported above
) -> None:
    net = three_sellers
    buyer_id = net.subscriber_id(net.buyer)
    ctx = Context(domain="nic2004:55204", action=Action.SEARCH, bap_id=buyer_id, bap_uri=f"{net.buyer.base}/beckn",
                  transaction_id=str(uuid.uuid4()), message_id=str(uuid.uuid4()),
                  timestamp=format_timestamp(datetime.now(UTC)), ttl="PT30S")
    # The buyer node's own search (signed with its key), sent to two sellers at once.
    keys = KeyringSigner(net.buyer.data_dir).current()
    body, headers = build_signed_request({"context": ctx.to_dict(), "message": {"intent": {}}}, keys,
                                         datetime.now(UTC), ttl_seconds=30)
    two = {name: net.sellers[name] for name in ("farm", "factory")}
    for seller in two.values():
        resp = httpx.post(f"{seller.base}/beckn/search", content=body, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
    token = read_admin_token(net.buyer.data_dir)

    def answered() -> list[dict[str, Any]]:
        resp = httpx.get(f"{net.buyer.base}/api/buy/transactions/{ctx.transaction_id}",
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert resp.status_code == 200, resp.text
        callbacks: list[dict[str, Any]] = resp.json()["callbacks"]
        return callbacks if len(callbacks) >= 2 else []

    callbacks = _until(answered)
    assert sorted(c["bpp_id"] for c in callbacks) == sorted(net.seller_ids[name] for name in two), callbacks
    assert {(c["action"], c["message_id"]) for c in callbacks} == {("on_search", ctx.message_id)}
    assert all(c["document"]["message"]["catalog"]["providers"] for c in callbacks)
    # Each seller's outbox holds its on_search as ACKed: nothing refused, nothing waiting.
    for seller in two.values():
        counts = _until(lambda s=seller: (c := _outbox(net, s))["pending"] == 0 and c)
        assert counts == {"pending": 0, "refused": 0, "expired": 0}, counts


def test_a_nacked_callback_shows_as_refused_in_the_senders_healthz(
    three_sellers: SellersNetwork,  # noqa: F811 - the fixture imported above
) -> None:
    net = three_sellers
    shop = net.sellers["chuanshan"]
    before = _outbox(net, shop)["refused"]
    with OutsideBap.running() as app:
        app.nack = True
        doc, body, headers = app.search()
        resp = httpx.post(f"{shop.base}/beckn/search", content=body, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
        assert len(app.wait_for(doc["context"]["message_id"], 1)) == 1  # it came, and was NACKed
        counts = _until(lambda: (c := _outbox(net, shop))["refused"] > before and c)
    assert counts and counts["refused"] == before + 1 and counts["pending"] == 0, counts
    log = "".join(shop.log.read_text(errors="replace").split())  # the console wraps long lines anywhere
    assert all(part in log for part in ("refused", f"{app.base}/beckn/on_search", "doesnotwantthatanswer")), log
