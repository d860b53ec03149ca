"""Reading what a seller request is about (its items, its order) without reading the rest."""

from __future__ import annotations

import pytest

from duijie.protocol.context import Action
from duijie.protocol.mapping.subjects import item_ids_of, order_ref, update_targets


def test_item_ids_are_the_string_ids_of_order_items_in_order() -> None:
    order = {"items": [{"id": "roujiamo"}, {"id": 7}, "junk", {"id": "liangpi"}]}
    assert item_ids_of(order) == ("roujiamo", "liangpi")
    assert item_ids_of({"items": "none"}) == () == item_ids_of(None)


@pytest.mark.parametrize(
    ("action", "message", "expected"),
    [
        (Action.STATUS, {"order_id": "O-1"}, "O-1"),
        (Action.CANCEL, {"order_id": "O-2", "cancellation_reason_id": "001"}, "O-2"),
        (Action.UPDATE, {"update_target": "item", "order": {"id": "O-3"}}, "O-3"),
        (Action.RATING, {"ratings": [{"rating_category": "Order", "id": "O-4", "value": "5"}]}, "O-4"),
        (Action.SUPPORT, {"support": {"ref_id": "O-5"}}, "O-5"),
        (Action.SUPPORT, {"order_id": "O-6"}, "O-6"),
        (Action.TRACK, {"order_id": 17}, None),
        (Action.RATING, {"ratings": []}, None),
    ],
)
def test_the_order_a_request_names(action: Action, message: dict[str, object], expected: str | None) -> None:
    assert order_ref(action, message) == expected


def test_update_targets_are_split_on_commas() -> None:
    assert update_targets({"update_target": "item, tags"}) == {"item", "tags"}
