"""Validation issues and domain errors shared by every part of the domain."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found while validating: where (``path``) and why (``reason``).

    ``path`` is a JSON path such as ``$.catalog.items[3].price`` for documents, or
    ``menu.csv:12`` for a CSV line (the reason then starts with ``column X:``).
    """

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class ValidationFailed(Exception):
    """Raised with *every* issue found, never only the first one."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues: list[Issue] = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues) or "validation failed")


class ErrorCode(StrEnum):
    """Machine-readable reasons for a ``DomainError``."""

    INVALID_MONEY = "invalid_money"
    CURRENCY_MISMATCH = "currency_mismatch"
    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    INVALID_HOURS = "invalid_hours"
    NAIVE_DATETIME = "naive_datetime"
    NOT_FOUND = "not_found"
    QUANTITY_BELOW_MINIMUM = "quantity_below_minimum"
    INVALID_VALUE = "invalid_value"


class DomainError(Exception):
    """A domain rule refused an operation; ``code`` says which rule."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code.value}: {message}")
