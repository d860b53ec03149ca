"""The inbound pipeline: the checks a signed Beckn message passes before it reaches a service.

Each step is a small async function returning either its result or a :class:`Rejection`, so each
can be tested alone; :class:`InboundPipeline` runs them in this order:

1. known action in the path (404), 2. body size (413), 3. signatures: ``Authorization`` required,
gateway signature (``X-Gateway-Authorization``, or ``Proxy-Authorization`` with the Signature
scheme) verified when present (401), 4. created/expires window (401), 5. JSON parse (400),
6. envelope schema (400, code 30000 with the field), 7. the ``Authorization`` signer is the sender
named in the context (``bap_id`` for requests, ``bpp_id`` for callbacks) (401),
8. replay: the same (sender, message_id, action) seen before → **409** + NACK (code 30000). The
sender is the authenticated signer: Beckn replies from different senders to one request share its
message_id (every seller's ``on_search`` answers one ``search``), so each sender is told apart.

The replay guard is asked last, so nothing is recorded for a message that fails an earlier step.
No web framework here: the api layer turns a :class:`Rejection` into a response.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson

from duijie.protocol.authorization import SignatureError, SignatureHeader, authenticate_challenge
from duijie.protocol.context import Action, Context
from duijie.protocol.envelope_schema import validate_envelope
from duijie.protocol.errors import BecknErrorCode, nack_body
from duijie.protocol.signing import (
    DEFAULT_SKEW_SECONDS,
    KeyLookup,
    KeyResolver,
    check_window,
    resolve_key,
    verify_signature,
)

__all__ = [
    "REPLAY_STATUS",
    "Inbound",
    "InboundPipeline",
    "PipelineConfig",
    "Rejection",
    "ReplayGuard",
    "Signers",
    "Verified",
    "replay_message",
]

REPLAY_STATUS = 409
"""A replay is refused with 409 Conflict: the request is well-formed but already received."""


class ReplayGuard(Protocol):
    """Atomically records (sender_id, message_id, action) and says whether it was already recorded."""

    async def seen_before(self, sender_id: str, message_id: str, action: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Inbound:
    """One received HTTP request. ``headers`` may be any mapping; names are matched case-insensitively."""

    raw_body: bytes
    headers: Mapping[str, str]
    path_action: str
    received_at: datetime

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refusal: HTTP ``status``, NACK ``body`` and extra response ``headers``."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Verified:
    """A message that passed every step."""

    context: Context
    message: dict[str, Any]
    doc: dict[str, Any]
    signer_subscriber_id: str
    gateway_subscriber_id: str | None
    raw_body: bytes = b""  # the bytes the signature covers, kept where the message is stored as received
    #: The request's headers as received (names in any case), while the live request is handled:
    #: a gateway forwards the sender's ``Authorization`` with ``raw_body``. Empty once journaled.
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Signers:
    """The verified signature headers of a message."""

    sender: SignatureHeader
    gateway: SignatureHeader | None


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Settings of the pipeline: our subscriber id (the 401 realm), size limit and clock skew."""

    own_subscriber_id: str
    max_body_bytes: int = 1_000_000
    skew_seconds: int = DEFAULT_SKEW_SECONDS


def _nack(
    status: int, message: str, *, paths: str | None = None, headers: Mapping[str, str] | None = None
) -> Rejection:
    return Rejection(status, nack_body(BecknErrorCode.INVALID_REQUEST, message, paths), dict(headers or {}))


def _auth_rejection(exc: SignatureError, own_id: str, *, gateway: bool) -> Rejection:
    name = "Proxy-Authenticate" if gateway else "WWW-Authenticate"
    which = "gateway signature" if gateway else "signature"
    return _nack(
        401, f"{which} {exc.reason.value}: {exc.message}", headers={name: authenticate_challenge(own_id)}
    )


async def check_action(inbound: Inbound) -> Action | Rejection:
    """The path must name one of the twenty actions."""
    try:
        return Action(inbound.path_action)
    except ValueError:
        return _nack(404, f"unknown action {inbound.path_action!r}")


async def check_size(inbound: Inbound, max_bytes: int) -> Rejection | None:
    """Refuse bodies over ``max_bytes`` with 413."""
    if len(inbound.raw_body) > max_bytes:
        return _nack(413, f"body of {len(inbound.raw_body)} bytes exceeds {max_bytes}")
    return None


def _gateway_header(inbound: Inbound) -> str | None:
    value = inbound.header("X-Gateway-Authorization")
    if value is not None:
        return value
    proxy = inbound.header("Proxy-Authorization")
    # Proxy-Authorization may belong to an ordinary HTTP proxy; only the Signature scheme is ours.
    if proxy is not None and proxy.strip().strip('"').lower().startswith("signature"):
        return proxy
    return None


