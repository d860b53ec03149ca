"""Every reservation message of the wire mapping validates against Beckn core 1.1.1 transaction.yaml.

The requests are the ones docs/RESERVATIONS.md shows (``reservation_examples``); the callbacks are
written by ``protocol.mapping.reservations`` for the demo's 钓鱼台.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.support.beckn_spec import requires_spec, validate_message
from tests.support.reservation_examples import callbacks, requests

from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.envelope_schema import validate_envelope
from duijie.protocol.errors import error_body
from duijie.protocol.outbound import wire_bytes

pytestmark = requires_spec

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _body(action: str, message: dict[str, Any] | None, error: dict[str, str] | None = None) -> dict[str, Any]:
    ctx = Context(domain="nic2004:55204", action=Action(action), bap_id="diner.example",
                  bap_uri="https://diner.example/beckn", transaction_id="6f4b3e1c-1f5c-4b55-9c53-2f8c1e0d9a11",
                  message_id="0b6d7c39-4a9e-4f41-8c2e-5d0f3b7a2c44", timestamp=format_timestamp(NOW), ttl="PT30S",
                  bpp_id="chuanshan.example" if action != "search" else None,
                  bpp_uri="https://chuanshan.example/beckn" if action != "search" else None)
    body: dict[str, Any] = {"context": ctx.to_dict()}
    if message is not None:
        body["message"] = message
    if error is not None:
        body["error"] = error
    return json.loads(wire_bytes(body))


@pytest.mark.parametrize("action", sorted(requests()))
def test_each_request_of_the_mapping_validates(action: str) -> None:
    doc = _body(action, requests()[action])
    assert validate_message(action, doc) == []
    assert validate_envelope(doc, action) == []


@pytest.mark.parametrize("action", sorted(callbacks()))
def test_each_callback_of_the_mapping_validates(action: str) -> None:
    doc = _body(action, callbacks()[action])
    assert validate_message(action, doc) == []
    assert validate_envelope(doc, action) == []


def test_an_error_callback_naming_the_rule_validates() -> None:
    error = error_body(30008, "dc closes at 22:00 (America/New_York); the slot ends at 22:30 (rule: after_closing)",
                       "message.order.fulfillments[0].stops[0].time.range")
    doc = _body("on_select", None, error)
    assert validate_message("on_select", doc) == []
