"""Shared pieces of the mapping: the error it raises, and states/rules as Beckn codes."""

from __future__ import annotations

from duijie.domain.order_errors import OrderRule
from duijie.domain.orders import OrderState
from duijie.protocol.errors import BecknErrorCode

PICKUP = "Self-Pickup"
QUOTE_TTL = "PT15M"


class MappingError(ValueError):
    """A Beckn message that cannot be read as a domain command; ``code`` is the BECKN-005 answer."""

    def __init__(self, code: BecknErrorCode, message: str, paths: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.paths = paths


_STATUS = {
    OrderState.CREATED: "ACTIVE",
    OrderState.ACCEPTED: "ACTIVE",
    OrderState.READY: "ACTIVE",
    OrderState.COMPLETED: "COMPLETE",
    OrderState.DECLINED: "CANCELLED",
    OrderState.CANCELLED: "CANCELLED",
}
_RULE_CODES = {
    OrderRule.EMPTY_CART: BecknErrorCode.INVALID_REQUEST,
    OrderRule.INVALID_QUANTITY: BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE,
    OrderRule.ITEM_NOT_FOUND: BecknErrorCode.ITEM_NOT_FOUND,
    OrderRule.ADD_ON_NOT_FOUND: BecknErrorCode.ADD_ON_NOT_FOUND,
    OrderRule.ADD_ON_CHOICES: BecknErrorCode.ADD_ON_NOT_FOUND,
    OrderRule.QUANTITY_UNAVAILABLE: BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE,
    OrderRule.ITEM_NOT_AVAILABLE_NOW: BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE,
    OrderRule.LOCATION_NOT_FOUND: BecknErrorCode.PROVIDER_LOCATION_NOT_FOUND,
    OrderRule.LOCATION_CLOSED: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    OrderRule.FULFILLMENT_UNAVAILABLE: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    OrderRule.ILLEGAL_TRANSITION: BecknErrorCode.ACTION_NOT_APPLICABLE,
    OrderRule.CANCELLATION_NOT_POSSIBLE: BecknErrorCode.CANCELLATION_NOT_POSSIBLE,
    OrderRule.UPDATE_NOT_POSSIBLE: BecknErrorCode.UPDATION_NOT_POSSIBLE,
    OrderRule.RATING_NOT_ALLOWED: BecknErrorCode.ACTION_NOT_APPLICABLE,
    OrderRule.INVALID_RATING: BecknErrorCode.INVALID_RATING_VALUE,
}


def beckn_status(state: OrderState) -> str:
    """Beckn ``Order.status``: CREATED/ACCEPTED/READY → ACTIVE, COMPLETED → COMPLETE, else CANCELLED."""
    return _STATUS[state]


_RULE_PATHS = {
    OrderRule.EMPTY_CART: "message.order.items",
}


def error_code(rule: OrderRule) -> BecknErrorCode:
    """The BECKN-005 code that reports a broken order rule."""
    return _RULE_CODES[rule]


def error_paths(rule: OrderRule) -> str | None:
    """The part of the request a broken order rule points at, where it is always the same part."""
    return _RULE_PATHS.get(rule)
