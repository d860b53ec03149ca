"""BECKN-006 request signing: BLAKE2b-512 body digest, three-line signing string, Ed25519.

Sign and verify always work on the exact raw body bytes that travel on the wire, never on a
re-serialisation of the JSON. ``signing_string`` is the single definition used both ways.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from duijie.protocol.authorization import (
    ALGORITHM,
    SIGNED_HEADERS,
    SignatureError,
    SignatureHeader,
    SignatureProblem,
)
from duijie.protocol.keys import SigningKey, VerifyKey

__all__ = [
    "DEFAULT_SKEW_SECONDS",
    "MAX_LIFETIME_SECONDS",
    "REPLAY_MEMORY_SECONDS",
    "KeyLookup",
    "KeyResolver",
    "SignatureError",
    "SignatureHeader",
    "SignatureProblem",
    "body_digest",
    "check_window",
    "resolve_key",
    "sign_request",
    "signing_string",
    "verify_request",
    "verify_request_sync",
    "verify_signature",
    "verify_with_key",
]

DEFAULT_SKEW_SECONDS = 5
MAX_LIFETIME_SECONDS = 86_400
"""The longest signature validity (expires - created) accepted. Beckn senders sign for seconds to
an hour; the cap bounds how long a received message_id must be remembered to refuse its replay
(see :data:`REPLAY_MEMORY_SECONDS`)."""
REPLAY_MEMORY_SECONDS = MAX_LIFETIME_SECONDS + 2 * DEFAULT_SKEW_SECONDS
"""A message received at R was created by R + skew and so expires by R + skew + the cap; a replay
after R + this many seconds is refused as expired, so its replay record may be forgotten."""


class KeyResolver(Protocol):
    """Finds the public key a subscriber registered under ``unique_key_id`` (None if unknown)."""

    async def resolve(self, subscriber_id: str, unique_key_id: str) -> VerifyKey | None: ...


KeyLookup = Callable[[str, str], "VerifyKey | None | Awaitable[VerifyKey | None]"]
"""A plain callable form of :class:`KeyResolver`, sync or async."""


def body_digest(body: bytes) -> str:
    """base64 of the 64-byte BLAKE2b digest of the raw body (what BECKN-006 calls BLAKE-512)."""
    return base64.b64encode(hashlib.blake2b(body, digest_size=64).digest()).decode("ascii")


def signing_string(created: int, expires: int, digest: str) -> bytes:
    """The exact bytes that are signed: three lines joined by LF, no trailing newline."""
    return f"(created): {created}\n(expires): {expires}\ndigest: BLAKE-512={digest}".encode()


def sign_request(
    body: bytes, key: SigningKey, subscriber_id: str, unique_key_id: str, created: int, expires: int
) -> str:
    """Sign ``body`` and return the full ``Authorization`` header value."""
    if expires <= created:
        raise ValueError("expires must be after created")
    signature = key.sign(signing_string(created, expires, body_digest(body)))
    header = SignatureHeader(
        subscriber_id=subscriber_id,
        unique_key_id=unique_key_id,
        algorithm=ALGORITHM,
        created=created,
        expires=expires,
        headers=SIGNED_HEADERS,
        signature=base64.b64encode(signature).decode("ascii"),
    )
    return header.encode()


def verify_signature(body: bytes, header: SignatureHeader, verify_key: VerifyKey) -> None:
    """Raise ``BAD_SIGNATURE`` unless the header's signature covers exactly ``body``."""
    message = signing_string(header.created, header.expires, body_digest(body))
    if not verify_key.verify(message, header.signature_bytes()):
        raise SignatureError(
            SignatureProblem.BAD_SIGNATURE,
            f"signature of {header.subscriber_id}|{header.unique_key_id} does not match the body",
        )


def check_window(header: SignatureHeader, now: datetime, skew_seconds: int = DEFAULT_SKEW_SECONDS) -> None:
    """Check created/expires against ``now`` (aware), allowing ``skew_seconds`` of clock skew."""
    if header.expires <= header.created:
        raise SignatureError(SignatureProblem.MALFORMED, "expires is not after created")
    if header.expires - header.created > MAX_LIFETIME_SECONDS:
        raise SignatureError(
            SignatureProblem.TOO_LONG_LIVED,
            f"valid for {header.expires - header.created} s (created to expires); at most {MAX_LIFETIME_SECONDS} s",
        )
    moment = now.timestamp()
    if header.created > moment + skew_seconds:
        raise SignatureError(
            SignatureProblem.NOT_YET_VALID, f"created {header.created} is in the future (now {int(moment)})"
        )
    if header.expires < moment - skew_seconds:
        raise SignatureError(SignatureProblem.EXPIRED, f"expired at {header.expires} (now {int(moment)})")


def verify_with_key(
    body: bytes,
    header: SignatureHeader,
    verify_key: VerifyKey,
    now: datetime,
    skew_seconds: int = DEFAULT_SKEW_SECONDS,
) -> None:
    """The synchronous core: signature over ``body``, then the validity window."""
    verify_signature(body, header, verify_key)
    check_window(header, now, skew_seconds)


async def resolve_key(lookup: KeyResolver | KeyLookup, header: SignatureHeader) -> VerifyKey:
    """Find the key named by ``header`` or raise ``UNKNOWN_KEY``."""
    if hasattr(lookup, "resolve"):
        found: object = await lookup.resolve(header.subscriber_id, header.unique_key_id)
    else:
        found = lookup(header.subscriber_id, header.unique_key_id)
        if inspect.isawaitable(found):
            found = await found
    if not isinstance(found, VerifyKey):
        raise SignatureError(
            SignatureProblem.UNKNOWN_KEY, f"no key for {header.subscriber_id}|{header.unique_key_id}"
        )
    return found


async def verify_request(
    body: bytes,
    header_value: str | None,
    lookup: KeyResolver | KeyLookup,
    now: datetime,
    skew_seconds: int = DEFAULT_SKEW_SECONDS,
) -> SignatureHeader:
    """Parse, resolve the key, verify over the raw ``body`` and check the window.

    Returns the parsed header; raises :class:`SignatureError` on any failure.
    """
    header = SignatureHeader.parse(header_value)
    verify_with_key(body, header, await resolve_key(lookup, header), now, skew_seconds)
    return header


def verify_request_sync(
    body: bytes,
    header_value: str | None,
    lookup: Callable[[str, str], VerifyKey | None],
    now: datetime,
    skew_seconds: int = DEFAULT_SKEW_SECONDS,
) -> SignatureHeader:
    """Like :func:`verify_request` with a synchronous lookup callable."""
    header = SignatureHeader.parse(header_value)
    key = lookup(header.subscriber_id, header.unique_key_id)
    if key is None:
        raise SignatureError(
            SignatureProblem.UNKNOWN_KEY, f"no key for {header.subscriber_id}|{header.unique_key_id}"
        )
    verify_with_key(body, header, key, now, skew_seconds)
    return header
