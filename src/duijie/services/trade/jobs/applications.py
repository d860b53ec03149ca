"""Use cases of job applications, employer side: check, receive, read, move, withdraw.

Domain values in, domain results out, inside the caller's unit of work (the seller's, for a
Beckn request; the desk's, for the employer). A refusal is an :class:`ApplicationError` naming
the rule; nothing is written then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from duijie.domain.applications import (
    Applicant,
    Application,
    ApplicationError,
    ApplicationRule,
    Stage,
    admit,
    check_applicant,
    openings_left,
)
from duijie.domain.jobs import JobPosting
from duijie.domain.listing import Listing
from duijie.services.trade.jobs.ports import JobsUnitOfWork, StoredApplication


def posting_in(listing: Listing, posting_id: str) -> JobPosting | None:
    """The posting ``posting_id`` of ``listing``, if it has one."""
    return next((p for p in listing.jobs if p.id == posting_id), None)


def openings(uow: JobsUnitOfWork, listing: Listing, posting: JobPosting, *, for_update: bool = False) -> int:
    """The openings ``posting`` has left: its openings less the offers made."""
    return openings_left(posting, uow.applications.offers(listing.id, posting.id, for_update=for_update))


@dataclass(frozen=True, slots=True)
class Sender:
    """The node that sent a request: its subscriber id, callback base and the transaction."""

    bap_id: str
    bap_uri: str
    transaction_id: str


class JobApplications:
    """The use cases; stateless, so one instance serves every request."""

    def check(self, uow: JobsUnitOfWork, listing: Listing, posting_id: str, applicant: Applicant | None) -> JobPosting:
        """What select/init answer: the posting exists and has an opening; with ``applicant``, that
        the applicant's details are sound too. Returns the posting."""
        posting = posting_in(listing, posting_id)
        offers = uow.applications.offers(listing.id, posting_id) if posting is not None else 0
        admitted = admit(posting, posting_id, listing.id, offers)
        if applicant is not None:
            check_applicant(applicant)
        return admitted

    def receive(self, uow: JobsUnitOfWork, listing: Listing, posting_id: str, applicant: Applicant,
                sender: Sender, context: dict[str, Any], now: datetime) -> Application:
        """The confirm: a new application, RECEIVED; a retried confirm of the transaction gets the
        application it made."""
        existing = uow.applications.for_transaction(sender.bap_id, sender.transaction_id)
        if existing is not None:
            return existing.application
        posting = posting_in(listing, posting_id)
        offers = uow.applications.offers(listing.id, posting_id) if posting is not None else 0
        app = Application.receive(
            id=f"A-{uuid.uuid4().hex[:12]}", provider_id=listing.id, posting=posting, posting_id=posting_id,
            bap_id=sender.bap_id, transaction_id=sender.transaction_id, applicant=applicant,
            offers_made=offers, now=now,
        )
        if not uow.applications.add(app, sender.bap_uri, context):  # a concurrent twin won
            twin = uow.applications.for_transaction(sender.bap_id, sender.transaction_id)
            assert twin is not None
            return twin.application
        return app

    def own(self, uow: JobsUnitOfWork, bap_id: str, application_id: str | None) -> Application:
        """The application ``application_id`` when ``bap_id`` sent it. Another node is told only
        that there is no such application of its own: not whose it is, nor anything in it."""
        stored = uow.applications.get(application_id) if application_id else None
        if stored is None or stored.application.bap_id != bap_id:
            raise ApplicationError(ApplicationRule.NOT_APPLICANT,
                                   f"no application {application_id!r} from {bap_id} here", "order_id")
        return stored.application

    def withdraw(self, uow: JobsUnitOfWork, bap_id: str, application_id: str | None, now: datetime) -> Application:
        """The applicant's node withdraws its application (only its own)."""
        changed = self.own(uow, bap_id, application_id).withdraw(bap_id, now)
        uow.applications.save(changed)
        return changed

    def move(self, uow: JobsUnitOfWork, stored: StoredApplication, listing: Listing | None, to: Stage,
             now: datetime) -> Application:
        """The employer moves an application to ``to`` (an offer needs an opening left)."""
        app = stored.application
        posting = posting_in(listing, app.posting_id) if listing is not None else None
        left = None
        if to is Stage.OFFER and listing is not None and posting is not None:
            left = openings(uow, listing, posting, for_update=True)
        changed = app.move(to, now, openings_left=left)
        uow.applications.save(changed)
        return changed
