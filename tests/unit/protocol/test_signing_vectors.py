"""BECKN-006 signing against the vectors in shared/notes/beckn-vectors.md.

V1/V2 are official; D1–D6 and the Chinese vector are DERIVED (no public source; cross-checked
with PyNaCl and Node/OpenSSL).
"""

from __future__ import annotations

import json

import pytest

from duijie.protocol.keys import SigningKey
from duijie.protocol.signing import body_digest, sign_request, signing_string

V1_PRIVATE = "lP3sHA+9gileOkXYJXh4Jg8tK0gEEMbf9yCPnFpbldhrAY+NErqL9WD+Vav7TE5tyVXGXBle9ONZi2W7o144eQ=="
V1_BODY = (
    b'{"context":{"domain":"nic2004:60212","country":"IND","city":"Kochi","action":"search",'
    b'"core_version":"0.9.1","bap_id":"bap.stayhalo.in","bap_uri":"https://8f9f-49-207-209-131.ngrok.io/protocol/",'
    b'"transaction_id":"e6d9f908-1d26-4ff3-a6d1-3af3d3721054","message_id":"a2fe6d52-9fe4-4d1a-9d0b-dccb8b48522d",'
    b'"timestamp":"2022-01-04T09:17:55.971Z","ttl":"P1M"},"message":{"intent":{"fulfillment":{"start":{"location":'
    b'{"gps":"10.108768, 76.347517"}},"end":{"location":{"gps":"10.102997, 76.353480"}}}}}}'
)
V1_DIGEST = "b6lf6lRgOweajukcvcLsagQ2T60+85kRh/Rd2bdS+TG/5ALebOEgDJfyCrre/1+BMu5nA94o4DT3pTFXuUg7sw=="
V1_SIGNATURE = "cjbhP0PFyrlSCNszJM1F/YmHDVAWsZqJUPzojnE/7TJU3fJ/rmIlgaUHEr5E0/2PIyf0tpSnWtT6cyNNlpmoAQ=="
V1_HEADER = (
    'Signature keyId="example-bap.com|ae3ea24b-cfec-495e-81f8-044aaef164ac|ed25519",algorithm="ed25519",'
    'created="1641287875",expires="1641291475",headers="(created) (expires) digest",'
    f'signature="{V1_SIGNATURE}"'
)


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.from_base64(V1_PRIVATE)


def test_v1_body_is_the_published_496_bytes() -> None:
    assert len(V1_BODY) == 496


def test_v1_digest() -> None:
    assert body_digest(V1_BODY) == V1_DIGEST


def test_v1_signing_string_is_three_lf_separated_lines_without_trailing_newline() -> None:
    assert signing_string(1641287875, 1641291475, V1_DIGEST) == (
        b"(created): 1641287875\n(expires): 1641291475\ndigest: BLAKE-512=" + V1_DIGEST.encode()
    )


def test_v1_signature_and_exact_header(key: SigningKey) -> None:
    header = sign_request(
        V1_BODY, key, "example-bap.com", "ae3ea24b-cfec-495e-81f8-044aaef164ac", 1641287875, 1641291475
    )
    assert header == V1_HEADER


def test_v2_blake2b_512_of_the_quick_brown_fox() -> None:
    assert body_digest(b"The quick brown fox jumps over the lazy dog") == (
        "qK3Uvd39k+SHfSdG5igXsRY2Sh+nvBSNlQkLxzM7NnP4JAHPeqLkyx7NkCluPxTLVBP47Xe+cwRbE5FM3NapGA=="
    )


def test_derived_d1_gateway_signature() -> None:
    bg = SigningKey.from_base64(
        "hJ5sCmbe7s9Wateq6QAdBGloVSkLuLHWOXcRkzrMcVLthFldV4gnT9Vrnq9iDNPVSKuDqaercVjQwFlj0Ml+3Q=="
    )
    assert bg.public_key_base64() == "7YRZXVeIJ0/Va56vYgzT1Uirg6mnq3FY0MBZY9DJft0="
    assert sign_request(V1_BODY, bg, "example-bg.com", "bg3456", 1641287885, 1641291485) == (
        'Signature keyId="example-bg.com|bg3456|ed25519",algorithm="ed25519",created="1641287885",'
        'expires="1641291485",headers="(created) (expires) digest",'
        'signature="kUgvyU+bdXXkNuYKygbv0gkjArHKyF9Eg4pdCyxb+J1bMyQ6n4G1RVSM97qqKmgw04mgOkbhyz5chnD3PP1lDQ=="'
    )


