"""The inbound pipeline: each refusal has the right status, code and headers, and only a message
that passes every earlier step is recorded by the replay guard."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.keys import EncryptionKey, NodeKeys, SigningKey, VerifyKey
from duijie.protocol.outbound import add_gateway_signature, build_signed_request, wire_bytes
from duijie.protocol.pipeline import (
    REPLAY_STATUS,
    Inbound,
    InboundPipeline,
    PipelineConfig,
    Rejection,
    Verified,
    check_size,
    parse_json,
)
from duijie.protocol.signing import sign_request

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
CHALLENGE = 'Signature realm="bpp.test",headers="(created) (expires) digest"'


def _keys(subscriber_id: str, ukid: str = "k1") -> NodeKeys:
    return NodeKeys(
        subscriber_id,
        ukid,
        SigningKey.generate(),
        EncryptionKey.generate(),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )


BAP = _keys("bap.test")
BG = _keys("bg.test", "g1")
STRANGER = _keys("stranger.test")


class Resolver:
    def __init__(self, *known: NodeKeys) -> None:
        self.keys = {(k.subscriber_id, k.unique_key_id): k.signing.verify_key() for k in known}

    async def resolve(self, subscriber_id: str, unique_key_id: str) -> VerifyKey | None:
        return self.keys.get((subscriber_id, unique_key_id))


class MemoryGuard:
    def __init__(self) -> None:
        self.recorded: set[tuple[str, str, str]] = set()

    async def seen_before(self, sender_id: str, message_id: str, action: str) -> bool:
        key = (sender_id, message_id, action)
        seen = key in self.recorded
        self.recorded.add(key)
        return seen


def _search(message_id: str = "m-1", **context: Any) -> dict[str, Any]:
    ctx = Context(
        domain="retail",
        action=Action.SEARCH,
        bap_id="bap.test",
        bap_uri="http://bap.test/beckn",
        transaction_id="t-1",
        message_id=message_id,
        timestamp=format_timestamp(NOW),
        ttl="PT30S",
    )
    return {"context": ctx.to_dict() | context, "message": {"intent": {"descriptor": {"name": "肉夹馍"}}}}


def _signed(
    doc: dict[str, Any] | bytes, keys: NodeKeys = BAP, now: datetime = NOW
) -> tuple[bytes, dict[str, str]]:
    return build_signed_request(doc, keys, now, ttl_seconds=30)


def _run(
    body: bytes,
    headers: dict[str, str],
    *,
    action: str = "search",
    now: datetime = NOW,
    guard: MemoryGuard | None = None,
    max_bytes: int = 100_000,
) -> tuple[Verified | Rejection, MemoryGuard]:
    guard = guard or MemoryGuard()
    pipeline = InboundPipeline(PipelineConfig("bpp.test", max_bytes, 5), Resolver(BAP, BG), guard)
    return asyncio.run(pipeline.run(Inbound(body, headers, action, now))), guard


def _rejected(result: Verified | Rejection, status: int) -> Rejection:
    assert isinstance(result, Rejection), result
    assert result.status == status, result.body
    assert result.body["message"] == {"ack": {"status": "NACK"}}
    assert result.body["error"]["code"] == "30000"
    return result


def test_signed_valid_search_is_verified_and_recorded() -> None:
    result, guard = _run(*_signed(_search()))
    assert isinstance(result, Verified)
    assert result.context.message_id == "m-1" and result.context.action is Action.SEARCH
    assert result.message["intent"]["descriptor"]["name"] == "肉夹馍"
    assert (result.signer_subscriber_id, result.gateway_subscriber_id) == ("bap.test", None)
    assert guard.recorded == {("bap.test", "m-1", "search")}


def test_headers_are_matched_case_insensitively() -> None:
    body, headers = _signed(_search())
    result, _ = _run(body, {k.lower(): v for k, v in headers.items()})
    assert isinstance(result, Verified)


def test_missing_authorization_is_401_with_www_authenticate() -> None:
    body, _ = _signed(_search())
    result, guard = _run(body, {"Content-Type": "application/json"})
    rejection = _rejected(result, 401)
    assert rejection.headers == {"WWW-Authenticate": CHALLENGE}
    assert "missing" in rejection.body["error"]["message"]
    assert guard.recorded == set()


def test_malformed_authorization_is_401() -> None:
    body, _ = _signed(_search())
    result, guard = _run(body, {"Authorization": 'Signature keyId="x"'})
    assert "malformed" in _rejected(result, 401).body["error"]["message"]
    assert guard.recorded == set()


def test_unknown_key_is_401() -> None:
    result, guard = _run(*_signed(_search(bap_id="stranger.test"), STRANGER))
    assert "unknown_key" in _rejected(result, 401).body["error"]["message"]
    assert guard.recorded == set()


def test_wrong_key_is_401() -> None:
    body = wire_bytes(_search())
    forged = sign_request(
        body, STRANGER.signing, "bap.test", "k1", int(NOW.timestamp()), int(NOW.timestamp()) + 30
    )
    result, guard = _run(body, {"Authorization": forged})
    assert "bad_signature" in _rejected(result, 401).body["error"]["message"]
    assert guard.recorded == set()


def test_one_tampered_byte_is_401() -> None:
    body, headers = _signed(_search())
    result, guard = _run(body.replace("肉".encode(), "牛".encode()), headers)
    assert "bad_signature" in _rejected(result, 401).body["error"]["message"]
    assert guard.recorded == set()


def test_expired_signature_is_401() -> None:
    result, guard = _run(*_signed(_search()), now=datetime(2026, 5, 1, 12, 0, 36, tzinfo=UTC))
    assert "expired" in _rejected(result, 401).body["error"]["message"]
    assert guard.recorded == set()


def test_created_in_the_future_is_401() -> None:
    result, guard = _run(*_signed(_search()), now=datetime(2026, 5, 1, 11, 59, 54, tzinfo=UTC))
    assert "not_yet_valid" in _rejected(result, 401).body["error"]["message"]
    assert guard.recorded == set()


def test_algorithm_mismatch_is_401() -> None:
    body, headers = _signed(_search())
    headers["Authorization"] = headers["Authorization"].replace(
        'algorithm="ed25519"', 'algorithm="rsa-sha256"'
    )
    result, _ = _run(body, headers)
    assert "algorithm_mismatch" in _rejected(result, 401).body["error"]["message"]


def test_invalid_json_with_a_valid_signature_is_400() -> None:
    result, guard = _run(*_signed(b'{"context": {'))
    assert "not valid JSON" in _rejected(result, 400).body["error"]["message"]
    assert guard.recorded == set()


def test_json_that_is_not_an_object_is_400() -> None:
    result, _ = _run(*_signed(b"[1, 2]"))
    assert "object" in _rejected(result, 400).body["error"]["message"]


def test_schema_invalid_but_validly_signed_is_400_naming_the_field() -> None:
    doc = _search()
    del doc["context"]["bap_uri"]
    result, guard = _run(*_signed(doc))
    rejection = _rejected(result, 400)
    assert "bap_uri" in rejection.body["error"]["message"]
    assert rejection.body["error"]["paths"] == "$.context"
    assert guard.recorded == set()


def test_context_action_not_matching_the_path_is_400() -> None:
    result, guard = _run(*_signed(_search()), action="select")
    rejection = _rejected(result, 400)
    assert "context.action 'search' does not match path 'select'" in rejection.body["error"]["message"]
    assert rejection.body["error"]["paths"] == "$.context.action"
    assert guard.recorded == set()


def test_replayed_message_id_is_refused_the_second_time() -> None:
    body, headers = _signed(_search())
    first, guard = _run(body, headers)
    assert isinstance(first, Verified)
    second, _ = _run(body, headers, guard=guard)
    assert "already received" in _rejected(second, REPLAY_STATUS).body["error"]["message"]
    assert REPLAY_STATUS == 409


def test_same_message_id_with_another_action_is_not_a_replay() -> None:
    guard = MemoryGuard()
    asyncio.run(guard.seen_before("bap.test", "m-1", "on_search"))
    result, _ = _run(*_signed(_search()), guard=guard)
    assert isinstance(result, Verified)


def test_oversized_body_is_413_and_not_recorded() -> None:
    body, headers = _signed(_search())
    result, guard = _run(body, headers, max_bytes=len(body) - 1)
    _rejected(result, 413)
    assert guard.recorded == set()
    assert asyncio.run(check_size(Inbound(body, headers, "search", NOW), len(body))) is None


def test_unknown_path_action_is_404() -> None:
    result, guard = _run(*_signed(_search()), action="dance")
    _rejected(result, 404)
    assert guard.recorded == set()


def test_signer_must_be_the_bap_named_in_the_context() -> None:
    result, guard = _run(*_signed(_search(bap_id="someone-else.test")))
    rejection = _rejected(result, 401)
    assert "bap_id" in rejection.body["error"]["message"]
    assert guard.recorded == set()


def test_valid_gateway_signature_is_reported() -> None:
    body, headers = _signed(_search())
    result, _ = _run(body, add_gateway_signature(body, headers, BG, NOW))
    assert isinstance(result, Verified)
    assert result.gateway_subscriber_id == "bg.test"


def test_proxy_authorization_is_accepted_as_the_gateway_header() -> None:
    body, headers = _signed(_search())
    gw = add_gateway_signature(body, headers, BG, NOW)
    headers["Proxy-Authorization"] = gw["X-Gateway-Authorization"]
    result, _ = _run(body, headers)
    assert isinstance(result, Verified) and result.gateway_subscriber_id == "bg.test"


def test_non_signature_proxy_authorization_is_ignored() -> None:
    body, headers = _signed(_search())
    result, _ = _run(body, headers | {"Proxy-Authorization": "Basic dXNlcjpwYXNz"})
    assert isinstance(result, Verified) and result.gateway_subscriber_id is None


def test_bad_gateway_signature_is_401_with_proxy_authenticate() -> None:
    body, headers = _signed(_search())
    gw = add_gateway_signature(body, headers, STRANGER, NOW)
    gw["X-Gateway-Authorization"] = gw["X-Gateway-Authorization"].replace("stranger.test|k1", "bg.test|g1")
    result, guard = _run(body, gw)
    rejection = _rejected(result, 401)
    assert rejection.headers == {"Proxy-Authenticate": CHALLENGE}
    assert "gateway signature bad_signature" in rejection.body["error"]["message"]
    assert guard.recorded == set()


def test_callback_must_be_signed_by_the_bpp_named_in_the_context() -> None:
    bpp = _keys("bpp.other")
    doc = {
        "context": _search()["context"]
        | {"action": "on_search", "bpp_id": "bpp.other", "bpp_uri": "http://o/beckn"},
        "message": {"catalog": {"providers": []}},
    }
    pipeline = InboundPipeline(PipelineConfig("bap.test"), Resolver(BAP, bpp), MemoryGuard())
    ok = asyncio.run(pipeline.run(Inbound(*_signed(doc, bpp), "on_search", NOW)))
    assert isinstance(ok, Verified)
    wrong = asyncio.run(pipeline.run(Inbound(*_signed(doc | {"x": 1}, BAP), "on_search", NOW)))
    assert isinstance(wrong, Rejection) and wrong.status == 401


def _on_search(seller: str, message_id: str = "m-1") -> dict[str, Any]:
    return {
        "context": _search(message_id)["context"]
        | {"action": "on_search", "bpp_id": seller, "bpp_uri": f"http://{seller}/beckn"},
        "message": {"catalog": {"providers": []}},
    }


def test_two_sellers_answering_one_message_id_are_both_accepted_and_each_only_once() -> None:
    # Every seller's on_search answers one search under its message_id: the sender tells them apart.
    farm, factory = _keys("farm.test"), _keys("factory.test")
    guard = MemoryGuard()
    pipeline = InboundPipeline(PipelineConfig("bap.test"), Resolver(farm, factory), guard)

    def receive(seller: NodeKeys) -> Verified | Rejection:
        return asyncio.run(pipeline.run(Inbound(*_signed(_on_search(seller.subscriber_id), seller), "on_search", NOW)))

    assert isinstance(receive(farm), Verified)
    assert isinstance(receive(factory), Verified)
    again = _rejected(receive(farm), REPLAY_STATUS)
    assert "'farm.test'" in again.body["error"]["message"]
    assert guard.recorded == {("farm.test", "m-1", "on_search"), ("factory.test", "m-1", "on_search")}


def test_a_replay_is_keyed_on_the_authenticated_signer_not_on_what_the_context_claims() -> None:
    # The signer must match the context's bpp_id anyway, so an impostor is refused before the guard.
    farm = _keys("farm.test")
    guard = MemoryGuard()
    pipeline = InboundPipeline(PipelineConfig("bap.test"), Resolver(farm, STRANGER), guard)
    forged = asyncio.run(pipeline.run(Inbound(*_signed(_on_search("farm.test"), STRANGER), "on_search", NOW)))
    _rejected(forged, 401)
    assert guard.recorded == set()


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"null"])
def test_parse_json_step_alone_rejects_non_objects(raw: bytes) -> None:
    result = asyncio.run(parse_json(Inbound(raw, {}, "search", NOW)))
    assert isinstance(result, Rejection) and result.status == 400


def test_rejection_bodies_are_json_serialisable() -> None:
    result, _ = _run(b"{}", {})
    assert json.loads(json.dumps(result.body))["message"]["ack"]["status"] == "NACK"  # type: ignore[union-attr]
