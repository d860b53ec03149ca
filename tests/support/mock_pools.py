"""Pools between in-process nodes (:mod:`tests.support.mock_network`): terms of the demo farm's apples."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.support.mock_network import DEMO_DATA

from duijie.domain.pools import PoolTerms
from duijie.interchange.pool_json import terms_in


def apple_terms(seconds: float = 600, maximum: str | None = None) -> PoolTerms:
    """Pool terms for the farm's apples (farm.json, producer ``farm.test``) picked up at 川陕名吃
    Rockville, closing ``seconds`` from now, with at most ``maximum`` kg pledged if given."""
    farm = json.loads((DEMO_DATA / "farm.json").read_text())
    offer = next(o for o in farm["offers"] if o["id"] == "apples")
    deadline = (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
    return terms_in({"offer": offer, "producer_id": "farm.test", "provider_id": "greenvalley-farm",
                     "deadline": deadline, "pickup_points": ["川陕名吃 Rockville"],
                     **({"maximum": maximum} if maximum else {})})
