"""What the pool and "Mine" pages read: a pool from its organizer's on_search item, and this node's
purchases sorted into kinds with allocations folded into their pledges."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from duijie.domain.money import Money
from duijie.domain.pools import Pool
from duijie.interchange.pool_json import terms_in
from duijie.protocol.mapping import pools as pm
from duijie.protocol.receipts import receipt_tag_group
from duijie.web.pool_shown import Tier, from_item
from duijie.web.purchases_shown import Kind, kind_of, shown

DEMO = Path(__file__).resolve().parents[3] / "src" / "duijie" / "demo" / "data"
NOW = datetime(2026, 12, 1, 15, tzinfo=UTC)


def pool_with(*quantities: str) -> Pool:
    farm = json.loads((DEMO / "farm.json").read_text())
    offer = next(o for o in farm["offers"] if o["id"] == "apples")
    terms = terms_in({"offer": offer, "producer_id": "farm.example", "provider_id": "greenvalley-farm",
                      "deadline": (NOW + timedelta(days=2)).isoformat(), "pickup_points": ["Rockville", "DC"],
                      "maximum": "600"})
    pool = Pool.open("pool-abc", "club.example", terms, NOW)
    for i, q in enumerate(quantities):
        pool = pool.pledge(f"PL-{i}", f"buyer-{i}", Decimal(q), NOW)
    return pool


def test_a_pool_is_read_back_from_its_on_search_item() -> None:
    pool = pool_with("80", "70", "45.5")
    shown_pool = from_item(pm.pool_item(pool, pool.progress(NOW)), "community")
    assert shown_pool is not None
    assert (shown_pool.id, shown_pool.state, shown_pool.unit, shown_pool.currency) == ("pool-abc", "OPEN", "kg", "USD")
    assert (shown_pool.name.zh, shown_pool.name.en) == ("富士苹果", "Fuji apples")
    assert shown_pool.pledged == Decimal("195.5") and shown_pool.buyers == 3
    assert shown_pool.tiers == (Tier(Decimal(1), Decimal("3.00")), Tier(Decimal(100), Decimal("2.60")),
                                Tier(Decimal(500), Decimal("2.20")))
    assert shown_pool.reached == Tier(Decimal(100), Decimal("2.60"))
    assert shown_pool.next_tier == Tier(Decimal(500), Decimal("2.20"))
    assert shown_pool.to_minimum == Decimal("4.5") and shown_pool.remaining == Decimal("404.5")
    assert shown_pool.deadline == NOW + timedelta(days=2) and shown_pool.pickup_points == ("Rockville", "DC")
    assert (shown_pool.organizer_id, shown_pool.producer_id, shown_pool.offer_id) == (
        "club.example", "farm.example", "apples")
    assert not shown_pool.local and shown_pool.listed_under == "community"


def test_an_item_that_is_not_a_pool_is_not_read_as_one() -> None:
    assert from_item({"id": "roujiamo", "descriptor": {"name": "肉夹馍"}, "tags": []}, "chuanshan") is None


def purchase(order_id: str, order: dict[str, object], status: str = "ACTIVE") -> dict[str, object]:
    return {"order_id": order_id, "status": status, "fulfillment_state": None, "bpp_id": "club.example",
            "bpp_uri": "http://club.example/beckn", "provider_id": "community", "updated_at": NOW.isoformat(),
            "order": order, "receipt": None}


def test_purchases_are_sorted_into_kinds_and_an_allocation_joins_its_pledge() -> None:
    pool = pool_with("200")
    pledge = pm.pledge_order(pool, "community", Decimal(200), pool.pledges[0])
    allocation = pm.allocation_order(pool, "community", "PL-0", Decimal(200), Money(Decimal("2.60"), "USD"),
                                     Money(Decimal("520.00"), "USD"))
    receipt = {"format": "duijie.receipt/1", "agreement": {"id": "PL-0-allocation"}, "signatures": []}
    allocation["tags"] = [*allocation["tags"], receipt_tag_group(receipt)]
    rows = shown([
        purchase("PL-0", pledge),
        purchase("PL-0-allocation", allocation, "COMPLETE"),
        purchase("O-1", {"items": [{"id": "roujiamo", "quantity": {"selected": {"count": 2}}}]}),
        purchase("R-1", {"items": [{"id": "diaoyutai"}], "fulfillments": [{"type": "RESERVATION"}]}),
        purchase("A-1", {"items": [{"id": "job-cashier"}]}),
    ])
    assert [(r.order_id, r.kind) for r in rows] == [("PL-0", Kind.PLEDGE), ("O-1", Kind.ORDER),
                                                   ("R-1", Kind.RESERVATION), ("A-1", Kind.APPLICATION)]
    pledged = rows[0]
    assert pledged.status == "ALLOCATED" and pledged.receipt_id == "PL-0-allocation"
    assert pledged.allocation is not None and pledged.allocation["unit_price"] == "2.60"
    assert pledged.quantity == Decimal(200) and pledged.unit == "kg" and pledged.pool_id == "pool-abc"
    assert pledged.link.startswith("/pools/pool-abc?bpp=http%3A%2F%2Fclub.example%2Fbeckn&provider=community")
    assert [r.link for r in rows[1:]] == ["/orders/O-1", "/bookings/R-1", "/applications/A-1"]


def test_a_released_pledge_says_why() -> None:
    pool = pool_with("50")
    released = pm.release_order(pool, "community", "PL-0", Decimal(50), None)
    (row,) = shown([purchase("PL-0", released, "CANCELLED")])
    assert row.status == "RELEASED" and row.release_reason
    assert kind_of({"items": [{"id": "apples"}], "ref_order_ids": ["PL-0"]}) is Kind.BATCH
