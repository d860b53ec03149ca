"""The pool's Beckn mapping: a pledge's quantity read from the wire, and the producer's pooled demand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from duijie.protocol.mapping.codes import MappingError
from duijie.protocol.mapping.pools import batch_select_order, batch_subject, pledge_subject
from duijie.services.trade.pool.demand import pooled_demand


def test_a_pledge_quantity_is_read_from_its_measure_or_its_count() -> None:
    measured = {"items": [{"id": "pool-a", "quantity": {"selected": {"measure": {"unit": "kg", "value": "12.5"}}}}]}
    counted = {"items": [{"id": "pool-b", "quantity": {"selected": {"count": 3}}}]}
    assert pledge_subject(measured) == ("pool-a", Decimal("12.5"))
    assert pledge_subject(counted) == ("pool-b", Decimal(3))


@pytest.mark.parametrize("order, path", [
    ({"items": []}, "message.order.items"),
    ({"items": [{"id": 5}]}, "message.order.items[0].id"),
    ({"items": [{"id": "pool-a"}]}, "message.order.items[0].quantity.selected"),
    ({"items": [{"id": "pool-a", "quantity": {"selected": {"measure": {"value": "lots"}}}}]},
     "message.order.items[0].quantity.selected"),
    ({"items": [{"id": "pool-a", "quantity": {"selected": {"count": True}}}]},
     "message.order.items[0].quantity.selected"),
])
def test_a_malformed_pledge_names_the_field(order: dict[str, Any], path: str) -> None:
    with pytest.raises(MappingError) as exc:
        pledge_subject(order)
    assert exc.value.paths == path


def test_a_batch_order_carries_the_pool_and_its_pledges() -> None:
    order = batch_select_order("greenvalley-farm", "apples", Decimal(200), "kg", "pool-x", ["PL-1", "PL-2"])
    assert order["ref_order_ids"] == ["PL-1", "PL-2"]
    assert batch_subject(order) == ("apples", Decimal(200), "pool-x", ["PL-1", "PL-2"])


def _pool_item(pool_id: str, producer: str, offer: str, pledged: str, buyers: str, state: str = "OPEN") -> Any:
    values = {"state": state, "pledged": pledged, "buyers": buyers, "producer_id": producer, "offer_id": offer,
              "unit": "kg", "to_minimum": "0"}
    return {"id": pool_id, "price": {"currency": "USD", "value": "2.60"},
            "tags": [{"descriptor": {"code": "duijie.pool"},
                      "list": [{"descriptor": {"code": k}, "value": v} for k, v in values.items()]}]}


def test_pooled_demand_sums_open_pools_per_offer_of_this_producer_only() -> None:
    club = {"bpp_id": "club", "bpp_uri": "http://club/beckn", "catalog": {"providers": [{"items": [
        _pool_item("pool-1", "farm", "apples", "120.5", "3"),
        _pool_item("pool-2", "other-farm", "apples", "999", "9"),
        _pool_item("pool-3", "farm", "apples", "50", "1", state="SUCCEEDED"),
        {"id": "roujiamo", "price": {"currency": "USD", "value": "6.95"}},
    ]}]}}
    coop = {"bpp_id": "coop", "catalog": {"providers": [{"items": [
        _pool_item("pool-9", "farm", "apples", "30", "2"), _pool_item("pool-8", "farm", "millet", "10", "1")]}]}}
    demand = pooled_demand([club, coop, club], "farm")  # club answered twice (directly and via a gateway)
    assert [(d["offer_id"], d["pledged"], d["buyers"], len(d["pools"])) for d in demand] == [
        ("apples", "150.5", 5, 2), ("millet", "10", 1, 1)]
