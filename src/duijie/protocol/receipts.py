"""Receipts: the canonical JSON of an agreed Beckn order, signed by the seller and the buyer.

Format ``duijie.receipt/1``::

    {"format": "duijie.receipt/1",
     "agreement": {...the agreed order: id, provider, items, quote, fulfillments, billing,
                   payments, cancellation_terms, created_at, bap_id, bpp_id, transaction_id},
     "signatures": [{"role": "seller"|"buyer", "subscriber_id", "unique_key_id",
                     "signing_public_key", "algorithm": "ed25519", "signed_at", "signature"}]}

Every signature is Ed25519 over ``canonical_bytes(agreement)``, so anyone holding the file can
check it offline. A signature proves only that the *carried* key signed; that the key belongs to
the subscriber is a separate claim, confirmed by asking lookup sources (:class:`KeySource`).
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from duijie.protocol import jsonbytes
from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.context import format_timestamp
from duijie.protocol.keys import KeyFormatError, SigningKey, VerifyKey

__all__ = [
    "FORMAT",
    "RECEIPT_TAG_CODE",
    "KeySource",
    "ReceiptCheck",
    "ReceiptError",
    "Role",
    "SignatureCheck",
    "StaticKeySource",
    "add_signature",
    "build_agreement",
    "countersign",
    "new_receipt",
    "receipt_from_tags",
    "receipt_tag_group",
    "sign_agreement",
    "verify_receipt",
]

FORMAT = "duijie.receipt/1"
RECEIPT_TAG_CODE = "duijie.receipt"
_RECEIPT_TAG_ITEM = "receipt"
ALGORITHM = "ed25519"

# The parts of a Beckn order that make up the agreement; tags, status and states are left out
# because they change over the order's life (and the receipt itself travels in the tags).
AGREEMENT_ORDER_FIELDS = (
    "id",
    "provider",
    "items",
    "add_ons",
    "offers",
    "quote",
    "fulfillments",
    "billing",
    "payments",
    "cancellation_terms",
    "refund_terms",
    "created_at",
)
CONTEXT_FIELDS = ("bap_id", "bpp_id", "transaction_id")


class Role(StrEnum):
    """Who signed: the seller (BPP) at confirm, the buyer (BAP) when it countersigns."""

    SELLER = "seller"
    BUYER = "buyer"


class ReceiptError(ValueError):
    """The document is not a receipt this code understands."""


def _copy(value: Any) -> Any:
    """A deep copy of JSON data; a round trip through orjson is many times faster than deepcopy."""
    try:
        return jsonbytes.loads(jsonbytes.dumps(value))
    except (TypeError, ValueError):  # not plain JSON (e.g. a Decimal): copy it the general way
        return copy.deepcopy(value)


def build_agreement(order: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """The agreement of a confirmed order: its agreed fields plus who and which transaction.

    The fulfillment ``state`` is dropped from each fulfillment: it moves (accepted, ready, ...)
    while the agreement stays fixed.
    """
    if not order.get("id"):
        raise ReceiptError("the order has no id")
    agreement: dict[str, Any] = {}
    for name in AGREEMENT_ORDER_FIELDS:
        if order.get(name) is not None:
            agreement[name] = _copy(order[name])
    for fulfillment in agreement.get("fulfillments", []):
        if isinstance(fulfillment, dict):
            fulfillment.pop("state", None)
    for name in CONTEXT_FIELDS:
        if context.get(name) is not None:
            agreement[name] = context[name]
    missing = [n for n in ("bap_id", "bpp_id", "transaction_id") if not agreement.get(n)]
    if missing:
        raise ReceiptError(f"the context lacks {', '.join(missing)}")
    return agreement


def new_receipt(agreement: Mapping[str, Any]) -> dict[str, Any]:
    """An unsigned receipt around ``agreement``."""
    return {"format": FORMAT, "agreement": _copy(dict(agreement)), "signatures": []}


def add_signature(
    receipt: Mapping[str, Any],
    *,
    role: Role,
    subscriber_id: str,
    unique_key_id: str,
    signing_public_key: str,
    signature: str,
    signed_at: datetime,
) -> dict[str, Any]:
    """A copy of ``receipt`` with one more signature entry (made elsewhere, e.g. by a Signer)."""
    out: dict[str, Any] = _copy(dict(receipt))
    out["signatures"] = [s for s in out.get("signatures", []) if s.get("role") != role.value]
    out["signatures"].append(
        {
            "role": role.value,
            "subscriber_id": subscriber_id,
            "unique_key_id": unique_key_id,
            "signing_public_key": signing_public_key,
            "algorithm": ALGORITHM,
            "signed_at": format_timestamp(signed_at),
            "signature": signature,
        }
    )
    return out


def _sign_with(
    receipt: Mapping[str, Any],
    role: Role,
    key: SigningKey,
    subscriber_id: str,
    unique_key_id: str,
    signed_at: datetime,
) -> dict[str, Any]:
    raw = key.sign(canonical_bytes(receipt["agreement"]))
    return add_signature(
        receipt,
        role=role,
        subscriber_id=subscriber_id,
        unique_key_id=unique_key_id,
        signing_public_key=key.public_key_base64(),
        signature=base64.b64encode(raw).decode("ascii"),
        signed_at=signed_at,
    )


def sign_agreement(
    agreement: Mapping[str, Any],
    key: SigningKey,
    *,
    subscriber_id: str,
    unique_key_id: str,
    signed_at: datetime,
    role: Role = Role.SELLER,
) -> dict[str, Any]:
    """A new receipt over ``agreement`` signed by ``key`` (the seller, by default)."""
    return _sign_with(new_receipt(agreement), role, key, subscriber_id, unique_key_id, signed_at)


def countersign(
    receipt: Mapping[str, Any],
    key: SigningKey,
    *,
    subscriber_id: str,
    unique_key_id: str,
    signed_at: datetime,
) -> dict[str, Any]:
    """The receipt with the buyer's signature over the same agreement bytes added."""
    return _sign_with(receipt, Role.BUYER, key, subscriber_id, unique_key_id, signed_at)


