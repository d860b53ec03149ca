"""Node records: a node's signed, expiring statement of who it is and what it publishes.

A record names the subscriber, its URLs, roles, public keys (with ``unique_key_id``), the
domains it trades in, a rough location, and for each provider it hosts the digest and
version of the current signed catalog. Peers pass records on, so every record is verified
(:func:`check_record`) before it is stored or re-served. The signature covers
:func:`duijie.protocol.canonical.canonical_bytes` of the record body.

Trust rule (docs/TRUST.md): a record for subscriber S is accepted only when it is signed by a
key it lists, its ``url`` and ``peer_url`` are at the address S names
(:class:`~duijie.protocol.identity.IdentityAddresses`), and its signing key is trusted for S:
already trusted, endorsed by a trusted key, or vouched for by an authority the caller asked
(a configured registry or S's own lookup). A relayed record is only a hint until then.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.identity import IdentityAddresses
from duijie.protocol.keys import KeyFormatError, SigningKey, VerifyKey

RECORD_FORMAT = "duijie.node-record/1"
#: A record issued further than this in the future is refused (clock skew allowance).
MAX_SKEW_SECONDS = 300


class RecordFormatError(ValueError):
    """The JSON is not a node record."""


class RecordVerdict(StrEnum):
    """Why a record was accepted or refused."""

    ACCEPTED = "accepted"
    BAD_FORMAT = "bad_format"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    NOT_BOUND = "not_bound"  # its url/peer_url is not at the address its subscriber id names
    KEY_NOT_TRUSTED = "key_not_trusted"  # unconfirmed: nobody who may speak for the id vouched yet
    KEY_CONFLICT = "key_conflict"  # a trusted key, or the id's authority, says another key


#: Verdicts that only a forger (or a broken node) produces: counted against the peer that sent them.
HOSTILE_VERDICTS = frozenset({RecordVerdict.BAD_SIGNATURE, RecordVerdict.NOT_BOUND, RecordVerdict.KEY_CONFLICT})


class VouchState(StrEnum):
    """What the authorities for an identity said about one of its key ids."""

    FOUND = "found"  # they named a key for (subscriber_id, unique_key_id)
    DENIED = "denied"  # the identity's own lookup answered and does not list that key id
    UNREACHABLE = "unreachable"  # nobody who may speak for the identity could be asked


@dataclass(frozen=True, slots=True)
class Vouch:
    """An authority's answer; ``source`` names it (``registry:URL`` or ``self-lookup``)."""

    state: VouchState
    public_key: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class RecordKey:
    """One public key set of the subscriber."""

    unique_key_id: str
    signing_public_key: str
    encr_public_key: str | None
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """A provider hosted by the node: the digest and version of its current catalog."""

    provider_id: str
    digest: str
    version: int


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """The record body (what is signed). ``sequence`` grows with every re-issue."""

    subscriber_id: str
    url: str
    peer_url: str
    roles: tuple[str, ...]
    keys: tuple[RecordKey, ...]
    domains: tuple[str, ...]
    location: tuple[float, float] | None
    providers: tuple[ProviderEntry, ...]
    issued_at: datetime
    expires_at: datetime
    sequence: int

    def body(self) -> dict[str, Any]:
        """The JSON body; :meth:`signing_bytes` is its canonical form."""
        return {
            "format": RECORD_FORMAT,
            "subscriber_id": self.subscriber_id,
            "url": self.url,
            "peer_url": self.peer_url,
            "roles": list(self.roles),
            "keys": [
                {
                    "unique_key_id": k.unique_key_id,
                    "signing_public_key": k.signing_public_key,
                    "encr_public_key": k.encr_public_key,
                    "valid_from": k.valid_from.isoformat(),
                    "valid_until": k.valid_until.isoformat(),
                }
                for k in self.keys
            ],
            "domains": list(self.domains),
            "location": None if self.location is None else {"lat": self.location[0], "lon": self.location[1]},
            "providers": [
                {"provider_id": p.provider_id, "digest": p.digest, "version": p.version} for p in self.providers
            ],
            "issued_at": self.issued_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "sequence": self.sequence,
        }

    def signing_bytes(self) -> bytes:
        return canonical_bytes(self.body())

    def key(self, unique_key_id: str) -> RecordKey | None:
        return next((k for k in self.keys if k.unique_key_id == unique_key_id), None)

    def provider(self, provider_id: str) -> ProviderEntry | None:
        return next((p for p in self.providers if p.provider_id == provider_id), None)


