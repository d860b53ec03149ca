"""The job application, applicant side: what the applicant sends, as Beckn orders.

select names the posting's item; init and confirm add the applicant as ``fulfillments[0].customer``
(see :mod:`duijie.protocol.mapping.jobs`). ``BuyerService.place(JOB_APPLICATION, request)`` runs it;
``status`` asks for the stage and ``cancel`` withdraws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duijie.domain.applications import Applicant
from duijie.protocol.mapping import jobs as jm


@dataclass(frozen=True, slots=True)
class ApplicationRequest:
    """An application to ``posting_id`` (its id, or its item id ``job-...``) of ``provider_id``."""

    bpp_uri: str
    provider_id: str
    posting_id: str
    applicant: Applicant
    bpp_id: str | None = None

    @property
    def item_id(self) -> str:
        return self.posting_id if jm.posting_of_item(self.posting_id) else jm.item_id(self.posting_id)


class JobApplicationPurchase:
    """:class:`~duijie.services.trade.kinds.BuyerKind` of a job application."""

    def select_order(self, request: ApplicationRequest) -> dict[str, Any]:
        return {"provider": {"id": request.provider_id},
                "items": [{"id": request.item_id, "quantity": {"selected": {"count": 1}}}]}

    def init_order(self, request: ApplicationRequest, selected: dict[str, Any],
                   quoted: dict[str, Any]) -> dict[str, Any]:
        fulfillment_id = ((quoted.get("fulfillments") or [{}])[0] or {}).get("id")
        fulfillment: dict[str, Any] = {"type": jm.ONSITE, "customer": jm.customer_to_beckn(request.applicant)}
        if fulfillment_id:
            fulfillment["id"] = fulfillment_id
        return {**selected, "fulfillments": [fulfillment]}

    def confirm_order(self, request: ApplicationRequest, draft: dict[str, Any],
                      terms: dict[str, Any]) -> dict[str, Any]:
        return {**draft, **({"quote": terms["quote"]} if terms.get("quote") else {})}


JOB_APPLICATION = JobApplicationPurchase()
