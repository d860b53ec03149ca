"""Errors the use cases raise; entry points turn them into HTTP statuses or exit codes."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every use-case error; ``field`` names the offending input where there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The thing asked for does not exist on this node."""


class Unauthorized(ServiceError):
    """A merchant action without a valid admin credential."""


class Conflict(ServiceError):
    """The request contradicts the current state (e.g. accepting a cancelled order)."""
