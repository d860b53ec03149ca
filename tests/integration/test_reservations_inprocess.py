"""Room reservations between in-process nodes (MockTransport): on_search shows the rooms, 钓鱼台 is
booked for 40 with a receipt both nodes signed, the same slot is refused to a second guest, every
bad input of issue 13 is an error callback naming the rule, and only the guest changes or cancels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.support.mock_network import MockNet

from duijie.protocol.context import Action
from duijie.services.buyer import Peer, SellerRefused
from duijie.services.container import running

pytestmark = pytest.mark.anyio

SHOP = "http://shop.test/beckn"
NY = ZoneInfo("America/New_York")


def next_weekday(weekday: int, at_least_days: int = 3) -> date:
    """The first ``weekday`` (Monday 0) at least ``at_least_days`` from today in New York."""
    day = datetime.now(NY).date() + timedelta(days=at_least_days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def rfc(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY).isoformat()


FRIDAY = next_weekday(4)


def select_order(resource: str, party: int, start: str, end: str) -> dict[str, Any]:
    """The ``order`` of a reservation ``select`` (docs/RESERVATIONS.md)."""
    return {
        "provider": {"id": "chuanshan"},
        "items": [{"id": resource, "quantity": {"selected": {"count": party}}}],
        "fulfillments": [{"type": "RESERVATION", "stops": [{"type": "START", "time": {"range": {
            "start": start, "end": end}}}]}],
    }


@dataclass(frozen=True)
class Party:
    """A test-side request: ``party`` guests in ``resource`` from ``start`` to ``end``."""

    resource: str
    party: int
    start: str
    end: str
    bpp_uri: str = SHOP
    provider_id: str = "chuanshan"
    bpp_id: str | None = None


class PartyPurchase:
    """A minimal guest side (a BuyerKind) writing the orders of the wire mapping."""

    def select_order(self, r: Party) -> dict[str, Any]:
        return select_order(r.resource, r.party, r.start, r.end)

    def init_order(self, r: Party, selected: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
        draft = {**selected, "billing": {"name": "王芳", "phone": "+1-202-555-0100"}}
        stop = {**selected["fulfillments"][0]["stops"][0], "instructions": {"short_desc": "a birthday cake"}}
        draft["fulfillments"] = [{**selected["fulfillments"][0], "stops": [stop], "customer": {
            "person": {"name": "王芳"}, "contact": {"phone": "+1-202-555-0100", "email": "wf@example.org"}}}]
        return draft

    def confirm_order(self, r: Party, draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        return {**draft, **{k: v for k, v in terms.items() if k in ("quote", "payments", "cancellation_terms")}}


def _items(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for r in results for p in (r["catalog"] or {}).get("providers", []) for i in p.get("items", [])}


async def test_book_diaoyutai_refuse_the_second_guest_and_every_bad_input(net: MockNet) -> None:
    shop = net.add("shop", roles=("BPP", "BAP"), listing="chuanshan.json")
    diner = net.add("diner", roles=("BAP",))
    other = net.add("other", roles=("BAP",))
    async with running(shop.services), running(diner.services), running(other.services):
        buyer = diner.services.buyer
        rooms = _items(await buyer.search("钓鱼台", SHOP, wait=0.3))
        room = rooms["diaoyutai"]
        assert room["quantity"] == {"minimum": {"count": 10}, "maximum": {"count": 60}}
        assert room["price"] == {"currency": "USD", "value": "200.00"} and room["cancellation_terms"]
        assert room["fulfillment_ids"] == ["reservation-dc"]

        # A search naming a party of 40 and the Friday evening finds the rooms that take 40 then.
        intent = {"item": {"quantity": {"selected": {"count": 40}}}, "fulfillment": {"stops": [{"time": {
            "range": {"start": rfc(FRIDAY, 18), "end": rfc(FRIDAY, 21)}}}]}}
        found = await buyer._request(Action.SEARCH, Peer("tx-s", SHOP, None), {"intent": intent})
        fits = _items([cb.document["message"] for cb in found])
        assert "diaoyutai" in fits and "ktv" not in fits and "banquet-hall" not in fits
        slots = [t for g in fits["diaoyutai"]["tags"] if g["descriptor"]["code"] == "free_slots" for t in g["list"]]
        assert len(slots) == 19  # 11:00 to 20:00 every half hour

        placed = await buyer.place(PartyPurchase(), Party("diaoyutai", 40, rfc(FRIDAY, 18), rfc(FRIDAY, 21)))
        assert placed["fulfillment_state"] == "CONFIRMED" and placed["receipt_state"] == "countersigned"
        booking_id = placed["order_id"]

        # The same slot for another guest: refused, naming the rule.
        with pytest.raises(SellerRefused) as taken:
            await other.services.buyer.place(PartyPurchase(), Party("diaoyutai", 20, rfc(FRIDAY, 19),
                                                                    rfc(FRIDAY, 22)))
        assert taken.value.code == "30008" and "slot_taken" in str(taken.value)

        sunday, saturday = FRIDAY + timedelta(days=2), FRIDAY + timedelta(days=1)
        tomorrow = datetime.now(NY).date() + timedelta(days=1)
        past = datetime.now(NY).date() - timedelta(days=3)
        bad = [
            (("diaoyutai", 61, rfc(saturday, 18), rfc(saturday, 21)), "party_above_capacity", "60"),
            (("diaoyutai", 5, rfc(saturday, 18), rfc(saturday, 21)), "party_below_minimum", "10"),
            (("diaoyutai", 0, rfc(saturday, 18), rfc(saturday, 21)), "party_size_invalid", None),
            (("diaoyutai", 20, rfc(sunday, 21, 30), rfc(sunday, 22, 30)), "after_closing", "22:00"),
            (("diaoyutai", 20, rfc(saturday, 10), rfc(saturday, 13)), "closed_at_start", "11:00"),
            (("banquet-hall", 100, rfc(tomorrow, 12), rfc(tomorrow, 16)), "lead_time", "7 days"),
            (("diaoyutai", 20, rfc(past, 18), rfc(past, 21)), "in_the_past", None),
            (("diaoyutai", 20, rfc(saturday, 21), rfc(saturday, 18)), "end_before_start", None),
            (("diaoyutai", 20, "Saturday at six", rfc(saturday, 21)), "malformed_time", None),
        ]
        for (resource, party, start, end), rule, number in bad:
            with pytest.raises(SellerRefused) as refused:
                await buyer._request(Action.SELECT, Peer(f"tx-{rule}", SHOP, "shop.test"),
                                     {"order": select_order(resource, party, start, end)})
            assert f"rule: {rule}" in str(refused.value), rule
            assert number is None or number in str(refused.value), (rule, str(refused.value))

        # Only the guest sees, changes or cancels it.
        intruder = other.services.buyer
        for action, message in ((Action.STATUS, {"order_id": booking_id}),
                                (Action.CANCEL, {"order_id": booking_id, "cancellation_reason_id": "001"}),
                                (Action.UPDATE, {"update_target": "items", "order": {
                                    "id": booking_id, "items": [{"id": "diaoyutai", "quantity": {
                                        "selected": {"count": 12}}}]}})):
            with pytest.raises(SellerRefused) as foreign:
                await intruder._request(action, Peer("tx-x", SHOP, "shop.test"), message)
            assert "not_the_guest" in str(foreign.value), action
        assert (await buyer.status(booking_id))["fulfillment_state"] == "CONFIRMED"

        # The guest grows the party (re-checked like a new booking), then cancels within the terms.
        peer = buyer._peer_of(booking_id)
        with pytest.raises(SellerRefused) as too_many:
            await buyer._request(Action.UPDATE, peer, {"update_target": "items", "order": {
                "id": booking_id, "items": [{"id": "diaoyutai", "quantity": {"selected": {"count": 61}}}]}})
        assert "party_above_capacity" in str(too_many.value)
        changed = await buyer._request(Action.UPDATE, peer, {"update_target": "items", "order": {
            "id": booking_id, "items": [{"id": "diaoyutai", "quantity": {"selected": {"count": 50}}}]}})
        assert changed[0].document["message"]["order"]["items"][0]["quantity"]["selected"]["count"] == 50
        cancelled = await buyer.cancel(booking_id)
        assert cancelled["status"] == "CANCELLED"
        answer = (await buyer._request(Action.STATUS, peer, {"order_id": booking_id}))[0].document
        assert answer["message"]["order"]["fulfillments"][0]["state"]["descriptor"]["code"] == "CANCELLED"

        # The slot is free again: the other guest gets it now.
        again = await other.services.buyer.place(PartyPurchase(), Party("diaoyutai", 20, rfc(FRIDAY, 19),
                                                                         rfc(FRIDAY, 22)))
        assert again["fulfillment_state"] == "CONFIRMED"


async def test_a_guest_waits_for_a_taken_slot_is_offered_it_on_cancel_and_takes_it(net: MockNet) -> None:
    import asyncio

    from duijie.storage.uow import SqlUnitOfWorkFactory

    shop = net.add("shop", roles=("BPP", "BAP"), listing="chuanshan.json")
    diner = net.add("diner", roles=("BAP",))
    other = net.add("other", roles=("BAP",))
    saturday = FRIDAY + timedelta(days=1)
    async with running(shop.services), running(diner.services), running(other.services):
        placed = await diner.services.buyer.place(PartyPurchase(), Party("ktv", 8, rfc(saturday, 19),
                                                                         rfc(saturday, 21)))
        waiting = Peer("tx-wait", SHOP, "shop.test")
        asked = {**select_order("ktv", 6, rfc(saturday, 19), rfc(saturday, 21)), "tags": [
            {"descriptor": {"code": "waitlist"}, "list": [{"descriptor": {"code": "waitlist"}, "value": "true"}]}]}
        answer = (await other.services.buyer._request(Action.SELECT, waiting, {"order": asked}))[0].document
        line = {t["descriptor"]["code"]: t["value"] for g in answer["message"]["order"]["tags"] for t in g["list"]}
        assert line["state"] == "WAITING" and line["position"] == "1"

        await diner.services.buyer.cancel(placed["order_id"])  # the slot frees up: the waiting guest is told
        offers: list[Any] = []
        factory = SqlUnitOfWorkFactory(other.engine)
        for _ in range(100):
            with factory(read_only=True) as uow:
                offers = [cb.document for cb in uow.callbacks.for_transaction("tx-wait") if cb.action == "on_status"]
            if offers:
                break
            await asyncio.sleep(0.05)
        assert offers, "the waiting guest was not told"
        held = offers[0]["message"]["order"]
        assert held["fulfillments"][0]["state"]["descriptor"]["code"] == "HELD"

        # It takes the slot by confirming its transaction (init first, as any guest).
        draft = PartyPurchase().init_order(Party("ktv", 6, "", ""), asked, held)
        inited = (await other.services.buyer._request(Action.INIT, waiting, {"order": draft}))[0].document
        terms = inited["message"]["order"]
        assert "tags" not in terms and terms["payments"][0]["params"]["amount"] == "50.00"  # its own hold, not taken
        confirmed = (await other.services.buyer._request(Action.CONFIRM, waiting, {"order": draft}))[0].document
        order = confirmed["message"]["order"]
        assert order["id"] == held["id"] and order["fulfillments"][0]["state"]["descriptor"]["code"] == "CONFIRMED"
