"""Signed producer offers and relistings: the chain a buyer checks back to the producer.

Two documents, each a ``statement`` and one Ed25519 signature over ``canonical_bytes(statement)``
(the same canonical form as receipts, so anyone can check them offline)::

    {"format": "duijie.offer/1",
     "statement": {"producer_id", "provider_id", "offer": {...the offer with its origin...}, "issued_at"},
     "signature": {"subscriber_id", "unique_key_id", "signing_public_key", "algorithm": "ed25519",
                   "signature"}}

    {"format": "duijie.relisting/1",
     "statement": {"relister_id", "provider_id", "offer": {...the relisted offer, its "source" the
                   producer's signed offer above...}, "issued_at"},
     "signature": {...the relister's...}}

A signature proves only that the carried key signed. That the key is the producer's is a
separate claim, answered by key sources (a registry, the producer's own lookup, or the keys a
node already trusts): only a producer key some source confirms makes a relisting **proven**.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from duijie.domain.offers import PriceTier, ProducerOffer
from duijie.domain.provenance import Markup, ProvenanceStatus, markups, relisting_problems
from duijie.interchange.reader import Reader
from duijie.interchange.trade_json import offer_in, offer_out
from duijie.protocol import jsonbytes
from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.context import format_timestamp
from duijie.protocol.keys import KeyFormatError, SigningKey, VerifyKey
from duijie.protocol.receipts import KeySource

OFFER_FORMAT = "duijie.offer/1"
RELISTING_FORMAT = "duijie.relisting/1"
ALGORITHM = "ed25519"


class ProvenanceError(ValueError):
    """An offer that cannot be signed or relisted as asked; the message names the rule."""


def _signature(statement: Mapping[str, Any], key: SigningKey, subscriber_id: str, unique_key_id: str) -> dict[str, str]:
    raw = key.sign(canonical_bytes(statement))
    return {"subscriber_id": subscriber_id, "unique_key_id": unique_key_id,
            "signing_public_key": key.public_key_base64(), "algorithm": ALGORITHM,
            "signature": base64.b64encode(raw).decode("ascii")}


def offer_statement(offer: ProducerOffer, *, producer_id: str, provider_id: str, issued_at: datetime) -> dict[str, Any]:
    """What a producer signs about ``offer``. Refused for an offer without an origin, or one that
    is itself a relisting (only the producer signs its own goods' origin)."""
    if offer.source is not None:
        raise ProvenanceError(f"offer {offer.id!r} is a relisting: only its producer signs its origin")
    if offer.origin is None:
        raise ProvenanceError(f"offer {offer.id!r} states no origin (place, harvest date or batch) to sign")
    return {"producer_id": producer_id, "provider_id": provider_id, "offer": offer_out(offer),
            "issued_at": format_timestamp(issued_at)}


def signed_offer(statement: Mapping[str, Any], *, unique_key_id: str, signing_public_key: str,
                 signature: str) -> dict[str, Any]:
    """The signed offer document around ``statement`` and a detached signature made elsewhere
    (a node's signer) over ``canonical_bytes(statement)``."""
    return {"format": OFFER_FORMAT, "statement": dict(statement),
            "signature": {"subscriber_id": statement["producer_id"], "unique_key_id": unique_key_id,
                          "signing_public_key": signing_public_key, "algorithm": ALGORITHM, "signature": signature}}


def sign_offer(offer: ProducerOffer, *, producer_id: str, provider_id: str, key: SigningKey, unique_key_id: str,
               signed_at: datetime) -> dict[str, Any]:
    """The producer's signed offer, signed with ``key`` (see :func:`offer_statement`)."""
    statement = offer_statement(offer, producer_id=producer_id, provider_id=provider_id, issued_at=signed_at)
    return {"format": OFFER_FORMAT, "statement": statement,
            "signature": _signature(statement, key, producer_id, unique_key_id)}


def sign_relisting(relisted: ProducerOffer, *, relister_id: str, provider_id: str, key: SigningKey,
                   unique_key_id: str, signed_at: datetime) -> dict[str, Any]:
    """The relister's signed relisting (its offer embeds the producer's signed offer as ``source``)."""
    if relisted.source is None:
        raise ProvenanceError(f"offer {relisted.id!r} embeds no producer's signed offer")
    statement = {"relister_id": relister_id, "provider_id": provider_id, "offer": offer_out(relisted),
                 "issued_at": format_timestamp(signed_at)}
    return {"format": RELISTING_FORMAT, "statement": statement,
            "signature": _signature(statement, key, relister_id, unique_key_id)}


@dataclass(frozen=True, slots=True)
class SignerCheck:
    """One signature: ``valid`` with its carried key, and which key sources confirm or contradict the key."""

    subscriber_id: str
    unique_key_id: str
    valid: bool
    reason: str | None = None
    confirmed_by: tuple[str, ...] = ()
    contradicted_by: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.valid and not self.contradicted_by

    @property
    def proven(self) -> bool:
        """Valid, and the key is the subscriber's by at least one source (and contradicted by none)."""
        return self.ok and bool(self.confirmed_by)


def _check_signature(doc: Mapping[str, Any], signer_field: str, sources: Sequence[KeySource]) -> SignerCheck:
    statement = doc.get("statement")
    sig = doc.get("signature")
    claimed = str(statement.get(signer_field, "?")) if isinstance(statement, dict) else "?"
    if not isinstance(sig, dict):
        return SignerCheck(claimed, "?", False, "$.signature must be an object")
    who, ukid = str(sig.get("subscriber_id", "?")), str(sig.get("unique_key_id", "?"))

    def failed(reason: str) -> SignerCheck:
        return SignerCheck(who, ukid, False, reason)

    if sig.get("algorithm") != ALGORITHM:
        return failed(f"algorithm {sig.get('algorithm')!r} is not {ALGORITHM}")
    if who != claimed:
        return failed(f"signed by {who!r} but the statement's {signer_field} is {claimed!r}")
    try:
        public = str(sig["signing_public_key"])
        key = VerifyKey.from_base64(public)
        raw = base64.b64decode(str(sig["signature"]), validate=True)
    except (KeyError, KeyFormatError, binascii.Error, ValueError):
        return failed("the signature or its public key is missing or not valid base64")
    if not key.verify(canonical_bytes(statement), raw):
        return failed("the signature does not match the statement: it was altered after signing, "
                      "or not signed with the carried key")
    confirmed: list[str] = []
    contradicted: list[str] = []
    for source in sources:
        known = source.public_key(who, ukid)
        if known is not None:
            (confirmed if known == public else contradicted).append(source.name)
    reason = None
    if contradicted:
        reason = f"wrong key: {', '.join(contradicted)} lists another key {ukid} for {who}"
    return SignerCheck(who, ukid, True, reason, tuple(confirmed), tuple(contradicted))


def check_statement_signature(doc: Mapping[str, Any], signer_field: str,
                              sources: Sequence[KeySource] = ()) -> SignerCheck:
    """The one signature check of every signed statement document (offers, relistings, pool terms):
    ``doc["signature"]`` over ``canonical_bytes(doc["statement"])``, by the subscriber the
    statement's ``signer_field`` names, its key asked of ``sources``."""
    return _check_signature(doc, signer_field, sources)


def _offer_of(raw: Any, path: str) -> tuple[ProducerOffer | None, list[str]]:
    reader = Reader()
    offer = offer_in(reader, raw, path)
    if reader.issues:
        return None, [f"{i.path}: {i.reason}" for i in reader.issues]
    if offer is None:
        return None, [f"{path}: not an offer"]
    return offer, [f"{path}.{p}: {r}" for p, r in offer.problems()]


@dataclass(frozen=True, slots=True)
class OfferCheck:
    """A producer's signed offer, checked: ``ok`` when it is intact, ``proven`` when its key is confirmed too."""

    producer_id: str | None
    provider_id: str | None
    offer: ProducerOffer | None
    signer: SignerCheck | None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and self.signer is not None and self.signer.ok

    @property
    def proven(self) -> bool:
        return self.ok and self.signer is not None and self.signer.proven

    @property
    def reason(self) -> str | None:
        """The first thing that fails the check (None when ok)."""
        if self.signer is not None and not self.signer.ok:
            return self.signer.reason
        return self.problems[0] if self.problems else None


def _shape(doc: Any, fmt: str) -> tuple[dict[str, Any] | None, str | None]:
    if not isinstance(doc, dict):
        return None, "not a JSON object"
    if doc.get("format") != fmt:
        return None, f"format {doc.get('format')!r} is not {fmt!r}"
    if not isinstance(doc.get("statement"), dict) or not isinstance(doc["statement"].get("offer"), dict):
        return None, "$.statement.offer must be an object"
    return doc, None


def check_signed_offer(doc: Any, sources: Sequence[KeySource] = ()) -> OfferCheck:
    """Check a producer's signed offer: its shape, the offer's rules, that it states an origin, and
    the producer's signature (with the key sources asked about the key)."""
    shaped, problem = _shape(doc, OFFER_FORMAT)
    if shaped is None:
        return OfferCheck(None, None, None, None, (problem or "",))
    statement = shaped["statement"]
    offer, problems = _offer_of(statement["offer"], "$.statement.offer")
    if offer is not None and offer.origin is None:
        problems.append("$.statement.offer.origin: the producer's offer states no origin")
    if offer is not None and offer.source is not None:
        problems.append("$.statement.offer.source: a producer's offer embeds no other offer")
    signer = _check_signature(shaped, "producer_id", sources)
    return OfferCheck(str(statement.get("producer_id")), str(statement.get("provider_id")), offer, signer,
                      tuple(problems))


@dataclass(frozen=True, slots=True)
class Provenance:
    """What a buyer is shown about one offer: the status, the producer, its origin and, for a
    relisting, the producer's prices and the markups (``reason`` says why when unverified)."""

    status: ProvenanceStatus
    producer_id: str | None
    producer_offer: ProducerOffer | None
    markups: tuple[Markup, ...] = ()
    reason: str | None = None
    intact: bool = False  # everything holds but perhaps the key's confirmation (what an offline check can say)


def relisted_provenance(relisted: ProducerOffer, sources: Sequence[KeySource]) -> Provenance:
    """The status of a relisted offer: RELISTED only when its embedded signed offer is intact,
    signed by a key a source confirms as the producer's, and the relisting keeps to it."""
    try:
        doc = jsonbytes.loads(relisted.source or "")
    except ValueError:
        return Provenance(ProvenanceStatus.UNVERIFIED, None, None, reason="the embedded offer is not JSON")
    check = check_signed_offer(doc, sources)
    producer = check.offer
    if producer is None or not check.ok:
        return Provenance(ProvenanceStatus.UNVERIFIED, check.producer_id, producer,
                          reason=f"the producer's signed offer does not hold: {check.reason}")
    problems = relisting_problems(producer, relisted)
    prices = markups(producer, relisted)
    if problems:
        path, why = problems[0]
        return Provenance(ProvenanceStatus.UNVERIFIED, check.producer_id, producer, prices, f"{path}: {why}")
    if not check.proven:
        return Provenance(ProvenanceStatus.UNVERIFIED, check.producer_id, producer, prices,
                          f"no key source confirms the key as {check.producer_id}'s", intact=True)
    return Provenance(ProvenanceStatus.RELISTED, check.producer_id, producer, prices, intact=True)


def offer_provenance(offer: ProducerOffer, seller_id: str, sources: Sequence[KeySource]) -> Provenance | None:
    """The provenance of an offer ``seller_id`` publishes in its signed catalog: its own offer with
    an origin is SOURCE_DIRECT (the catalog's signature is the producer's); a relisting is judged
    by :func:`relisted_provenance`; an offer claiming nothing has none."""
    if offer.source is not None:
        return relisted_provenance(offer, sources)
    if offer.origin is None:
        return None
    return Provenance(ProvenanceStatus.SOURCE_DIRECT, seller_id, offer, intact=True)


@dataclass(frozen=True, slots=True)
class RelistingCheck:
    """A relisting document, checked: the relister's signature, then the chain to the producer."""

    relister: SignerCheck | None
    relisted: ProducerOffer | None
    provenance: Provenance | None
    source: OfferCheck | None
    problems: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        """Every signature holds with its carried key and the relisting keeps to the producer's offer."""
        return (not self.problems and self.relister is not None and self.relister.ok
                and self.provenance is not None and self.provenance.intact)

    @property
    def ok(self) -> bool:
        """Intact all the way, and the producer's key confirmed: the relisting is proven."""
        return (not self.problems and self.relister is not None and self.relister.ok
                and self.provenance is not None and self.provenance.status is ProvenanceStatus.RELISTED)


def check_relisting(doc: Any, sources: Sequence[KeySource] = ()) -> RelistingCheck:
    """Check a relisting document and its chain back to the producer (see the module docstring)."""
    shaped, problem = _shape(doc, RELISTING_FORMAT)
    if shaped is None:
        return RelistingCheck(None, None, None, None, (problem or "",))
    relister = _check_signature(shaped, "relister_id", sources)
    relisted, problems = _offer_of(shaped["statement"]["offer"], "$.statement.offer")
    if relisted is None or relisted.source is None:
        problems.append("$.statement.offer.source: the relisting embeds no producer's signed offer")
        return RelistingCheck(relister, relisted, None, None, tuple(problems))
    source = check_signed_offer(jsonbytes.loads(relisted.source), sources)
    return RelistingCheck(relister, relisted, relisted_provenance(relisted, sources), source, tuple(problems))


def relisted_offer(signed_offer: Mapping[str, Any], tiers: Sequence[PriceTier], *, offer_id: str | None = None,
                   minimum_batch: int = 1, location_id: str | None = None) -> ProducerOffer:
    """A relisting of a producer's signed offer at the relister's ``tiers``: the producer's name,
    unit, category and origin, the signed offer embedded as its ``source``. Refused
    (:class:`ProvenanceError`, naming the rule) when the signed offer does not hold with its
    carried key or the relisting would not keep to it (unit, currency, origin)."""
    check = check_signed_offer(signed_offer)
    producer = check.offer
    if producer is None or not check.ok:
        raise ProvenanceError(f"the producer's signed offer does not hold: {check.reason}")
    relisted = replace(producer, id=offer_id or producer.id, tiers=tuple(tiers), minimum_batch=minimum_batch,
                       location_id=location_id, source=canonical_bytes(signed_offer).decode("utf-8"))
    problems = [*relisted.problems(), *relisting_problems(producer, relisted)]
    if problems:
        raise ProvenanceError("; ".join(f"{path}: {why}" for path, why in problems))
    return relisted
