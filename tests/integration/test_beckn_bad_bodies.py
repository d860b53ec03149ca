"""Bad bodies at POST /beckn/{action} of a real in-process node, each correctly signed by a node
it knows: 1,500-deep nested JSON, a body over the size limit and invalid UTF-8 are each a 4xx
NACK (never a 5xx), and the node answers a good request afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from tests.support.mock_network import MockNet

from duijie.api.beckn_routes import MAX_BODY_BYTES
from duijie.protocol.outbound import build_signed_request
from duijie.services.container import running

pytestmark = pytest.mark.anyio

DEEP = 1500
BAD_BODIES = {
    "deep_array": b'{"context":{},"message":' + b"[" * DEEP + b"]" * DEEP + b"}",
    "deep_object": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "over_the_limit": b'{"context":{},"message":{"x":"' + b"a" * (MAX_BODY_BYTES + 10) + b'"}}',
    "invalid_utf8": b'{"context":{"action":"search","bap_id":"\xff\xfe\xc3"},"message":{}}',
    "lone_surrogate_escape": b'{"context":{"action":"\\ud800"},"message":{}}',
}


@pytest.mark.parametrize("action", ["search", "confirm", "cancel", "on_status"])
async def test_signed_bad_bodies_are_4xx_never_5xx(net: MockNet, action: str) -> None:
    club = net.add("club", roles=("BPP", "BAP"))
    sender = net.add("b0", roles=("BAP",))
    async with running(club.services), running(sender.services):
        transport = httpx.ASGITransport(app=club.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://club.test") as api:
            for name, raw in BAD_BODIES.items():
                body, headers = build_signed_request(raw, sender.signer.current(), datetime.now(UTC))
                resp = await api.post(f"/beckn/{action}", content=body, headers=headers)
                assert 400 <= resp.status_code < 500, (name, resp.status_code, resp.text[:300])
                assert resp.json()["message"]["ack"]["status"] == "NACK", name
                if name == "over_the_limit":
                    assert resp.status_code == 413
            alive = await api.get("/healthz")
            assert alive.status_code == 200
