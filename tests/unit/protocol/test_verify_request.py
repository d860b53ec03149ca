"""sign_request → verify_request round trips, and every way verification must fail."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from duijie.protocol.authorization import SignatureError, SignatureHeader, SignatureProblem
from duijie.protocol.keys import SigningKey, VerifyKey
from duijie.protocol.signing import (
    DEFAULT_SKEW_SECONDS,
    MAX_LIFETIME_SECONDS,
    REPLAY_MEMORY_SECONDS,
    check_window,
    sign_request,
    verify_request,
    verify_request_sync,
    verify_with_key,
)

BODY = '{"context":{"action":"search"},"message":{"intent":{"descriptor":{"name":"凉皮"}}}}'.encode()
CREATED, EXPIRES = 1700000000, 1700000030
INSIDE = datetime.fromtimestamp(CREATED + 10, UTC)


class Resolver:
    def __init__(self, keys: dict[tuple[str, str], VerifyKey]) -> None:
        self.keys = keys
        self.asked: list[tuple[str, str]] = []

    async def resolve(self, subscriber_id: str, unique_key_id: str) -> VerifyKey | None:
        self.asked.append((subscriber_id, unique_key_id))
        return self.keys.get((subscriber_id, unique_key_id))


def _header(key: SigningKey, body: bytes = BODY, created: int = CREATED, expires: int = EXPIRES) -> str:
    return sign_request(body, key, "bap.test", "k1", created, expires)


def _verify(body: bytes, header: str | None, key: SigningKey, now: datetime = INSIDE) -> SignatureHeader:
    resolver = Resolver({("bap.test", "k1"): key.verify_key()})
    return asyncio.run(verify_request(body, header, resolver, now))


def _reason(body: bytes, header: str | None, key: SigningKey, now: datetime = INSIDE) -> SignatureProblem:
    with pytest.raises(SignatureError) as caught:
        _verify(body, header, key, now)
    return caught.value.reason


def test_round_trip_with_an_async_resolver(v1_key: SigningKey) -> None:
    resolver = Resolver({("bap.test", "k1"): v1_key.verify_key()})
    header = asyncio.run(verify_request(BODY, _header(v1_key), resolver, INSIDE))
    assert (header.subscriber_id, header.unique_key_id, header.created) == ("bap.test", "k1", CREATED)
    assert resolver.asked == [("bap.test", "k1")]


def test_round_trip_with_a_plain_sync_or_async_callable(v1_key: SigningKey) -> None:
    def lookup(sid: str, ukid: str) -> VerifyKey | None:
        return v1_key.verify_key() if (sid, ukid) == ("bap.test", "k1") else None

    async def alookup(sid: str, ukid: str) -> VerifyKey | None:
        return lookup(sid, ukid)

    assert verify_request_sync(BODY, _header(v1_key), lookup, INSIDE).subscriber_id == "bap.test"
    assert asyncio.run(verify_request(BODY, _header(v1_key), lookup, INSIDE)).subscriber_id == "bap.test"
    assert asyncio.run(verify_request(BODY, _header(v1_key), alookup, INSIDE)).subscriber_id == "bap.test"


def test_missing_header_is_missing(v1_key: SigningKey) -> None:
    assert _reason(BODY, None, v1_key) is SignatureProblem.MISSING


def test_unknown_key_is_unknown(v1_key: SigningKey) -> None:
    header = sign_request(BODY, v1_key, "bap.test", "k2", CREATED, EXPIRES)
    assert _reason(BODY, header, v1_key) is SignatureProblem.UNKNOWN_KEY
    with pytest.raises(SignatureError) as caught:
        verify_request_sync(BODY, header, lambda s, u: None, INSIDE)
    assert caught.value.reason is SignatureProblem.UNKNOWN_KEY


def test_signature_by_another_key_is_bad(v1_key: SigningKey) -> None:
    assert _reason(BODY, _header(SigningKey.generate()), v1_key) is SignatureProblem.BAD_SIGNATURE


@pytest.mark.parametrize("index", [0, 40, len(BODY) - 1])
def test_one_changed_byte_in_the_body_breaks_the_signature(v1_key: SigningKey, index: int) -> None:
    tampered = bytearray(BODY)
    tampered[index] ^= 0x01
    assert _reason(bytes(tampered), _header(v1_key), v1_key) is SignatureProblem.BAD_SIGNATURE


def test_reserialised_body_does_not_verify(v1_key: SigningKey) -> None:
    spaced = BODY.replace(b",", b", ")
    assert _reason(spaced, _header(v1_key), v1_key) is SignatureProblem.BAD_SIGNATURE


def test_changing_created_in_the_header_breaks_the_signature(v1_key: SigningKey) -> None:
    forged = _header(v1_key).replace(f'created="{CREATED}"', f'created="{CREATED + 1}"')
    assert _reason(BODY, forged, v1_key) is SignatureProblem.BAD_SIGNATURE


def test_expired_signature_is_expired(v1_key: SigningKey) -> None:
    late = datetime.fromtimestamp(EXPIRES + 6, UTC)
    assert _reason(BODY, _header(v1_key), v1_key, late) is SignatureProblem.EXPIRED


def test_expiry_within_the_skew_is_still_accepted(v1_key: SigningKey) -> None:
    assert _verify(BODY, _header(v1_key), v1_key, datetime.fromtimestamp(EXPIRES + 5, UTC)).expires == EXPIRES


def test_created_in_the_future_is_not_yet_valid(v1_key: SigningKey) -> None:
    early = datetime.fromtimestamp(CREATED - 6, UTC)
    assert _reason(BODY, _header(v1_key), v1_key, early) is SignatureProblem.NOT_YET_VALID


def test_created_within_the_skew_is_accepted(v1_key: SigningKey) -> None:
    assert _verify(BODY, _header(v1_key), v1_key, datetime.fromtimestamp(CREATED - 5, UTC)).created == CREATED


def test_expires_not_after_created_is_malformed(v1_key: SigningKey) -> None:
    header = SignatureHeader.parse(_header(v1_key, created=CREATED, expires=CREATED + 1))
    same = SignatureHeader(
        header.subscriber_id,
        header.unique_key_id,
        "ed25519",
        CREATED,
        CREATED,
        header.headers,
        header.signature,
    )
    with pytest.raises(SignatureError) as caught:
        check_window(same, INSIDE)
    assert caught.value.reason is SignatureProblem.MALFORMED


def test_verify_with_key_checks_the_window_after_the_signature(v1_key: SigningKey) -> None:
    header = SignatureHeader.parse(_header(v1_key))
    verify_with_key(BODY, header, v1_key.verify_key(), INSIDE)
    with pytest.raises(SignatureError) as caught:
        verify_with_key(BODY, header, v1_key.verify_key(), datetime.fromtimestamp(EXPIRES + 60, UTC))
    assert caught.value.reason is SignatureProblem.EXPIRED


def test_algorithm_mismatch_is_reported_before_key_lookup(v1_key: SigningKey) -> None:
    header = _header(v1_key).replace('algorithm="ed25519"', 'algorithm="rsa-sha256"')
    resolver = Resolver({("bap.test", "k1"): v1_key.verify_key()})
    with pytest.raises(SignatureError) as caught:
        asyncio.run(verify_request(BODY, header, resolver, INSIDE))
    assert caught.value.reason is SignatureProblem.ALGORITHM_MISMATCH
    assert resolver.asked == []


def test_a_signature_valid_for_more_than_a_day_is_refused(v1_key: SigningKey) -> None:
    """The cap lets a node forget a message_id a day after receiving it (see REPLAY_MEMORY_SECONDS)."""
    day = _header(v1_key, created=CREATED, expires=CREATED + MAX_LIFETIME_SECONDS)
    assert _verify(BODY, day, v1_key).expires == CREATED + MAX_LIFETIME_SECONDS
    longer = _header(v1_key, created=CREATED, expires=CREATED + MAX_LIFETIME_SECONDS + 1)
    assert _reason(BODY, longer, v1_key) is SignatureProblem.TOO_LONG_LIVED
    # A replay one replay-memory after the first receipt is refused as expired, whatever it carries.
    late = datetime.fromtimestamp(CREATED + DEFAULT_SKEW_SECONDS + REPLAY_MEMORY_SECONDS, UTC)
    assert _reason(BODY, day, v1_key, late) is SignatureProblem.EXPIRED
