"""Messages built by duijie's protocol builders validate against Beckn core 1.1.1 transaction.yaml."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from tests.support.beckn_spec import requires_spec, validate_ack, validate_message

from duijie.protocol.context import Action, Context, format_timestamp, reply_context
from duijie.protocol.envelope_schema import validate_envelope
from duijie.protocol.errors import BecknErrorCode, ack_body, error_body, nack_body
from duijie.protocol.outbound import wire_bytes

pytestmark = requires_spec

NOW = datetime(2026, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)


def _search_context() -> Context:
    return Context(
        domain="retail:food",
        action=Action.SEARCH,
        bap_id="bap.duijie.test",
        bap_uri="http://127.0.0.1:8001/beckn",
        transaction_id="6f4b3e1c-1f5c-4b55-9c53-2f8c1e0d9a11",
        message_id="0b6d7c39-4a9e-4f41-8c2e-5d0f3b7a2c44",
        timestamp=format_timestamp(NOW),
        ttl="PT30S",
        city_code="std:029",
        country_code="CHN",
    )


def _on_wire(doc: dict) -> dict:
    """What a peer receives: our one serialisation, parsed back."""
    return json.loads(wire_bytes(doc))


def test_search_built_by_us_validates_against_the_spec() -> None:
    doc = {"context": _search_context().to_dict(), "message": {"intent": {"descriptor": {"name": "肉夹馍"}}}}
    assert validate_message("search", _on_wire(doc)) == []
    assert validate_envelope(doc, "search") == []


def test_on_search_reply_context_validates_against_the_spec() -> None:
    ctx = reply_context(
        _search_context(), timestamp=NOW, bpp_id="bpp.duijie.test", bpp_uri="http://127.0.0.1:8002/beckn"
    )
    catalog = {
        "descriptor": {"name": "川陕名吃"},
        "providers": [{"id": "p1", "items": [{"id": "i1", "price": {"currency": "CNY", "value": "12.50"}}]}],
    }
    doc = {"context": ctx.to_dict(), "message": {"catalog": catalog}}
    assert validate_message("on_search", _on_wire(doc)) == []
    assert validate_envelope(doc, "on_search") == []


def test_status_and_error_callback_validate_against_the_spec() -> None:
    base = reply_context(
        _search_context(), timestamp=NOW, action=Action.STATUS, bpp_id="b.test", bpp_uri="http://b.test/beckn"
    )
    status = {"context": base.to_dict(), "message": {"order_id": "o-1"}}
    assert validate_message("status", _on_wire(status)) == []
    on_status = {
        "context": reply_context(base, timestamp=NOW).to_dict(),
        "error": error_body(BecknErrorCode.ORDER_NOT_FOUND, "no such order"),
    }
    assert validate_message("on_status", _on_wire(on_status)) == []
    assert validate_envelope(on_status, "on_status") == []


@pytest.mark.parametrize(
    "body",
    [ack_body(), nack_body(), nack_body(BecknErrorCode.INVALID_REQUEST, "bad", "$.context.bap_id")],
    ids=["ack", "bare-nack", "nack-with-error"],
)
def test_ack_and_nack_bodies_validate_against_the_spec(body: dict) -> None:
    assert validate_ack(body) == []


def test_spec_validator_rejects_a_numeric_error_code() -> None:
    """Guards the validator itself: Error.code is a string in core 1.1.1."""
    body = {"message": {"ack": {"status": "NACK"}}, "error": {"code": 30000}}
    assert validate_ack(body) != []


def test_spec_validator_rejects_a_wrong_action_in_context() -> None:
    doc = {"context": _search_context().to_dict() | {"action": "select"}, "message": {"intent": {}}}
    assert validate_message("search", doc) != []
