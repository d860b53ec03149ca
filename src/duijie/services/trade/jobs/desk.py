"""The employer's desk of job applications: list, read, move through the stages.

Each move commits the new stage and an unsolicited ``on_status`` to the applicant's node (new
message_id, same transaction) in one unit of work, so the applicant is told of every change.
These are the only reads of an applicant's details, and they need the node's admin token.
"""

from __future__ import annotations

import uuid
from typing import Any

from duijie.domain.applications import ApplicationError, Stage
from duijie.protocol.context import Action, Context
from duijie.protocol.mapping import jobs as jm
from duijie.services.errors import Conflict, NotFound, ServiceError
from duijie.services.ports import Clock
from duijie.services.trade.jobs.applications import JobApplications, posting_in
from duijie.services.trade.jobs.documents import application_document
from duijie.services.trade.jobs.ports import JobsUnitOfWorkFactory, StoredApplication
from duijie.services.trade.order_callbacks import SellerNode, queue_callback


def parse_stage(raw: str | None, *, field: str = "stage") -> Stage | None:
    """A :class:`Stage` from user input (any case); ServiceError naming the field otherwise."""
    if raw is None or raw == "":
        return None
    try:
        return Stage(raw.strip().upper())
    except ValueError:
        choices = ", ".join(s.value for s in Stage)
        raise ServiceError(f"{field} must be one of {choices}, not {raw[:40]!r}", field=field) from None


def application_view(stored: StoredApplication) -> dict[str, Any]:
    """What the employer sees of one application."""
    return application_document(stored.application)


class ApplicationDesk:
    """Use cases of the employer's applications; database work runs through ``uow.run``."""

    def __init__(self, uow: JobsUnitOfWorkFactory, clock: Clock, node: SellerNode,
                 applications: JobApplications | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._node = node
        self._applications = applications or JobApplications()

    async def list_applications(self, stage: str | None = None, provider_id: str | None = None) -> list[dict[str, Any]]:
        """Every application (newest first), or one stage's / one provider's."""
        return await self._uow.run(self._list, parse_stage(stage), provider_id)

    async def get(self, application_id: str) -> dict[str, Any]:
        return await self._uow.run(self._get, application_id)

    async def move(self, application_id: str, stage: str) -> dict[str, Any]:
        """Move an application to ``stage``; the applicant's node is sent an ``on_status``."""
        to = parse_stage(stage)
        if to is None:
            raise ServiceError("stage is required", field="stage")
        return await self._uow.run(self._move, application_id, to)

    def _list(self, stage: Stage | None, provider_id: str | None) -> list[dict[str, Any]]:
        with self._uow(read_only=True) as uow:
            return [application_view(s) for s in uow.applications.list(provider_id, stage)]

    def _get(self, application_id: str) -> dict[str, Any]:
        with self._uow(read_only=True) as uow:
            stored = uow.applications.get(application_id)
        if stored is None:
            raise NotFound(f"no application {application_id!r}", field="application_id")
        return application_view(stored)

    def _move(self, application_id: str, to: Stage) -> dict[str, Any]:
        now = self._clock.now()
        with self._uow() as uow:
            stored = uow.applications.get(application_id)
            if stored is None:
                raise NotFound(f"no application {application_id!r}", field="application_id")
            found = uow.listings.get(stored.application.provider_id)
            listing = found.listing if found is not None else None
            try:
                changed = self._applications.move(uow, stored, listing, to, now)
            except ApplicationError as exc:
                raise Conflict(f"{exc.message} (rule: {exc.rule.value})", field="stage") from exc
            posting = posting_in(listing, changed.posting_id) if listing is not None else None
            queue_callback(uow, Context.from_dict(stored.context), self._node, now, action=Action.ON_STATUS,
                           message={"order": jm.application_to_beckn(changed, posting)},
                           message_id=str(uuid.uuid4()))
            uow.commit()
        return application_view(StoredApplication(changed, stored.bap_uri, stored.context))
