"""Beckn error codes (BECKN-005, core 1.x) and the synchronous ACK/NACK bodies.

In core 1.1.1 ``Error.code`` is a string, so the numbers are sent as their decimal text.
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["BecknErrorCode", "ack_body", "error_body", "nack_body"]


class BecknErrorCode(enum.IntEnum):
    """BECKN-005 error codes: 3xxxx invalid request, 4xxxx business, 5xxxx policy."""

    INVALID_REQUEST = 30000
    PROVIDER_NOT_FOUND = 30001
    PROVIDER_LOCATION_NOT_FOUND = 30002
    PROVIDER_CATEGORY_NOT_FOUND = 30003
    ITEM_NOT_FOUND = 30004
    CATEGORY_NOT_FOUND = 30005
    OFFER_NOT_FOUND = 30006
    ADD_ON_NOT_FOUND = 30007
    FULFILLMENT_UNAVAILABLE = 30008
    FULFILLMENT_PROVIDER_UNAVAILABLE = 30009
    ORDER_NOT_FOUND = 30010
    INVALID_CANCELLATION_REASON = 30011
    INVALID_UPDATE_TARGET = 30012
    UPDATE_INCONSISTENCY = 30013
    ENTITY_TO_RATE_NOT_FOUND = 30014
    INVALID_RATING_VALUE = 30015
    BUSINESS_ERROR = 40000
    ACTION_NOT_APPLICABLE = 40001
    ITEM_QUANTITY_UNAVAILABLE = 40002
    QUOTE_UNAVAILABLE = 40003
    PAYMENT_NOT_SUPPORTED = 40004
    TRACKING_NOT_SUPPORTED = 40005
    FULFILLMENT_AGENT_UNAVAILABLE = 40006
    POLICY_ERROR = 50000
    CANCELLATION_NOT_POSSIBLE = 50001
    UPDATION_NOT_POSSIBLE = 50002
    UNSUPPORTED_RATING_CATEGORY = 50003
    SUPPORT_UNAVAILABLE = 50004


def error_body(code: BecknErrorCode | int, message: str, paths: str | None = None) -> dict[str, str]:
    """An ``Error`` object: ``{"code": "30000", "message": ..., "paths"?: ...}``."""
    body = {"code": str(int(code)), "message": message}
    if paths:
        body["paths"] = paths
    return body


def ack_body() -> dict[str, Any]:
    """The synchronous ACK: the receiver will call back."""
    return {"message": {"ack": {"status": "ACK"}}}


def nack_body(
    code: BecknErrorCode | int | None = None, message: str = "", paths: str | None = None
) -> dict[str, Any]:
    """The synchronous NACK, with an ``error`` when ``code`` is given."""
    body: dict[str, Any] = {"message": {"ack": {"status": "NACK"}}}
    if code is not None:
        body["error"] = error_body(code, message, paths)
    return body
