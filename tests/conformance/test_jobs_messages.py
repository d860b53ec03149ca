"""Job application messages, as duijie builds them, validate against Beckn 1.1.1 transaction.yaml:
the posting in on_search, select/init/confirm from the applicant's side, and the employer's
on_select/on_init/on_confirm/on_status/on_cancel. The applicant reads back from the wire unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.beckn_spec import requires_spec, validate_message

from duijie.domain.applications import Applicant, Application, Stage
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol.context import Action, Context, format_timestamp, reply_context
from duijie.protocol.mapping import jobs as jm
from duijie.protocol.mapping.catalog import catalog_to_beckn, provider_to_beckn
from duijie.protocol.outbound import wire_bytes
from duijie.services.trade.jobs.buying import JOB_APPLICATION, ApplicationRequest

pytestmark = requires_spec

DEMO = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data" / "chuanshan.json"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
LI = Applicant("李明 Li Ming", phone="+1-202-555-0142", email="li.ming@example.org", languages=("en", "zh"),
               experience="3 years as a cashier", availability="evenings and weekends",
               resume_url="https://example.org/li-ming.pdf")
LISTING = listing_from_document(json.loads(DEMO.read_text()))
CASHIER = next(p for p in LISTING.jobs if p.id == "cashier")
REQUEST = ApplicationRequest("http://127.0.0.1:8000/beckn", "chuanshan", "cashier", LI)


def _ctx(action: Action) -> Context:
    return Context(domain="nic2004:55204", action=action, bap_id="applicant.example",
                   bap_uri="http://127.0.0.1:8001/beckn",
                   transaction_id="9a3c1f0e-2b7d-4e5a-8c61-3f2d4b5a6c7e",
                   message_id="5d2e8f1a-6b3c-4d7e-9f0a-1b2c3d4e5f60",
                   timestamp=format_timestamp(NOW), ttl="PT30S", bpp_id="employer.example",
                   bpp_uri="http://127.0.0.1:8000/beckn")


def _doc(action: Action, message: dict[str, Any]) -> dict[str, Any]:
    ctx = _ctx(action)
    if action.is_callback:
        ctx = reply_context(_ctx(Action.SEARCH), timestamp=NOW, action=action, bpp_id="employer.example",
                            bpp_uri="http://127.0.0.1:8000/beckn")
    return json.loads(wire_bytes({"context": ctx.to_dict(), "message": message}))


def messages() -> dict[str, dict[str, Any]]:
    """One message per step of an application (also the examples of docs/JOBS.md)."""
    provider = provider_to_beckn(LISTING, ())
    jm.add_postings(provider, LISTING, [(CASHIER, 1)])
    selected = JOB_APPLICATION.select_order(REQUEST)
    quoted = jm.application_order("chuanshan", CASHIER, None)
    draft = JOB_APPLICATION.init_order(REQUEST, selected, quoted)
    terms = jm.application_order("chuanshan", CASHIER, LI)
    app = Application.receive(id="A-3f9c2b7d1e4a", provider_id="chuanshan", posting=CASHIER, posting_id="cashier",
                              bap_id="applicant.example", transaction_id="tx", applicant=LI, offers_made=0, now=NOW)
    interview = app.move(Stage.INTERVIEW, NOW.replace(hour=17))
    return {
        "search": _doc(Action.SEARCH, {"intent": {"item": {"descriptor": {"name": "收银"}}}}),
        "on_search": _doc(Action.ON_SEARCH, {"catalog": catalog_to_beckn([provider], "employer.example")}),
        "select": _doc(Action.SELECT, {"order": selected}),
        "on_select": _doc(Action.ON_SELECT, {"order": quoted}),
        "init": _doc(Action.INIT, {"order": draft}),
        "on_init": _doc(Action.ON_INIT, {"order": terms}),
        "confirm": _doc(Action.CONFIRM, {"order": JOB_APPLICATION.confirm_order(REQUEST, draft, terms)}),
        "on_confirm": _doc(Action.ON_CONFIRM, {"order": jm.application_to_beckn(app, CASHIER)}),
        "status": _doc(Action.STATUS, {"order_id": app.id}),
        "on_status": _doc(Action.ON_STATUS, {"order": jm.application_to_beckn(interview, CASHIER)}),
        "cancel": _doc(Action.CANCEL, {"order_id": app.id, "cancellation_reason_id": "001"}),
        "on_cancel": _doc(Action.ON_CANCEL, {"order": jm.application_to_beckn(
            interview.withdraw("applicant.example", NOW.replace(hour=18)), CASHIER)}),
    }


@pytest.mark.parametrize("action", list(messages()))
def test_each_step_of_an_application_validates(action: str) -> None:
    assert validate_message(action, messages()[action]) == []


def test_the_applicant_reads_back_from_init_and_confirm_unchanged() -> None:
    docs = messages()
    for action in ("init", "confirm"):
        order = docs[action]["message"]["order"]
        assert jm.applicant_from_order(order) == LI
        assert jm.posting_id_of(order) == "cashier"


def test_the_posting_carries_openings_and_the_phone_numbers() -> None:
    item = messages()["on_search"]["message"]["catalog"]["providers"][0]["items"][0]
    assert item["id"] == "job-cashier" and item["quantity"]["available"]["count"] == 1
    assert "+1-202-534-1620 (DC)" in item["descriptor"]["long_desc"]
