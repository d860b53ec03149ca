"""The job application as a kind of trade: Beckn requests in, use cases run, callbacks out.

select/init check the posting (and the applicant), confirm receives the application (the seller's
receipts hook then signs it), status answers its stage, cancel is the applicant's withdrawal.
Only the node that applied may read or withdraw an application; any other gets ORDER_NOT_FOUND
and nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from duijie.domain.applications import ApplicationError, ApplicationRule
from duijie.domain.listing import Listing
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.mapping import jobs as jm
from duijie.protocol.mapping.codes import MappingError
from duijie.protocol.pipeline import Verified
from duijie.services.trade.jobs.applications import JobApplications, Sender, posting_in
from duijie.services.trade.jobs.ports import JobsUnitOfWork
from duijie.services.trade.kinds import Message, SellerKind
from duijie.services.trade.listings import listing_of

CODES = {
    ApplicationRule.NO_SUCH_POSTING: BecknErrorCode.ITEM_NOT_FOUND,
    ApplicationRule.NO_OPENINGS: BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE,
    ApplicationRule.APPLICANT: BecknErrorCode.INVALID_REQUEST,
    ApplicationRule.NOT_APPLICANT: BecknErrorCode.ORDER_NOT_FOUND,
    ApplicationRule.CLOSED: BecknErrorCode.CANCELLATION_NOT_POSSIBLE,
    ApplicationRule.NOT_FORWARD: BecknErrorCode.UPDATION_NOT_POSSIBLE,
}
_PERSON = "order.fulfillments[0].customer.person"
_CONTACT = "order.fulfillments[0].customer.contact"
PATHS = {"item": "order.items[0].id", "order_id": "order_id", "name": f"{_PERSON}.name",
         "languages": f"{_PERSON}.languages", "resume": f"{_PERSON}.creds", "experience": f"{_PERSON}.tags",
         "availability": f"{_PERSON}.tags", "contact": _CONTACT, "phone": f"{_CONTACT}.phone",
         "email": f"{_CONTACT}.email"}
"""Where in the request each field the rules name travels (the error's ``paths``)."""

R = TypeVar("R")


def refusal(exc: ApplicationError) -> MappingError:
    """The error callback of a broken rule: its BECKN-005 code, the rule named in the message."""
    return MappingError(CODES[exc.rule], f"{exc.message} (rule: {exc.rule.value})", PATHS.get(exc.field or ""))


def _ruled(step: Callable[[], R]) -> R:
    try:
        return step()
    except ApplicationError as exc:
        raise refusal(exc) from exc


def _order(request: Verified) -> dict[str, Any]:
    order = request.message.get("order")
    return order if isinstance(order, dict) else {}


def _sender(request: Verified) -> Sender:
    ctx = request.context
    return Sender(ctx.bap_id, ctx.bap_uri, ctx.transaction_id)


class JobsKind(SellerKind[JobsUnitOfWork]):
    """Items ``job-<posting id>`` of ``listing.jobs``; applications live in ``uow.applications``."""

    name = "job application"

    def __init__(self, applications: JobApplications | None = None) -> None:
        self.applications = applications or JobApplications()

    def owns_item(self, listing: Listing, item_id: str) -> bool:
        return jm.posting_of_item(item_id) is not None

    def holds_order(self, uow: JobsUnitOfWork, order_id: str) -> bool:
        return uow.applications.get(order_id) is not None

    def holds_transaction(self, uow: JobsUnitOfWork, bap_id: str, transaction_id: str) -> bool:
        return uow.applications.for_transaction(bap_id, transaction_id) is not None

    def select(self, uow: JobsUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        order = _order(request)
        posting_id = jm.posting_id_of(order)
        posting = _ruled(lambda: self.applications.check(uow, listing, posting_id, None))
        return {"order": jm.application_order(listing.id, posting, None)}

    def init(self, uow: JobsUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        order = _order(request)
        posting_id, applicant = jm.posting_id_of(order), jm.applicant_from_order(order)
        posting = _ruled(lambda: self.applications.check(uow, listing, posting_id, applicant))
        return {"order": jm.application_order(listing.id, posting, applicant)}

    def confirm(self, uow: JobsUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        order = _order(request)
        posting_id, applicant = jm.posting_id_of(order), jm.applicant_from_order(order)
        app = _ruled(lambda: self.applications.receive(uow, listing, posting_id, applicant, _sender(request),
                                                       request.context.to_dict(), now))
        return {"order": jm.application_to_beckn(app, posting_in(listing, app.posting_id))}

    def status(self, uow: JobsUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        app = _ruled(lambda: self.applications.own(uow, request.context.bap_id, order_id))
        return {"order": jm.application_to_beckn(app, posting_in(listing_of(uow, app.provider_id), app.posting_id))}

    def cancel(self, uow: JobsUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        app = _ruled(lambda: self.applications.withdraw(uow, request.context.bap_id, order_id, now))
        return {"order": jm.application_to_beckn(app, posting_in(listing_of(uow, app.provider_id), app.posting_id))}