class KeySource(Protocol):
    """Somewhere that can say which public key a subscriber holds under a key id."""

    @property
    def name(self) -> str:
        """How the source is named in a report (e.g. the registry URL)."""
        ...

    def public_key(self, subscriber_id: str, unique_key_id: str) -> str | None:
        """The base64 signing public key, or None when this source does not know it."""
        ...


@dataclass(frozen=True)
class StaticKeySource:
    """Keys known in advance: ``{(subscriber_id, unique_key_id): public_key}``."""

    name: str
    keys: Mapping[tuple[str, str], str]

    def public_key(self, subscriber_id: str, unique_key_id: str) -> str | None:
        return self.keys.get((subscriber_id, unique_key_id))


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """What one signature proves: ``valid`` over the agreement with the carried key, and who vouches."""

    index: int
    role: str
    subscriber_id: str
    unique_key_id: str
    valid: bool
    reason: str | None = None
    confirmed_by: tuple[str, ...] = ()
    contradicted_by: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.valid and not self.contradicted_by


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    """The outcome of :func:`verify_receipt`: ``ok`` only when nothing failed."""

    is_receipt: bool
    signatures: tuple[SignatureCheck, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)
    agreement: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.is_receipt and not self.problems and all(s.ok for s in self.signatures)


def parse_receipt(doc: Any) -> dict[str, Any]:
    """Check the outer shape of a receipt; raises :class:`ReceiptError` naming what is wrong."""
    if not isinstance(doc, dict):
        raise ReceiptError("a receipt is a JSON object")
    if doc.get("format") != FORMAT:
        raise ReceiptError(f"unknown format {doc.get('format')!r} (expected {FORMAT!r})")
    if not isinstance(doc.get("agreement"), dict):
        raise ReceiptError("$.agreement must be an object")
    if not isinstance(doc.get("signatures"), list):
        raise ReceiptError("$.signatures must be a list")
    return doc