@dataclass(frozen=True, slots=True)
class RecordSignature:
    """A detached Ed25519 signature over the record's canonical bytes."""

    unique_key_id: str
    signing_public_key: str
    signature: str

    def to_dict(self) -> dict[str, str]:
        return {
            "unique_key_id": self.unique_key_id,
            "signing_public_key": self.signing_public_key,
            "signature": self.signature,
        }

    def verifies(self, data: bytes) -> bool:
        try:
            raw = base64.b64decode(self.signature, validate=True)
            return VerifyKey.from_base64(self.signing_public_key).verify(data, raw)
        except (binascii.Error, KeyFormatError, ValueError):
            return False


@dataclass(frozen=True, slots=True)
class SignedRecord:
    """A record with its signature and, after a key change, the old key's endorsement."""

    record: NodeRecord
    signature: RecordSignature
    endorsement: RecordSignature | None = None
    #: The body exactly as received; signatures are checked over its canonical bytes, so a
    #: record passes through peers unchanged even if our own writer would format it differently.
    raw_body: dict[str, Any] | None = None

    def signed_bytes(self) -> bytes:
        return canonical_bytes(self.raw_body) if self.raw_body is not None else self.record.signing_bytes()

    def to_dict(self) -> dict[str, Any]:
        body = self.raw_body if self.raw_body is not None else self.record.body()
        out: dict[str, Any] = {"record": body, "signature": self.signature.to_dict()}
        if self.endorsement is not None:
            out["endorsement"] = self.endorsement.to_dict()
        return out


def sign_record(record: NodeRecord, key: SigningKey, unique_key_id: str,
                previous: tuple[SigningKey, str] | None = None) -> SignedRecord:
    """Sign ``record`` with ``key``; ``previous`` (old key, its id) adds an endorsement."""
    data = record.signing_bytes()

    def _sig(k: SigningKey, ukid: str) -> RecordSignature:
        return RecordSignature(ukid, k.public_key_base64(), base64.b64encode(k.sign(data)).decode())

    endorsement = _sig(*previous) if previous is not None else None
    return SignedRecord(record, _sig(key, unique_key_id), endorsement)


@dataclass(frozen=True, slots=True)
class Check:
    """Result of :func:`check_record`.

    ``source`` is where the signing key's trust came from when this check established it
    (``endorsed``, ``registry:URL``, ``self-lookup``); None when it was trusted already.
    """

    verdict: RecordVerdict
    reason: str
    source: str | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict is RecordVerdict.ACCEPTED

    @property
    def hostile(self) -> bool:
        """Only a forger sends this: the peer that relayed it is counted against."""
        return self.verdict in HOSTILE_VERDICTS


