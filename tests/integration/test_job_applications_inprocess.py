"""Job applications between two in-process nodes (MockTransport): search finds the posting with its
phone numbers, an application is received with a signed receipt, the employer's move reaches the
applicant, the applicant withdraws; refusals name the rule; other nodes see nothing of an applicant."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from tests.support.mock_network import DEMO_DATA, MockNet

from duijie.domain.applications import Applicant
from duijie.protocol.context import Action
from duijie.services.buyer import Peer, SellerRefused
from duijie.services.container import running
from duijie.services.errors import Conflict
from duijie.services.trade.jobs.buying import JOB_APPLICATION, ApplicationRequest

pytestmark = pytest.mark.anyio

SHOP = "http://shop.test/beckn"
APPLICANT = Applicant("李明 Li Ming", phone="+1-202-555-0142", email="li.ming@example.org", languages=("en", "zh"),
                      experience="3 years as a cashier", availability="evenings and weekends",
                      resume_url="https://example.org/li-ming.pdf")
SECRETS = ("李明", "555-0142", "li.ming@example.org", "li-ming.pdf", "3 years as a cashier")


def _no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def _items(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for r in results for p in (r["catalog"] or {}).get("providers", []) for i in p.get("items", [])]


async def test_apply_move_and_withdraw_between_two_nodes(net: MockNet, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    shop = net.add("shop", roles=("BPP", "BAP"), listing="chuanshan.json")
    diner = net.add("diner", roles=("BAP",))
    other = net.add("other", roles=("BAP",))
    async with running(shop.services), running(diner.services), running(other.services):
        buyer = diner.services.buyer
        for text in ("收银", "cashier"):
            found = _items(await buyer.search(text, SHOP, wait=0.3))
            jobs = [i for i in found if i["id"] == "job-cashier"]
            assert len(jobs) == 1, text
            assert "+1-202-636-3588" in jobs[0]["descriptor"]["long_desc"]
            assert "+1-301-875-5144" in jobs[0]["descriptor"]["long_desc"]
            assert jobs[0]["quantity"]["available"]["count"] == 1
        assert not [i for i in _items(await buyer.search("肉夹馍", SHOP, wait=0.3)) if i["id"].startswith("job-")]

        placed = await buyer.place(JOB_APPLICATION, ApplicationRequest(SHOP, "chuanshan", "cashier", APPLICANT))
        app_id = placed["order_id"]
        assert placed["fulfillment_state"] == "RECEIVED" and placed["receipt_state"] == "countersigned"
        desk = shop.services.applications
        listed = await desk.list_applications()
        assert [a["id"] for a in listed] == [app_id] and listed[0]["applicant"]["phone"] == "+1-202-555-0142"

        moved = await desk.move(app_id, "interview")
        assert moved["stage"] == "INTERVIEW"
        for _ in range(100):  # the unsolicited on_status reaches the applicant's node
            if buyer.purchase(app_id)["fulfillment_state"] == "INTERVIEW":
                break
            await asyncio.sleep(0.02)
        assert buyer.purchase(app_id)["fulfillment_state"] == "INTERVIEW"
        assert (await buyer.status(app_id))["fulfillment_state"] == "INTERVIEW"

        # Another node can neither read nor withdraw it, and learns nothing of the applicant.
        intruder = other.services.buyer
        with pytest.raises(SellerRefused) as refused:
            await intruder._request(Action.STATUS, Peer("tx-x", SHOP, "shop.test"), {"order_id": app_id})
        assert refused.value.code == "30010"
        _no_secrets(refused.value.message)

        withdrawn = await buyer.cancel(app_id)
        assert withdrawn["status"] == "CANCELLED" and withdrawn["fulfillment_state"] == "WITHDRAWN"
        with pytest.raises(Conflict):
            await desk.move(app_id, "offer")

        # Nothing of the applicant in a catalog, an export, or the info log.
        _no_secrets(json.dumps(await buyer.search("cashier", SHOP, wait=0.3), ensure_ascii=False))
        _no_secrets(json.dumps(shop.services.catalog.export_document("chuanshan"), ensure_ascii=False))
    _no_secrets("\n".join(r.getMessage() for r in caplog.records))


async def test_refusals_name_the_rule(net: MockNet) -> None:
    shop = net.add("shop", roles=("BPP",))
    doc = json.loads((DEMO_DATA / "chuanshan.json").read_text())
    shop.services.catalog.import_document(doc)
    diner = net.add("diner", roles=("BAP",))
    async with running(shop.services), running(diner.services):
        buyer = diner.services.buyer
        with pytest.raises(SellerRefused) as missing:
            await buyer.place(JOB_APPLICATION, ApplicationRequest(SHOP, "chuanshan", "astronaut", APPLICANT))
        assert missing.value.code == "30004" and "no_such_posting" in missing.value.message
        nameless = Applicant(" ", phone=None)
        with pytest.raises(SellerRefused) as bad:
            await buyer.place(JOB_APPLICATION, ApplicationRequest(SHOP, "chuanshan", "cashier", nameless))
        assert bad.value.code == "30000" and "name" in bad.value.message and "contact" in bad.value.message
        assert bad.value.field == "order.fulfillments[0].customer.person.name"
        placed = await buyer.place(JOB_APPLICATION, ApplicationRequest(SHOP, "chuanshan", "cashier", APPLICANT))
        await shop.services.applications.move(placed["order_id"], "offer")  # the one opening is filled
        with pytest.raises(SellerRefused) as full:
            await buyer.place(JOB_APPLICATION, ApplicationRequest(SHOP, "chuanshan", "cashier", APPLICANT))
        assert full.value.code == "40002" and "no_openings" in full.value.message
        found = _items(await buyer.search("cashier", SHOP, wait=0.3))
        assert [i["quantity"]["available"]["count"] for i in found if i["id"] == "job-cashier"] == [0]
