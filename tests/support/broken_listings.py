"""川陕名吃's listing with many problems at once, for the tests of how problems are reported and said."""

from __future__ import annotations

import json
from typing import Any

from tests.support.mock_network import DEMO_DATA


def broken_chuanshan() -> dict[str, Any]:
    """The demo listing with a bad price, currency, section, id, name, stock, add-on group, spice,
    field, room, time zone, opening hours and job: one problem each."""
    doc: dict[str, Any] = json.loads((DEMO_DATA / "chuanshan.json").read_text())
    items, rooms, dc = doc["catalog"]["items"], doc["resources"], doc["provider"]["locations"][0]
    items[0]["price"] = {"amount": "-2", "currency": "USD"}
    items[1]["price"]["currency"] = "RMB"
    items[2]["section_id"] = "nowhere"
    items[3]["id"] = items[4]["id"]
    items[5]["name"] = {}
    items[6]["stock"] = -1
    items[0]["option_groups"][0]["max_choices"] = 9
    items[1]["option_groups"][0]["min_choices"] = 2
    items[1]["option_groups"][0]["max_choices"] = 1
    items[7]["spice"] = 7
    items[7]["colour"] = "red"
    rooms[0]["capacity"] = 5
    rooms[1]["location_id"] = "moon"
    rooms[2]["booking_window"] = {"opens": "22:00", "closes": "9pm"}
    dc["time_zone"] = "Mars/Base"
    dc["opening_hours"] = "Mo-Fr 11:00-2200"
    doc["jobs"][0]["openings"] = "two"
    return doc