def check_record(signed: SignedRecord, now: datetime, trusted: Mapping[str, str] | None = None, *,
                 addresses: IdentityAddresses | None = None, vouch: Vouch | None = None) -> Check:
    """Decide whether ``signed`` may be believed at ``now``.

    ``trusted`` maps the subscriber's trusted key ids to their public keys (from a configured
    registry, its own lookup, or an endorsed change); ``addresses`` binds the record's URLs to
    its id; ``vouch`` is what the id's authorities said about the signing key id, once asked.
    Without a trusted key, an endorsement by one or a vouch the verdict is ``KEY_NOT_TRUSTED``:
    the caller may ask the authorities and call again with their answer.
    """
    record, sig = signed.record, signed.signature
    trusted = trusted or {}
    listed = record.key(sig.unique_key_id)
    if listed is None or listed.signing_public_key != sig.signing_public_key:
        return Check(RecordVerdict.BAD_SIGNATURE, "signed by a key the record does not list")
    data = signed.signed_bytes()
    if not sig.verifies(data):
        return Check(RecordVerdict.BAD_SIGNATURE, "signature does not verify")
    if record.expires_at <= now:
        return Check(RecordVerdict.EXPIRED, f"record expired at {record.expires_at.isoformat()}")
    if (record.issued_at - now).total_seconds() > MAX_SKEW_SECONDS:
        return Check(RecordVerdict.NOT_YET_VALID, "record issued in the future")
    sid = record.subscriber_id
    if addresses is not None and not (addresses.binds(sid, record.url) and addresses.binds(sid, record.peer_url)):
        return Check(RecordVerdict.NOT_BOUND,
                     f"{sid} names {addresses.base_url(sid)}, the record points to {record.url} / {record.peer_url}")
    held = trusted.get(sig.unique_key_id)
    if held == sig.signing_public_key:
        return Check(RecordVerdict.ACCEPTED, "ok")
    endorsement = signed.endorsement
    if (endorsement is not None and endorsement.signing_public_key in trusted.values()
            and endorsement.verifies(data)):
        return Check(RecordVerdict.ACCEPTED, "key change endorsed by a trusted key", source="endorsed")
    if held is not None:
        return Check(RecordVerdict.KEY_CONFLICT, f"{sid} key {sig.unique_key_id} is trusted with another public key")
    if vouch is None or vouch.state is VouchState.UNREACHABLE:
        return Check(RecordVerdict.KEY_NOT_TRUSTED, f"nobody who may speak for {sid} vouched for key "
                                                    f"{sig.unique_key_id} (yet)")
    if vouch.state is VouchState.DENIED:
        return Check(RecordVerdict.KEY_CONFLICT, f"{sid}'s own lookup does not list key {sig.unique_key_id}")
    if vouch.public_key != sig.signing_public_key:
        return Check(RecordVerdict.KEY_CONFLICT, f"{vouch.source} names another key for {sid} {sig.unique_key_id}")
    return Check(RecordVerdict.ACCEPTED, f"key confirmed by {vouch.source}", source=vouch.source)


def _time(value: Any, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordFormatError(f"{what}: not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise RecordFormatError(f"{what}: needs a UTC offset")
    return moment


#: Largest sequence a record may carry (a 64-bit column holds it; JSON numbers stay exact).
MAX_SEQUENCE = 2**53


def _sequence(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQUENCE:
        raise RecordFormatError(f"sequence must be an integer from 0 to {MAX_SEQUENCE}")
    return value


def signature_from_dict(data: Any) -> RecordSignature:
    """Parse a detached signature object; raises :class:`RecordFormatError`."""
    if not isinstance(data, Mapping):
        raise RecordFormatError("signature must be an object")
    return RecordSignature(str(data["unique_key_id"]), str(data["signing_public_key"]), str(data["signature"]))


def record_from_dict(data: Any) -> SignedRecord:
    """Parse a signed record; raises :class:`RecordFormatError` on any malformed part."""
    try:
        body = data["record"]
        if body.get("format") != RECORD_FORMAT:
            raise RecordFormatError(f"format must be {RECORD_FORMAT}")
        loc = body.get("location")
        record = NodeRecord(
            subscriber_id=str(body["subscriber_id"]),
            url=str(body["url"]),
            peer_url=str(body["peer_url"]),
            roles=tuple(str(r) for r in body["roles"]),
            keys=tuple(
                RecordKey(str(k["unique_key_id"]), str(k["signing_public_key"]), k.get("encr_public_key"),
                          _time(k["valid_from"], "valid_from"), _time(k["valid_until"], "valid_until"))
                for k in body["keys"]
            ),
            domains=tuple(str(d) for d in body["domains"]),
            location=None if loc is None else (float(loc["lat"]), float(loc["lon"])),
            providers=tuple(
                ProviderEntry(str(p["provider_id"]), str(p["digest"]), int(p["version"])) for p in body["providers"]
            ),
            issued_at=_time(body["issued_at"], "issued_at"),
            expires_at=_time(body["expires_at"], "expires_at"),
            sequence=_sequence(body["sequence"]),
        )
        endorsement = data.get("endorsement")
        return SignedRecord(record, signature_from_dict(data["signature"]),
                            signature_from_dict(endorsement) if endorsement is not None else None, dict(body))
    except RecordFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RecordFormatError(f"not a node record: {type(exc).__name__}: {exc}") from exc
