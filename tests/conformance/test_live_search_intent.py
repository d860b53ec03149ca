"""The search a buyer node sends for `duijie search` validates against Beckn core 1.1.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.support.beckn_spec import requires_spec, validate_message

from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.envelope_schema import validate_envelope
from duijie.protocol.outbound import wire_bytes
from duijie.services.live_search import search_intent

pytestmark = requires_spec


def test_a_live_search_with_text_category_and_a_circle_validates() -> None:
    ctx = Context(domain="nic2004:55204", action=Action.SEARCH, bap_id="127.0.0.1:8001",
                  bap_uri="http://127.0.0.1:8001/beckn", transaction_id="6f4b3e1c-1f5c-4b55-9c53-2f8c1e0d9a11",
                  message_id="0b6d7c39-4a9e-4f41-8c2e-5d0f3b7a2c44",
                  timestamp=format_timestamp(datetime(2026, 12, 1, tzinfo=UTC)), ttl="PT30S")
    intent = search_intent({"text": "凉皮", "category": "street_food", "near": (39.09, -77.15), "within_km": 3.0})
    doc = json.loads(wire_bytes({"context": ctx.to_dict(), "message": {"intent": intent}}))
    assert validate_message("search", doc) == []
    assert validate_envelope(doc, "search") == []
