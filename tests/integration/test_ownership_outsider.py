"""Another signed node cannot touch someone else's job application: its ``update``, ``cancel`` and
``status`` with the application's order id are each an error callback, none names the applicant,
and the application is unchanged (in-process nodes, real signatures). Bookings are covered by
tests/integration/test_reservations_inprocess.py (status, cancel and update by an intruder)."""

from __future__ import annotations

import pytest
from tests.integration.test_job_applications_inprocess import APPLICANT, SECRETS, SHOP
from tests.support.mock_network import MockNet

from duijie.protocol.context import Action
from duijie.services.buyer import Peer, SellerRefused
from duijie.services.container import running
from duijie.services.trade.jobs.buying import JOB_APPLICATION, ApplicationRequest

pytestmark = pytest.mark.anyio


async def test_another_node_cannot_update_withdraw_or_read_an_application(net: MockNet) -> None:
    shop = net.add("shop", roles=("BPP", "BAP"), listing="chuanshan.json")
    diner, other = net.add("diner", roles=("BAP",)), net.add("other", roles=("BAP",))
    async with running(shop.services), running(diner.services), running(other.services):
        placed = await diner.services.buyer.place(JOB_APPLICATION,
                                                  ApplicationRequest(SHOP, "chuanshan", "cashier", APPLICANT))
        app_id = placed["order_id"]
        desk = shop.services.applications
        before = await desk.list_applications()
        assert [a["id"] for a in before] == [app_id] and before[0]["stage"] == "RECEIVED"

        peer = Peer("tx-x", SHOP, "shop.test")
        attempts = (
            (Action.UPDATE, {"update_target": "fulfillments", "order": {
                "id": app_id, "fulfillments": [{"state": {"descriptor": {"code": "WITHDRAWN"}}}]}}),
            (Action.UPDATE, {"update_target": "billing", "order": {
                "id": app_id, "billing": {"name": "Mallory", "phone": "+1-202-555-0000"}}}),
            (Action.CANCEL, {"order_id": app_id, "cancellation_reason_id": "001"}),
            (Action.STATUS, {"order_id": app_id}),
        )
        for action, message in attempts:
            with pytest.raises(SellerRefused) as refused:
                await other.services.buyer._request(action, peer, message)
            text = str(refused.value)
            for secret in SECRETS:
                assert secret not in text, (action, secret)
        assert await desk.list_applications() == before
        assert (await diner.services.buyer.status(app_id))["fulfillment_state"] == "RECEIVED"
