"""The example messages of docs/POOLS.md validate against Beckn core 1.1.1 (items in an on_search
catalog, orders in on_confirm/on_status/select), so the page another implementation reads is true."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.support.beckn_spec import requires_spec, validate_message

pytestmark = requires_spec
DOC = Path(__file__).resolve().parents[2] / "docs" / "POOLS.md"
CONTEXT = {"domain": "nic2004:55204", "version": "1.1.0", "bap_id": "buyer-a.example",
           "bap_uri": "https://buyer-a.example/beckn", "bpp_id": "organizer.example",
           "bpp_uri": "https://organizer.example/beckn", "transaction_id": "6f4b3e1c-1f5c-4b55-9c53-2f8c1e0d9a11",
           "message_id": "0b6d7c39-4a9e-4f41-8c2e-5d0f3b7a2c44", "timestamp": "2026-12-01T15:00:00.000Z",
           "ttl": "PT30S"}


def _examples() -> list[dict[str, Any]]:
    out = []
    for block in re.findall(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), re.S):
        try:
            out.append(json.loads(block))
        except ValueError:
            continue  # an abridged example ("… as in the pledge …")
    return out


def _message(example: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    if "update_target" in example:  # a pledger's answer to proposed terms (the message of update)
        return "update", example
    if any(isinstance(i, str) for i in example.get("items") or []):
        return None  # abridged on purpose (the release repeats the pledge)
    if "quantity" in example and "descriptor" in example:  # a catalog item
        return "on_search", {"catalog": {"descriptor": {"name": "x"},
                                         "providers": [{"id": "community", "items": [example]}]}}
    if "items" in example and "id" in example:
        return "on_status", {"order": example}
    if "items" in example:
        return "select", {"order": example}
    return None


def test_every_example_message_validates() -> None:
    checked = 0
    for example in _examples():
        found = _message(example)
        if found is None:
            continue
        action, message = found
        doc = {"context": {**CONTEXT, "action": action}, "message": message}
        assert validate_message(action, doc) == [], (action, example.get("id"))
        checked += 1
    assert checked >= 8  # offer, pool, relisting items; pledge, confirmed pledge, allocation, batch; proposal, consent