def test_derived_d2_seed_00_to_1f() -> None:
    key = SigningKey(bytes(range(32)))
    assert key.public_key_base64() == "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
    assert body_digest(b'{"hello":"world"}') == (
        "K0MSEUPYY0UkWEmg8P26ndBQceQfgPKS6Nw64oGSGUNt71cvuEJSh8MRD8CLk98fLg/HnEdT2LK7MUEP3vDb6A=="
    )
    assert sign_request(b'{"hello":"world"}', key, "sub-id", "ukid", 1700000000, 1700003600).endswith(
        'signature="3g+UCw7IRJUSvyj7ybN7vBXIAIirWjrsghbcy1m7iZrxMxcq8XuabMf+bJH9UAoIqIKuwp1ErJvlUcCwzVQ1Aw=="'
    )


def test_derived_d3_empty_body(key: SigningKey) -> None:
    assert body_digest(b"") == (
        "eGoC90IBWQPGxv2FJVLScpEvR0DhWEdhiobiF/cfVBnSXhAxr+5YUxOJZESTTrBLkDpoWxRIt1XVb3Aa/pvizg=="
    )
    assert sign_request(b"", key, "s", "k", 1700000000, 1700000030).endswith(
        'signature="GFY/Tqq3aEx5pzx4JT3JWdi5UvE/9OJ1/GC/mJT2zUlRcb8E1/JKdrYpCqzwQoZTFprzk4fXA6GBccJy5JpzDw=="'
    )


def test_derived_d4_non_ascii_body_is_hashed_as_raw_utf8(key: SigningKey) -> None:
    body = '{"message":{"intent":{"descriptor":{"name":"Crème brûlée ☕ मसाला"}}}}'.encode()
    assert body_digest(body) == (
        "4UZCJQZfNDI8jcvWbsYTSOUefr5THasn6H+DiAoWfnKCgOoP0FQDwvYSpOQsavIdS91cT3+L+ChwDjNvPgkAzA=="
    )
    assert sign_request(body, key, "s", "k", 1700000000, 1700000030).endswith(
        'signature="cN6XGIDRedISVDj1XMQJq+bJGubl8ZIBYyxa78UdtMO8xIomn2fXbgxmg4B44fZVH3mb2HJGdSeRigrzP9FyCw=="'
    )


# DERIVED (this project): computed with PyNaCl + hashlib and cross-checked with Node 20 crypto.
CHINESE_BODY = (
    '{"context":{"action":"search"},"message":{"intent":{"descriptor":{"name":"肉夹馍 凉皮 ¥12.50"}}}}'
)
CHINESE_DIGEST = "zp1RBu24sajSmFV/S4EOj6lc0oXH903Q7wnKu4fZMC9hDz1E0/E3XGkRJcvL6s0iqvmBLVJ42CCKmv1WrAsztQ=="
CHINESE_SIGNATURE = "QNy01VumHntfSzRGgXoWRtg6E0M31fKWpCQXMa4S7TIjf9jx8wqjsP3z8qPARIvOqCQcHfiNl39FftrNgbc9BQ=="


def test_derived_chinese_utf8_body_digest_and_signature(key: SigningKey) -> None:
    body = CHINESE_BODY.encode("utf-8")
    assert len(body) == 103
    assert body_digest(body) == CHINESE_DIGEST
    assert sign_request(body, key, "bap.duijie.test", "k1", 1700000000, 1700000030) == (
        'Signature keyId="bap.duijie.test|k1|ed25519",algorithm="ed25519",created="1700000000",'
        f'expires="1700000030",headers="(created) (expires) digest",signature="{CHINESE_SIGNATURE}"'
    )


def test_ascii_escaped_reserialisation_of_the_chinese_body_has_another_digest() -> None:
    """Why we hash the wire bytes: an ONDC-utility style re-serialisation changes the digest."""
    escaped = json.dumps(json.loads(CHINESE_BODY), separators=(",", ":")).encode()
    assert escaped != CHINESE_BODY.encode()
    assert body_digest(escaped) != CHINESE_DIGEST


def test_derived_d6_whitespace_changes_the_digest() -> None:
    assert body_digest(b'{"a":1}') == (
        "9b/E5CU4Kgxy1hjGqxEyy06j3bVOAQnP+xuRfHoGtrE5at/X2I+SHOCGQ1OMV8pTL8rOidAXXzM6H1qwFscpSQ=="
    )
    assert body_digest(b'{\n  "a": 1\n}') == (
        "KDykPzXyGkPFBguJMMYMY6XfjinRH3dOs4EkCC7+JQ0AggaMxajAiFM7mCclwCzFqiXGD45bCvbvxfYMS0L0hg=="
    )


def test_expires_not_after_created_cannot_be_signed(key: SigningKey) -> None:
    with pytest.raises(ValueError):
        sign_request(b"{}", key, "s", "k", 100, 100)
