"""Hypothesis fuzzing of ``POST /beckn/{action}`` with malformed but correctly signed bodies: no 5xx.

The sender is a node the receiver trusts (its lookup is the receiver's configured registry), and
every generated body is signed with the sender's key, so each one passes the signature check and
reaches the JSON, schema, sender, replay and handler stages. Most examples run against an
in-process node (starlette's TestClient runs its lifespan, so journal workers handle what was
ACKed); one shorter pass runs against a real ``duijie serve`` process.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tests.support.mock_network import DEMO_DATA, MockNet, url
from tests.support.processes import ServerProcess, duijie, free_ports

from duijie.protocol.context import Action
from duijie.protocol.outbound import build_signed_request
from duijie.services.container import running
from duijie.storage.keyfiles import current_keys

CONTEXT_FIELDS = ("domain", "action", "version", "bap_id", "bap_uri", "bpp_id", "bpp_uri", "transaction_id",
                  "message_id", "timestamp", "ttl", "location", "key")
ACTIONS = st.sampled_from([a.value for a in Action])
MESSAGES: dict[str, dict[str, Any]] = {  # a message each action's schema accepts, to be broken from
    "search": {"intent": {"descriptor": {"name": "凉皮"}}},
    "status": {"order_id": "o-1"},
    "track": {"order_id": "o-1"},
    "support": {"support": {"order_id": "o-1"}},
    "cancel": {"order_id": "o-1", "cancellation_reason_id": "1"},
    "rating": {"ratings": [{"id": "o-1", "rating_category": "Order", "value": "5"}]},
}

json_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)


def _context(sender: str, receiver: str, action: str, message_id: str) -> dict[str, Any]:
    return {
        "domain": "nic2004:55204", "action": action, "version": "1.1.0",
        "bap_id": sender, "bap_uri": f"http://{sender}/beckn", "bpp_id": receiver, "bpp_uri": f"http://{receiver}/beckn",
        "transaction_id": message_id[::-1], "message_id": message_id,
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"), "ttl": "PT30S",
    }


def _replace_one(doc: dict[str, Any], index: int, value: Any) -> None:
    """Replace the ``index``-th value met walking ``doc`` (modulo their number) with ``value``."""
    slots: list[tuple[Any, Any]] = []
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            slots.append((node, key))
            stack.append(child)
    if slots:
        node, key = slots[index % len(slots)]
        node[key] = value


def _dumps(doc: Any) -> bytes:
    # The stdlib writes what orjson would not (integers past 64 bits, lone surrogates as escapes).
    return json.dumps(doc).encode()


@st.composite
def malformed(draw: st.DrawFn, sender: str, receiver: str) -> tuple[str, bytes]:
    """A path action and a body: a plausible envelope broken in one or a few ways, or not JSON at all."""
    action = draw(ACTIONS | st.sampled_from(sorted(MESSAGES)))
    message = MESSAGES.get(action)
    doc: dict[str, Any] = {"context": _context(sender, receiver, action, str(draw(st.uuids()))),
                           "message": json.loads(json.dumps(message)) if message else draw(json_values)}
    how = draw(st.sampled_from(["none", "value", "field", "drop", "message", "document", "bytes", "deep", "path"]))
    if how == "value" and message:
        _replace_one(doc["message"], draw(st.integers(min_value=0, max_value=20)), draw(json_values))
    elif how == "field":
        for name in draw(st.lists(st.sampled_from(CONTEXT_FIELDS), min_size=1, max_size=3)):
            doc["context"][name] = draw(json_values)
    elif how == "drop":
        for name in draw(st.lists(st.sampled_from(CONTEXT_FIELDS), min_size=1, max_size=4)):
            doc["context"].pop(name, None)
    elif how == "message":
        doc["message"] = {draw(st.sampled_from(["order", "intent", "catalog", "rating", "support"])): draw(json_values)}
    elif how == "document":
        return action, _dumps(draw(json_values))
    elif how == "bytes":
        return action, draw(st.binary(max_size=200))
    elif how == "deep":
        depth = draw(st.integers(min_value=30, max_value=3000))
        body = _dumps(doc)
        return action, body[:-1] + b',"x":' + b"[" * depth + b"]" * depth + b"}"
    else:
        action = draw(st.sampled_from(["confirm ", "on_confirm%00", "CONFIRM", "ｃｏｎｆｉｒｍ", "x" * 300]))
    return action, _dumps(doc)


def _fuzz(post: Callable[[str, bytes], httpx.Response], sender: str, receiver: str, examples: int) -> dict[int, int]:
    statuses: dict[int, int] = {}

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=malformed(sender, receiver))
    def run(case: tuple[str, bytes]) -> None:
        action, body = case
        resp = post(action, body)
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        assert resp.status_code < 500, (action, body[:200], resp.status_code, resp.text[:300])

    run()
    return statuses


@pytest.fixture
def net(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> MockNet:
    monkeypatch.delenv("DUIJIE_LOCAL_INDEX")  # a buyer node keeps its local search index, as by default
    return net


def test_signed_malformed_messages_never_get_a_5xx_in_process(net: MockNet, caplog: pytest.LogCaptureFixture) -> None:
    net.add("client")
    shop = net.add("shop", registries=(url("client") + "/registry",), listing="chuanshan.json")
    signer = net.nodes["client"].signer
    loop = asyncio.new_event_loop()
    background = running(shop.services)  # journal workers handle what was ACKed, as in `duijie serve`
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=shop.app), base_url=url("shop"))
    loop.run_until_complete(background.__aenter__())
    try:
        with caplog.at_level(logging.ERROR):

            def post(action: str, body: bytes) -> httpx.Response:
                headers = signer.headers_for(body, datetime.now(UTC))
                return loop.run_until_complete(client.post(f"/beckn/{action}", content=body, headers=headers))

            statuses = _fuzz(post, "client.test", "shop.test", examples=300)
            loop.run_until_complete(asyncio.sleep(0.5))  # the last ACKed messages are handled
            assert loop.run_until_complete(client.get("/healthz")).status_code == 200
    finally:
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(background.__aexit__(None, None, None))
        loop.close()
    assert statuses.get(200, 0) > 0, statuses  # some got through every check and were ACKed
    assert sum(n for s, n in statuses.items() if s >= 400) > 0, statuses
    crashes = [r for r in caplog.records if r.exc_info and r.name.startswith("duijie")]
    assert not crashes, [f"{r.name}: {r.getMessage()}" for r in crashes][:5]


def test_signed_malformed_messages_never_get_a_5xx_from_a_live_node(tmp_path: Path) -> None:
    base = free_ports(2)
    sender_dir, target_dir = tmp_path / "sender", tmp_path / "target"
    duijie("init", "--data-dir", str(sender_dir), "--url", f"http://127.0.0.1:{base}/beckn", check=True)
    duijie("init", "--data-dir", str(target_dir), "--url", f"http://127.0.0.1:{base + 1}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(target_dir), check=True)
    sender = ServerProcess(sender_dir, base).start()
    target = ServerProcess(target_dir, base + 1, ["--registry", f"{sender.base}/registry"]).start()
    try:
        keys = current_keys(sender_dir, datetime.now(UTC))

        def post(action: str, body: bytes) -> httpx.Response:
            _, headers = build_signed_request(body, keys, datetime.now(UTC))
            return httpx.post(f"{target.base}/beckn/{action}", content=body, headers=headers, timeout=15)

        statuses = _fuzz(post, keys.subscriber_id, f"127.0.0.1:{base + 1}", examples=40)
        assert statuses.get(200, 0) > 0, statuses
        assert httpx.get(f"{target.base}/healthz").status_code == 200
        assert "Traceback" not in target.log.read_text()
    finally:
        target.stop()
        sender.stop()