async def check_signatures(
    inbound: Inbound, resolver: KeyResolver | KeyLookup, own_id: str
) -> Signers | Rejection:
    """Verify ``Authorization`` (required) and a gateway signature (when present) over the raw body."""
    try:
        sender = SignatureHeader.parse(inbound.header("Authorization"))
        verify_signature(inbound.raw_body, sender, await resolve_key(resolver, sender))
    except SignatureError as exc:
        return _auth_rejection(exc, own_id, gateway=False)
    gateway_value = _gateway_header(inbound)
    gateway = None
    if gateway_value is not None:
        try:
            gateway = SignatureHeader.parse(gateway_value)
            verify_signature(inbound.raw_body, gateway, await resolve_key(resolver, gateway))
        except SignatureError as exc:
            return _auth_rejection(exc, own_id, gateway=True)
    return Signers(sender, gateway)


async def check_windows(signers: Signers, now: datetime, skew_seconds: int, own_id: str) -> Rejection | None:
    """created must not be in the future, expires not in the past (both with ``skew_seconds``)."""
    for header, gateway in ((signers.sender, False), (signers.gateway, True)):
        if header is None:
            continue
        try:
            check_window(header, now, skew_seconds)
        except SignatureError as exc:
            return _auth_rejection(exc, own_id, gateway=gateway)
    return None


async def parse_json(inbound: Inbound) -> dict[str, Any] | Rejection:
    """Decode the body as a UTF-8 JSON object (400 otherwise)."""
    try:
        doc = orjson.loads(inbound.raw_body)  # UTF-8 only, as the stdlib decode before it required
    except orjson.JSONDecodeError as exc:
        return _nack(400, f"body is not valid JSON: {exc}")
    if not isinstance(doc, dict):
        return _nack(400, "body must be a JSON object")
    return doc


async def check_schema(doc: dict[str, Any], path_action: str) -> Rejection | None:
    """Validate the envelope (400, error code 30000, ``paths`` naming the field)."""
    problems = validate_envelope(doc, path_action)
    if problems:
        first = problems[0]
        return _nack(400, "; ".join(problems), paths=first.split(":", 1)[0])
    return None


async def check_sender(context: Context, signers: Signers, own_id: str) -> Rejection | None:
    """The signer must be the sender the context names, so no one speaks for another subscriber."""
    expected = context.bpp_id if context.action.is_callback else context.bap_id
    if signers.sender.subscriber_id != expected:
        role = "bpp_id" if context.action.is_callback else "bap_id"
        return _nack(
            401,
            f"signed by {signers.sender.subscriber_id!r} but context.{role} is {expected!r}",
            headers={"WWW-Authenticate": authenticate_challenge(own_id)},
        )
    return None


async def check_replay(context: Context, sender_id: str, guard: ReplayGuard) -> Rejection | None:
    """Record (sender_id, message_id, action); refuse with 409 if this sender sent it before.

    ``sender_id`` is the authenticated signer (checked against the context by :func:`check_sender`).
    """
    if await guard.seen_before(sender_id, context.message_id, context.action.value):
        return _nack(REPLAY_STATUS, replay_message(sender_id, context.message_id, context.action.value))
    return None


def replay_message(sender_id: str, message_id: str, action: str) -> str:
    """The NACK's text for a replay (also used where the journal finds one)."""
    return f"message_id {message_id!r} already received from {sender_id!r} for {action}"


class InboundPipeline:
    """Runs every step in order; returns :class:`Verified` or the first :class:`Rejection`."""

    def __init__(
        self, config: PipelineConfig, resolver: KeyResolver | KeyLookup, replay_guard: ReplayGuard
    ) -> None:
        self._config = config
        self._resolver = resolver
        self._guard = replay_guard

    async def run(self, inbound: Inbound) -> Verified | Rejection:
        """Check ``inbound``; only a message that passes every earlier step is recorded as seen."""
        cfg = self._config
        action = await check_action(inbound)
        if isinstance(action, Rejection):
            return action
        if (too_big := await check_size(inbound, cfg.max_body_bytes)) is not None:
            return too_big
        signers = await check_signatures(inbound, self._resolver, cfg.own_subscriber_id)
        if isinstance(signers, Rejection):
            return signers
        if late := await check_windows(signers, inbound.received_at, cfg.skew_seconds, cfg.own_subscriber_id):
            return late
        doc = await parse_json(inbound)
        if isinstance(doc, Rejection):
            return doc
        if (invalid := await check_schema(doc, action.value)) is not None:
            return invalid
        context = Context.from_dict(doc["context"])
        if (impostor := await check_sender(context, signers, cfg.own_subscriber_id)) is not None:
            return impostor
        if (replayed := await check_replay(context, signers.sender.subscriber_id, self._guard)) is not None:
            return replayed
        message = doc.get("message")
        return Verified(
            context=context,
            message=message if isinstance(message, dict) else {},
            doc=doc,
            signer_subscriber_id=signers.sender.subscriber_id,
            gateway_subscriber_id=signers.gateway.subscriber_id if signers.gateway else None,
            raw_body=inbound.raw_body,
            headers=inbound.headers,
        )