def _check_one(
    index: int, sig: Any, message: bytes, agreement: Mapping[str, Any], sources: Sequence[KeySource]
) -> SignatureCheck:
    if not isinstance(sig, dict):
        return SignatureCheck(index, "?", "?", "?", False, f"$.signatures[{index}] is not an object")
    role = str(sig.get("role", "?"))
    who = str(sig.get("subscriber_id", "?"))
    ukid = str(sig.get("unique_key_id", "?"))

    def failed(reason: str) -> SignatureCheck:
        return SignatureCheck(index, role, who, ukid, False, reason)

    if role not in {r.value for r in Role}:
        return failed(f"unknown role {role!r}")
    if sig.get("algorithm") != ALGORITHM:
        return failed(f"algorithm {sig.get('algorithm')!r} is not {ALGORITHM}")
    party = "bpp_id" if role == Role.SELLER else "bap_id"
    if agreement.get(party) != who:
        return failed(f"signed by {who!r} but the agreement's {party} is {agreement.get(party)!r}")
    try:
        public = str(sig["signing_public_key"])
        key = VerifyKey.from_base64(public)
        raw = base64.b64decode(str(sig["signature"]), validate=True)
    except (KeyError, KeyFormatError, binascii.Error, ValueError):
        return failed("the signature or its public key is missing or not valid base64")
    if not key.verify(message, raw):
        return failed(
            "the signature does not match the agreement: the agreement was changed after "
            "signing, or the signature was not made with the carried key"
        )
    confirmed: list[str] = []
    contradicted: list[str] = []
    for source in sources:
        known = source.public_key(who, ukid)
        if known is None:
            continue
        (confirmed if known == public else contradicted).append(source.name)
    reason = None
    if contradicted:
        reason = f"wrong key: the carried key {ukid} differs from the one {', '.join(contradicted)} lists for {who}"
    return SignatureCheck(index, role, who, ukid, True, reason, tuple(confirmed), tuple(contradicted))


def verify_receipt(receipt: Any, key_sources: Sequence[KeySource] = ()) -> ReceiptCheck:
    """Check every signature over ``canonical_bytes(agreement)`` and ask ``key_sources`` about the keys.

    Fails (``ok`` False) on: not a receipt / unknown format, a missing seller signature, any
    signature that does not verify with its carried key, a signer that is not the party named
    in the agreement, and a key that a lookup source attributes differently.
    """
    try:
        doc = parse_receipt(receipt)
    except ReceiptError as exc:
        return ReceiptCheck(False, problems=(str(exc),))
    agreement = doc["agreement"]
    message = canonical_bytes(agreement)
    checks = tuple(_check_one(i, s, message, agreement, key_sources) for i, s in enumerate(doc["signatures"]))
    problems: list[str] = []
    if not any(c.role == Role.SELLER for c in checks):
        problems.append("the receipt has no seller signature")
    return ReceiptCheck(True, checks, tuple(problems), agreement)


def receipt_tag_group(receipt: Mapping[str, Any]) -> dict[str, Any]:
    """The receipt as a Beckn TagGroup, to carry in ``order.tags`` (value: the receipt's JSON text)."""
    text = jsonbytes.dumps(receipt).decode()
    return {
        "descriptor": {"code": RECEIPT_TAG_CODE},
        "list": [{"descriptor": {"code": _RECEIPT_TAG_ITEM}, "value": text}],
    }


def receipt_from_tags(tags: Any) -> dict[str, Any] | None:
    """The receipt carried in an order's ``tags``, or None when there is none (or it is unreadable)."""
    if not isinstance(tags, list):
        return None
    for group in tags:
        if not isinstance(group, dict) or (group.get("descriptor") or {}).get("code") != RECEIPT_TAG_CODE:
            continue
        for tag in group.get("list") or []:
            if isinstance(tag, dict) and (tag.get("descriptor") or {}).get("code") == _RECEIPT_TAG_ITEM:
                try:
                    value = jsonbytes.loads(str(tag.get("value", "")))
                except ValueError:
                    return None
                return value if isinstance(value, dict) else None
    return None


def with_receipt_tag(order: Mapping[str, Any], receipt: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``order`` whose tags carry ``receipt`` (replacing an earlier receipt tag)."""
    out = dict(order)
    tags = [t for t in out.get("tags") or [] if (t.get("descriptor") or {}).get("code") != RECEIPT_TAG_CODE]
    out["tags"] = [*tags, receipt_tag_group(receipt)]
    return out
