"""Key material of a node: Ed25519 signing keys and X25519 encryption keys (PyNaCl).

Beckn and ONDC documents circulate an Ed25519 private key as base64 of the 64-byte libsodium
secret key (32-byte seed followed by the 32-byte public key); some tools (beckn-onix) use the
32-byte seed alone. Both forms are accepted. Public keys are base64 of the raw 32 bytes, which is
what a registry publishes as ``signing_public_key`` / ``encr_public_key``.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from datetime import datetime

import nacl.exceptions
import nacl.public
import nacl.signing

__all__ = ["EncryptionKey", "KeyFormatError", "NodeKeys", "SigningKey", "VerifyKey"]


class KeyFormatError(ValueError):
    """Raised when key text does not decode to key bytes of the expected length."""


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError(f"{what} is not valid base64") from exc


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True, slots=True)
class VerifyKey:
    """An Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise KeyFormatError(f"an Ed25519 public key has 32 bytes, got {len(self.raw)}")

    @classmethod
    def from_base64(cls, text: str) -> VerifyKey:
        """Decode a registry ``signing_public_key`` (base64 of 32 bytes)."""
        return cls(_b64decode(text, "signing public key"))

    def to_base64(self) -> str:
        """The base64 form published in registries."""
        return _b64(self.raw)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is a valid detached Ed25519 signature of ``message``."""
        try:
            nacl.signing.VerifyKey(self.raw).verify(message, signature)
        except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
            return False
        return True


@dataclass(frozen=True, slots=True, repr=False)
class SigningKey:
    """An Ed25519 private key, held as its 32-byte seed (repr never shows it)."""

    seed: bytes

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise KeyFormatError(f"an Ed25519 seed has 32 bytes, got {len(self.seed)}")

    def __repr__(self) -> str:
        return f"SigningKey(public={self.public_key_base64()!r})"

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh random key."""
        return cls(bytes(nacl.signing.SigningKey.generate()))

    @classmethod
    def from_base64(cls, text: str) -> SigningKey:
        """Decode a 64-byte libsodium secret key or a 32-byte seed, given in base64.

        For the 64-byte form, the trailing public key must match the seed.
        """
        raw = _b64decode(text, "signing private key")
        if len(raw) == 32:
            return cls(raw)
        if len(raw) == 64:
            key = cls(raw[:32])
            if key.verify_key().raw != raw[32:]:
                raise KeyFormatError("the 64-byte secret key's public half does not match its seed")
            return key
        raise KeyFormatError(f"a signing private key has 32 or 64 bytes, got {len(raw)}")

    def secret_key_base64(self) -> str:
        """The 64-byte libsodium secret key (seed ‖ public key) in base64, as Beckn docs use."""
        return _b64(self.seed + self.verify_key().raw)

    def seed_base64(self) -> str:
        """The 32-byte seed in base64 (the form beckn-onix expects)."""
        return _b64(self.seed)

    def verify_key(self) -> VerifyKey:
        """The matching public key."""
        return VerifyKey(bytes(_nacl_signing_key(self.seed).verify_key))

    def public_key_base64(self) -> str:
        """The public key in base64."""
        return self.verify_key().to_base64()

    def sign(self, message: bytes) -> bytes:
        """A detached 64-byte Ed25519 signature of ``message``."""
        return bytes(_nacl_signing_key(self.seed).sign(message).signature)


@functools.lru_cache(maxsize=64)
def _nacl_signing_key(seed: bytes) -> nacl.signing.SigningKey:
    """Deriving the key pair from the seed costs as much as a signature; a node signs with few keys."""
    return nacl.signing.SigningKey(seed)


@dataclass(frozen=True, slots=True, repr=False)
class EncryptionKey:
    """An X25519 private key (for the registry challenge and payload encryption)."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise KeyFormatError(f"an X25519 private key has 32 bytes, got {len(self.raw)}")

    def __repr__(self) -> str:
        return f"EncryptionKey(public={self.public_key_base64()!r})"

    @classmethod
    def generate(cls) -> EncryptionKey:
        """A fresh random key."""
        return cls(bytes(nacl.public.PrivateKey.generate()))

    @classmethod
    def from_base64(cls, text: str) -> EncryptionKey:
        """Decode base64 of the 32-byte private key."""
        return cls(_b64decode(text, "encryption private key"))

    def private_key_base64(self) -> str:
        """The private key in base64 (for key files only)."""
        return _b64(self.raw)

    def public_key_base64(self) -> str:
        """The public key in base64 (a registry's ``encr_public_key``)."""
        return _b64(bytes(nacl.public.PrivateKey(self.raw).public_key))


@dataclass(frozen=True, slots=True)
class NodeKeys:
    """One key set of a subscriber, valid from ``valid_from`` until ``valid_until`` (aware datetimes)."""

    subscriber_id: str
    unique_key_id: str
    signing: SigningKey
    encryption: EncryptionKey
    valid_from: datetime
    valid_until: datetime

    def is_valid_at(self, now: datetime) -> bool:
        """True when ``now`` falls inside the validity window (inclusive)."""
        return self.valid_from <= now <= self.valid_until
