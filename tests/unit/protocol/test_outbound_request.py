import asyncio
import json
from datetime import UTC, datetime

import pytest

from duijie.protocol.keys import NodeKeys
from duijie.protocol.outbound import GATEWAY_HEADER, KeysNotValid, add_gateway_signature, build_signed_request
from duijie.protocol.signing import verify_request

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_body_is_serialised_once_compact_and_utf8(bap_keys: NodeKeys) -> None:
    body, headers = build_signed_request({"b": "肉夹馍", "a": [1, 2]}, bap_keys, NOW, 30)
    assert body == '{"b":"肉夹馍","a":[1,2]}'.encode()
    assert headers["Content-Type"].startswith("application/json")


def test_authorization_signs_exactly_the_returned_bytes(bap_keys: NodeKeys) -> None:
    body, headers = build_signed_request({"name": "凉皮"}, bap_keys, NOW, 30)
    header = asyncio.run(
        verify_request(body, headers["Authorization"], lambda s, u: bap_keys.signing.verify_key(), NOW)
    )
    assert (header.subscriber_id, header.unique_key_id) == ("bap.duijie.test", "k1")
    assert header.expires - header.created == 30
    assert header.created == int(NOW.timestamp())


def test_given_bytes_are_signed_unchanged(bap_keys: NodeKeys) -> None:
    raw = b'{ "pretty" : true }'
    body, _ = build_signed_request(raw, bap_keys, NOW, 30)
    assert body is raw


def test_gateway_signature_is_added_over_the_same_body(bap_keys: NodeKeys) -> None:
    body, headers = build_signed_request({"x": 1}, bap_keys, NOW, 30)
    out = add_gateway_signature(body, headers, bap_keys, NOW)
    assert out["Authorization"] == headers["Authorization"] and GATEWAY_HEADER not in headers
    asyncio.run(verify_request(body, out[GATEWAY_HEADER], lambda s, u: bap_keys.signing.verify_key(), NOW))


def test_signing_with_keys_outside_their_window_is_refused(bap_keys: NodeKeys) -> None:
    with pytest.raises(KeysNotValid):
        build_signed_request({}, bap_keys, datetime(2031, 1, 1, tzinfo=UTC), 30)


def test_expires_never_outlives_the_key(bap_keys: NodeKeys) -> None:
    near_end = datetime(2029, 12, 31, 23, 59, 50, tzinfo=UTC)
    _, headers = build_signed_request({}, bap_keys, near_end, 3600)
    assert f'expires="{int(bap_keys.valid_until.timestamp())}"' in headers["Authorization"]


def test_nan_cannot_be_sent(bap_keys: NodeKeys) -> None:
    with pytest.raises(ValueError):
        build_signed_request({"v": float("nan")}, bap_keys, NOW, 30)
    assert json.loads(build_signed_request({"v": 1.5}, bap_keys, NOW, 30)[0]) == {"v": 1.5}
