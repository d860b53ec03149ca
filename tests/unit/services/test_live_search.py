"""Live search: the intent sent, live answers as documents, the merge with the index, the fallback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from duijie.search import SearchDocument, SearchQuery, open_index
from duijie.services.buyer_ports import StoredCallback
from duijie.services.live_answers import answer_documents, answers_of, split_name
from duijie.services.live_search import LiveSearch, interleave, merge, search_intent

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)

PROVIDER = {
    "id": "chuanshan",
    "descriptor": {"name": "川陕名吃 / Chuan Shan"},
    "categories": [{"id": "cold", "descriptor": {"name": "凉菜 / Cold dishes"}}],
    "locations": [
        {"id": "dc", "descriptor": {"name": "DC店 / DC"}, "gps": "38.9163, -76.9716", "address": "1 St, DC"},
        {"id": "rockville", "descriptor": {"name": "Rockville店 / Rockville"}, "gps": "39.0892, -77.1553"},
    ],
    "items": [
        {"id": "liangpi", "descriptor": {"name": "凉皮 / Liangpi"}, "price": {"currency": "USD", "value": "8.95"},
         "category_ids": ["cold", "street_food"], "location_ids": ["dc", "rockville"],
         "tags": [{"descriptor": {"code": "facts"}, "list": [{"descriptor": {"code": "diet"}, "value": "vegan"}]}]},
        {"id": 7, "descriptor": "junk"},
        "not an item",
    ],
    "tags": [{"descriptor": {"code": "opening_hours"},
              "list": [{"descriptor": {"code": "dc"}, "value": "Mo-Su 11:00-21:00 (America/New_York)"}]}],
}


def _callback(bpp_id: str | None, provider: Any = PROVIDER, error: Any = None) -> StoredCallback:
    doc: dict[str, Any] = {"context": {"bpp_uri": f"http://{bpp_id}/beckn"},
                           "message": {"catalog": {"providers": [provider]}}}
    if error is not None:
        doc["error"] = error
    return StoredCallback(1, "t", "m", "on_search", bpp_id, doc, NOW)


def _row(bpp: str, provider: str, doc_id: str, source: str = "indexed") -> dict[str, Any]:
    return {"bpp_id": bpp, "provider_id": provider, "doc_id": doc_id, "source": source}


def test_the_intent_carries_text_category_and_a_circle_around_the_point() -> None:
    intent = search_intent({"text": "凉皮", "category": "street_food", "near": (39.0, -77.1), "within_km": 3.0})
    assert intent["item"] == {"descriptor": {"name": "凉皮"}}
    assert intent["category"] == {"id": "street_food"}
    circle = intent["fulfillment"]["stops"][0]["location"]["circle"]
    assert circle["gps"] == "39.0, -77.1" and circle["radius"]["value"] == "3"
    assert search_intent({}) == {}


def test_names_written_zh_slash_en_split_back() -> None:
    assert split_name("川陕名吃 / Chuan Shan") == ("川陕名吃", "Chuan Shan")
    assert split_name("Apples / Pears") == (None, "Apples / Pears")
    assert split_name("凉皮") == ("凉皮", None)


def test_a_live_item_becomes_one_document_per_location_keyed_like_the_index() -> None:
    [answer] = answers_of([_callback("shop.example")])
    docs = answer_documents(answer, SearchDocument, NOW)
    ids = {d.doc_id for d in docs}
    assert ids == {"shop.example|chuanshan/provider@dc", "shop.example|chuanshan/provider@rockville",
                   "shop.example|chuanshan/item/liangpi@dc", "shop.example|chuanshan/item/liangpi@rockville"}
    item = next(d for d in docs if d.doc_id.endswith("liangpi@dc"))
    assert (item.title_zh, item.title_en, item.price, item.currency) == ("凉皮", "Liangpi", Decimal("8.95"), "USD")
    assert item.diet == ("vegan",) and item.category == "street_food"
    assert (item.lat, item.lon, item.hours, item.timezone) == (38.9163, -76.9716, "Mo-Su 11:00-21:00",
                                                                "America/New_York")


def test_error_answers_anonymous_senders_and_junk_providers_are_skipped() -> None:
    assert answers_of([_callback("a", error={"code": "30000"}), _callback(None), _callback("b", provider=[1]),
                       _callback("c", provider={"id": ""})]) == []


def test_a_live_row_replaces_the_indexed_row_of_the_same_thing_in_its_place() -> None:
    indexed = [_row("a", "p", "a|p/item/1@x"), _row("a", "p", "a|p/item/2@x")]
    live = [_row("a", "p", "a|p/item/2@x", "live"), _row("b", "q", "b|q/item/9", "live")]
    merged = merge(indexed, live, 10)
    assert [(r["doc_id"], r["source"]) for r in merged] == [
        ("a|p/item/1@x", "indexed"), ("b|q/item/9", "live"), ("a|p/item/2@x", "live")]


def test_one_sellers_long_menu_cannot_push_another_seller_off_the_page() -> None:
    rows = [_row("a", "p", f"a|p/item/{i}") for i in range(30)] + [_row("b", "q", "b|q/item/1")]
    assert [r["bpp_id"] for r in interleave(rows)][:3] == ["a", "b", "a"]
    assert "b" in {r["bpp_id"] for r in merge(rows, [], 5)}


class _Buyer:
    """Stands in for BuyerService.search_network: the gateway refuses, the seller answers."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    async def search_network(self, intent: dict[str, Any], urls: list[str], *, wait: float,
                             expect: Any = ()) -> tuple[list[StoredCallback], dict[str, str]]:
        self.asked.append(list(urls))
        if urls == ["http://gw/beckn"]:
            return [], {"http://gw/beckn": "connection refused"}
        return [_callback("shop.example")], {}


def _record(sid: str, roles: tuple[str, ...], providers: tuple[str, ...] = ()) -> Any:
    return SimpleNamespace(record=SimpleNamespace(subscriber_id=sid, url=f"http://{sid}/beckn", roles=roles,
                                                  providers=providers))


def _scratch() -> Any:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    return open_index(engine, semantic=False)


def test_with_the_gateway_down_the_known_sellers_are_asked_directly() -> None:
    buyer = _Buyer()
    records = [_record("gw", ("BG",)), _record("shop.example", ("BPP",), ("chuanshan",)), _record("me", ("BAP",))]
    finder = LiveSearch(buyer, lambda: records, "me", None, _scratch, SearchDocument, SearchQuery,  # type: ignore[arg-type]
                        SimpleNamespace(now=lambda: NOW))
    out = asyncio.run(finder.search({"text": "凉皮", "limit": 20}))
    assert buyer.asked == [["http://gw/beckn"], ["http://shop.example/beckn"]]
    assert out["live"]["failed"] == {"http://gw/beckn": "connection refused"}
    assert out["live"]["answered"] == ["shop.example"]
    assert {(r["source"], r["location"]["id"]) for r in out["results"] if r["kind"] == "item"} == {
        ("live", "dc"), ("live", "rockville")}
    assert all(r["age_seconds"] == 0 for r in out["results"])


def test_a_node_that_knows_nobody_answers_from_its_index_only() -> None:
    buyer = _Buyer()
    finder = LiveSearch(buyer, lambda: [_record("me", ("BAP",))], "me", None, _scratch,  # type: ignore[arg-type]
                        SearchDocument, SearchQuery, SimpleNamespace(now=lambda: NOW))
    out = asyncio.run(finder.search({"text": "凉皮"}))
    assert out == {"query": "凉皮", "results": [], "live": None} and buyer.asked == []
