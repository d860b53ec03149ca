"""The Beckn 1.1.1 Subscription record: how a lookup describes a key, both directions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from duijie.protocol.keys import KeyFormatError, VerifyKey
from duijie.services.ports import KnownKey


def subscription_record(key: KnownKey, *, type_: str = "BPP") -> dict[str, Any]:
    """A key as a Beckn 1.1.1 Subscription, with the aliases older peers read."""
    return {
        "subscriber_id": key.subscriber_id,
        "url": key.url,
        "subscriber_url": key.url,
        "type": type_,
        "domain": "*",
        "key_id": key.unique_key_id,
        "ukId": key.unique_key_id,
        "unique_key_id": key.unique_key_id,
        "signing_public_key": key.signing_public_key,
        "encr_public_key": key.encr_public_key,
        "valid_from": key.valid_from.isoformat(),
        "valid_until": key.valid_until.isoformat(),
        "status": "SUBSCRIBED",
    }


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def key_from_subscription(record: dict[str, Any], source: str) -> KnownKey | None:
    """Read a Subscription record (1.1.1 names or protocol-server aliases); None if unusable."""
    try:
        subscriber_id = str(record["subscriber_id"])
        ukid = str(record.get("key_id") or record.get("ukId") or record.get("unique_key_id") or "")
        public = str(record["signing_public_key"])
        VerifyKey.from_base64(public)
    except (KeyError, KeyFormatError, ValueError, TypeError):
        return None
    valid_from = _parse_time(record.get("valid_from"))
    valid_until = _parse_time(record.get("valid_until"))
    if not ukid or valid_from is None or valid_until is None:
        return None
    url = record.get("url") or record.get("subscriber_url")
    return KnownKey(subscriber_id, ukid, public, record.get("encr_public_key"), url, valid_from, valid_until,
                    source)
