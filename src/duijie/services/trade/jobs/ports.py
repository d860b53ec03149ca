"""Ports of the job application, employer side: the applications a node's providers received."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Unpack

from duijie.services.ports import T, Ts, UnitOfWork

if TYPE_CHECKING:
    from duijie.domain.applications import Application, Stage


@dataclass(frozen=True, slots=True)
class StoredApplication:
    """An application with the applicant node's callback base and the context of its confirm."""

    application: Application
    bap_uri: str
    context: dict[str, Any]


class ApplicationRepository(Protocol):
    """The employer's applications; one per (bap_id, transaction_id)."""

    def add(self, application: Application, bap_uri: str, context: dict[str, Any]) -> bool:
        """Insert; False (nothing written) when the transaction already has an application."""
        ...

    def save(self, application: Application) -> None:
        """Store a changed application (its context is kept)."""
        ...

    def get(self, application_id: str) -> StoredApplication | None: ...

    def for_transaction(self, bap_id: str, transaction_id: str) -> StoredApplication | None: ...

    def offers(self, provider_id: str, posting_id: str, *, for_update: bool = False) -> int:
        """How many applications to the posting reached OFFER (each fills an opening); ``for_update``
        holds the posting's applications until the unit of work ends, so two offers cannot both
        take its last opening."""
        ...

    def list(self, provider_id: str | None = None, stage: Stage | None = None,
             limit: int = 500) -> list[StoredApplication]:
        """Newest first, optionally one provider's or one stage's."""
        ...


class JobsUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the job applications."""

    applications: ApplicationRepository

    def __enter__(self) -> JobsUnitOfWork: ...


class JobsUnitOfWorkFactory(Protocol):
    """Opens a :class:`JobsUnitOfWork`."""

    def __call__(self, *, read_only: bool = False) -> JobsUnitOfWork: ...

    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """Run ``func(*args)``, a short unit of database work, where the store runs it best."""
        ...
