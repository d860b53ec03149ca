"""The one codec for the BECKN-006 ``Signature keyId=...`` header, in both directions.

The same codec serves ``Authorization``, ``X-Gateway-Authorization`` and ``Proxy-Authorization``.
Encoded form (one line, parameters in this order, no space after commas)::

    Signature keyId="sid|ukid|ed25519",algorithm="ed25519",created="C",expires="E",
    headers="(created) (expires) digest",signature="S"
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass

__all__ = [
    "ALGORITHM",
    "SIGNED_HEADERS",
    "SignatureError",
    "SignatureHeader",
    "SignatureProblem",
    "authenticate_challenge",
]

ALGORITHM = "ed25519"
SIGNED_HEADERS = "(created) (expires) digest"
_REQUIRED = ("keyId", "algorithm", "created", "expires", "headers", "signature")
# One parameter: name = "quoted value" or name = token, followed by a comma or the end.
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|([^,\s"]+))\s*(?:,|$)')
_DIGITS = re.compile(r"[0-9]{1,12}")
# Exactly what :meth:`SignatureHeader.encode` writes (as every duijie node and the Beckn
# reference utilities send it): matched in one step. Anything else takes the general parser.
_ENCODED = re.compile(
    r'Signature keyId="([^"|,]+)\|([^"|,]+)\|ed25519",algorithm="ed25519",'
    r'created="([0-9]{1,12})",expires="([0-9]{1,12})",headers="\(created\) \(expires\) digest",'
    r'signature="([A-Za-z0-9+/]{86}==)"'
)


class SignatureProblem(enum.Enum):
    """Why a signature was refused."""

    MISSING = "missing"
    MALFORMED = "malformed"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    ALGORITHM_MISMATCH = "algorithm_mismatch"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    TOO_LONG_LIVED = "too_long_lived"


class SignatureError(Exception):
    """A signature header that cannot be accepted; ``reason`` says why, ``message`` says what."""

    def __init__(self, reason: SignatureProblem, message: str) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class SignatureHeader:
    """The parameters of one signature header. ``signature`` is base64 text."""

    subscriber_id: str
    unique_key_id: str
    algorithm: str
    created: int
    expires: int
    headers: str
    signature: str

    @property
    def key_id(self) -> str:
        """The ``keyId`` parameter: ``subscriber_id|unique_key_id|algorithm``."""
        return f"{self.subscriber_id}|{self.unique_key_id}|{self.algorithm}"

    def signature_bytes(self) -> bytes:
        """The decoded 64-byte signature."""
        return base64.b64decode(self.signature)

    def encode(self) -> str:
        """The header value exactly as BECKN-006 writes it (ids may not contain ``|`` or quotes)."""
        for name, value in (("subscriber_id", self.subscriber_id), ("unique_key_id", self.unique_key_id)):
            if not value or any(c in value for c in '|",'):
                raise ValueError(f"{name} {value!r} cannot be written into a keyId")
        return (
            f'Signature keyId="{self.key_id}",algorithm="{self.algorithm}",'
            f'created="{self.created}",expires="{self.expires}",'
            f'headers="{self.headers}",signature="{self.signature}"'
        )

    @classmethod
    def parse(cls, value: str | None) -> SignatureHeader:
        """Parse a header value, raising :class:`SignatureError` with a precise reason.

        Accepts the ONDC Python utility's output, which wraps the whole value in double quotes.
        """
        if value is not None and (fast := _ENCODED.fullmatch(value)) is not None:
            subscriber_id, unique_key_id, created, expires, signature = fast.groups()
            # 86 base64 characters and "==" are always 64 bytes; blank ids are the general
            # parser's to refuse.
            if subscriber_id.strip() and unique_key_id.strip():
                return cls(subscriber_id, unique_key_id, ALGORITHM, int(created), int(expires), SIGNED_HEADERS,
                           signature)
        return cls._parse_general(value)

    @classmethod
    def _parse_general(cls, value: str | None) -> SignatureHeader:
        """Any parameter order, spacing and quoting BECKN-006 allows, with a precise error."""
        if value is None or not value.strip():
            raise SignatureError(SignatureProblem.MISSING, "no signature header")
        text = value.strip()
        if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and text[1:].lower().startswith("signature"):
            text = text[1:-1].strip()
        scheme, _, rest = text.partition(" ")
        if scheme.lower() != "signature" or not rest.strip():
            raise SignatureError(SignatureProblem.MALFORMED, "header must start with 'Signature '")
        params = _parse_params(rest.strip())
        missing = [name for name in _REQUIRED if name not in params]
        if missing:
            raise SignatureError(SignatureProblem.MALFORMED, f"missing parameter(s): {', '.join(missing)}")
        subscriber_id, unique_key_id, key_algorithm = _split_key_id(params["keyId"])
        algorithm = params["algorithm"]
        if key_algorithm != algorithm:
            raise SignatureError(
                SignatureProblem.ALGORITHM_MISMATCH,
                f"keyId names {key_algorithm!r} but algorithm is {algorithm!r}",
            )
        if algorithm != ALGORITHM:
            raise SignatureError(
                SignatureProblem.UNSUPPORTED_ALGORITHM, f"algorithm {algorithm!r} is not ed25519"
            )
        created = _integer(params["created"], "created")
        expires = _integer(params["expires"], "expires")
        if params["headers"].split() != SIGNED_HEADERS.split():
            raise SignatureError(
                SignatureProblem.MALFORMED, f'headers must be "{SIGNED_HEADERS}", got {params["headers"]!r}'
            )
        signature = params["signature"]
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise SignatureError(SignatureProblem.MALFORMED, "signature is not base64") from None
        if len(raw) != 64:
            raise SignatureError(SignatureProblem.MALFORMED, f"signature has {len(raw)} bytes, not 64")
        return cls(subscriber_id, unique_key_id, algorithm, created, expires, SIGNED_HEADERS, signature)


def _parse_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None or match.end() == pos:
            raise SignatureError(
                SignatureProblem.MALFORMED, f"cannot parse parameters at {text[pos : pos + 20]!r}"
            )
        name = match.group(1)
        if name in params:
            raise SignatureError(SignatureProblem.MALFORMED, f"parameter {name!r} given twice")
        params[name] = match.group(2) if match.group(2) is not None else match.group(3)
        pos = match.end()
    return params


def _split_key_id(key_id: str) -> tuple[str, str, str]:
    # Subscriber ids may contain '/', never '|'; so split on '|' only.
    parts = key_id.split("|")
    if len(parts) != 3 or not all(part.strip() for part in parts):
        raise SignatureError(
            SignatureProblem.MALFORMED,
            f"keyId must be 'subscriber_id|unique_key_id|algorithm', got {key_id!r}",
        )
    return parts[0], parts[1], parts[2]


def _integer(text: str, name: str) -> int:
    if not _DIGITS.fullmatch(text):
        raise SignatureError(SignatureProblem.MALFORMED, f"{name} must be integer Unix seconds, got {text!r}")
    return int(text)


def authenticate_challenge(own_subscriber_id: str) -> str:
    """The ``WWW-Authenticate`` / ``Proxy-Authenticate`` value sent with a 401."""
    return f'Signature realm="{own_subscriber_id}",headers="{SIGNED_HEADERS}"'
