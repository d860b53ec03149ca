"""Why an order rule refused something: one code per rule, carried by ``OrderError``."""

from __future__ import annotations

from enum import StrEnum

from duijie.domain.errors import DomainError, ErrorCode


class OrderRule(StrEnum):
    """The order and pricing rules that can refuse a request (mapped to BECKN-005 codes by protocol.mapping)."""

    EMPTY_CART = "empty_cart"
    INVALID_QUANTITY = "invalid_quantity"
    ITEM_NOT_FOUND = "item_not_found"
    ADD_ON_NOT_FOUND = "add_on_not_found"
    ADD_ON_CHOICES = "add_on_choices"
    QUANTITY_UNAVAILABLE = "quantity_unavailable"
    ITEM_NOT_AVAILABLE_NOW = "item_not_available_now"
    LOCATION_NOT_FOUND = "location_not_found"
    LOCATION_CLOSED = "location_closed"
    FULFILLMENT_UNAVAILABLE = "fulfillment_unavailable"
    ILLEGAL_TRANSITION = "illegal_transition"
    CANCELLATION_NOT_POSSIBLE = "cancellation_not_possible"
    UPDATE_NOT_POSSIBLE = "update_not_possible"
    RATING_NOT_ALLOWED = "rating_not_allowed"
    INVALID_RATING = "invalid_rating"


class OrderError(DomainError):
    """An order or pricing rule refused the operation; ``rule`` names it, ``message`` says why.

    ``code`` (the generic ``ErrorCode``) is NOT_FOUND for missing things and INVALID_VALUE otherwise,
    so code that only knows ``DomainError`` still gets a sensible reason.
    """

    _NOT_FOUND = frozenset({OrderRule.ITEM_NOT_FOUND, OrderRule.ADD_ON_NOT_FOUND, OrderRule.LOCATION_NOT_FOUND})

    def __init__(self, rule: OrderRule, message: str) -> None:
        super().__init__(ErrorCode.NOT_FOUND if rule in self._NOT_FOUND else ErrorCode.INVALID_VALUE, message)
        self.rule = rule
