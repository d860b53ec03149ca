import base64
from datetime import UTC, datetime

import pytest

from duijie.protocol.keys import EncryptionKey, KeyFormatError, NodeKeys, SigningKey, VerifyKey

# beckn-vectors.md V1 (BECKN-006 worked example)
V1_PRIVATE = "lP3sHA+9gileOkXYJXh4Jg8tK0gEEMbf9yCPnFpbldhrAY+NErqL9WD+Vav7TE5tyVXGXBle9ONZi2W7o144eQ=="
V1_PUBLIC = "awGPjRK6i/Vg/lWr+0xObclVxlwZXvTjWYtlu6NeOHk="


def test_libsodium_64_byte_secret_key_gives_the_published_public_key() -> None:
    key = SigningKey.from_base64(V1_PRIVATE)
    assert key.public_key_base64() == V1_PUBLIC
    assert key.secret_key_base64() == V1_PRIVATE


def test_32_byte_seed_form_is_the_same_key() -> None:
    key = SigningKey.from_base64(V1_PRIVATE)
    assert SigningKey.from_base64(key.seed_base64()).public_key_base64() == V1_PUBLIC


def test_64_byte_key_whose_public_half_does_not_match_is_refused() -> None:
    raw = base64.b64decode(V1_PRIVATE)
    broken = base64.b64encode(raw[:32] + bytes(32)).decode()
    with pytest.raises(KeyFormatError):
        SigningKey.from_base64(broken)


@pytest.mark.parametrize("text", ["not base64!!", base64.b64encode(b"short").decode()])
def test_bad_key_text_is_refused(text: str) -> None:
    with pytest.raises(KeyFormatError):
        SigningKey.from_base64(text)
    with pytest.raises(KeyFormatError):
        VerifyKey.from_base64(text)


def test_v3_ondc_site_verification_signature_is_reproduced() -> None:
    """beckn-vectors.md V3: Ed25519 over the raw request_id."""
    key = SigningKey.from_base64(
        "8pPXr0Y4iwG590D9h2XJ+LAk2vXiOAVS0If7ep1FAqd9AK2I1RKLvAju6cr4g2HLfkU9yee/AAsXX1/UmsuScg=="
    )
    signature = key.sign(b"27baa06d-f90a-486c-85e5-cc621b787f04")
    assert base64.b64encode(signature).decode() == (
        "BcJeNC7OWGvLKsmdSKmn43O1WNrmT4zDsH3nkAsRTCEs6C7RQ9FVEEqC+dmhUYlCiRsjGKkybQ6N5j7O0mPkBw=="
    )
    assert VerifyKey.from_base64("fQCtiNUSi7wI7unK+INhy35FPcnnvwALF19f1JrLknI=").verify(
        b"27baa06d-f90a-486c-85e5-cc621b787f04", signature
    )


def test_verify_rejects_a_signature_from_another_key() -> None:
    message = b"hello"
    signature = SigningKey.generate().sign(message)
    assert not SigningKey.generate().verify_key().verify(message, signature)


def test_secret_keys_never_appear_in_repr() -> None:
    key = SigningKey.from_base64(V1_PRIVATE)
    enc = EncryptionKey.generate()
    assert V1_PRIVATE not in repr(key) and key.seed_base64() not in repr(key)
    assert enc.private_key_base64() not in repr(enc)


def test_x25519_public_key_is_32_bytes_base64_and_round_trips() -> None:
    enc = EncryptionKey.generate()
    assert len(base64.b64decode(enc.public_key_base64())) == 32
    assert EncryptionKey.from_base64(enc.private_key_base64()).public_key_base64() == enc.public_key_base64()


def test_node_keys_are_valid_only_inside_their_window() -> None:
    keys = NodeKeys(
        "s",
        "k",
        SigningKey.generate(),
        EncryptionKey.generate(),
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert keys.is_valid_at(datetime(2025, 6, 1, tzinfo=UTC))
    assert not keys.is_valid_at(datetime(2026, 1, 2, tzinfo=UTC))
    assert not keys.is_valid_at(datetime(2024, 12, 31, tzinfo=UTC))
