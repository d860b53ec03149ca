"""A guest node asks the seller for free slots: the answer is checked before anyone is shown it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from duijie.interchange.listing_json import listing_from_document
from duijie.services.errors import ServiceError
from duijie.services.held_listings import HeldListing
from duijie.services.ports import TransportResponse
from duijie.services.trade.reservation.guest import RoomAvailability, SellerUnavailable

pytestmark = pytest.mark.anyio
DEMO_DATA = Path(__file__).resolve().parents[3] / "src" / "duijie" / "demo" / "data"


class Answering:
    """A transport that answers every request with one response (or raises) and remembers the URLs."""

    def __init__(self, status: int = 200, body: object = None, fail: Exception | None = None) -> None:
        self.status, self.fail = status, fail
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.urls: list[str] = []

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
        self.urls.append(url)
        if self.fail is not None:
            raise self.fail
        return TransportResponse(self.status, self.body)


def held(url: str | None = "http://shop.example:8000/beckn") -> HeldListing:
    listing = listing_from_document(json.loads((DEMO_DATA / "chuanshan.json").read_text()))
    return HeldListing(listing, "shop.example:8000", url, datetime.now(UTC))


GOOD = {"provider_id": "chuanshan", "date": "2026-12-04", "party": 40, "locations": [
    {"id": "dc", "time_zone": "America/New_York", "resources": [
        {"id": "diaoyutai", "slots": [{"start": "2026-12-04T18:00:00-05:00", "end": "2026-12-04T21:00:00-05:00"}]}]}]}


async def test_asks_the_sellers_origin_with_the_day_and_party() -> None:
    transport = Answering(body=GOOD)
    answer = await RoomAvailability(transport).day(held(), "2026-12-04", 40, "diaoyutai")
    assert answer["locations"][0]["resources"][0]["slots"][0]["start"].startswith("2026-12-04T18:00")
    assert transport.urls == ["http://shop.example:8000/api/providers/chuanshan/availability"
                              "?date=2026-12-04&party=40&resource=diaoyutai"]


@pytest.mark.parametrize("body", [{"locations": "all"}, [1, 2], b"not json",
                                  {"locations": [{"resources": [{"slots": [{"start": 1}]}]}]}])
async def test_an_answer_of_the_wrong_shape_is_refused(body: object) -> None:
    with pytest.raises(SellerUnavailable):
        await RoomAvailability(Answering(body=body)).day(held(), None)


async def test_a_refused_question_names_its_field() -> None:
    refusal = {"error": {"code": "bad_request", "message": "date must lie between ...", "field": "date"}}
    with pytest.raises(ServiceError) as raised:
        await RoomAvailability(Answering(400, refusal)).day(held(), "2030-01-01")
    assert raised.value.field == "date" and not isinstance(raised.value, SellerUnavailable)


async def test_an_unreachable_or_unknown_seller_is_unavailable() -> None:
    with pytest.raises(SellerUnavailable):
        await RoomAvailability(Answering(fail=OSError("connection refused"))).day(held(), None)
    with pytest.raises(SellerUnavailable):
        await RoomAvailability(Answering(body=GOOD)).day(held(None), None)
    with pytest.raises(SellerUnavailable):
        await RoomAvailability(Answering(500, {"error": {}})).day(held(), None)
