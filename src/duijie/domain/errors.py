"""Validation issues and domain errors shared by every part of the domain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from duijie.domain.listing_problems import ListingProblem, Reason


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found while validating: where (``path``) and why (``reason``).

    ``path`` is a JSON path such as ``$.catalog.items[3].price`` for documents, or
    ``menu.csv:12`` for a CSV line (the reason then starts with ``column X:``). A listing's
    problem is made with a :class:`~duijie.domain.listing_problems.Reason`, whose ``code`` and
    ``params`` the issue shows beside the English.
    """

    path: str
    reason: str

    @property
    def code(self) -> ListingProblem | None:
        """The problem's stable code (None for a reason made without one)."""
        return self.reason.code if isinstance(self.reason, Reason) else None

    @property
    def params(self) -> Mapping[str, str]:
        """The values the reason names (``{"id": "mapo"}``), empty without a code."""
        return self.reason.params if isinstance(self.reason, Reason) else {}

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
