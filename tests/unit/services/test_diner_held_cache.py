"""The diner's pages read held catalogs through caches: a catalog is parsed once per digest, a
look-up is reused for a second, a new catalog is seen after that; places are found by name."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from duijie.services import held_cache, named_places
from duijie.services.discovery_ports import StoredCatalog
from duijie.services.errors import NotFound
from duijie.services.held_cache import CachedHeldListings
from duijie.services.named_places import NamedPlaces

LISTING = json.loads((Path(__file__).resolve().parents[3] / "src/duijie/demo/data/chuanshan.json").read_text())
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


@dataclass
class FakeTime:
    """Stands for the ``time`` module: ``monotonic`` reads a clock the test moves."""

    clock: list[float]

    def monotonic(self) -> float:
        return self.clock[0]


@dataclass
class FakeStore:
    catalogs: dict[tuple[str, str], StoredCatalog] = field(default_factory=dict)
    reads: int = 0

    def put(self, name_en: str, digest: str) -> None:
        doc = json.loads(json.dumps(LISTING))
        doc["provider"]["name"]["en"] = name_en
        self.catalogs[("shop.test", "chuanshan")] = StoredCatalog(
            "shop.test", "chuanshan", 1, digest, json.dumps({"listing": doc}), NOW)


@dataclass
class FakeUow:
    store: FakeStore

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        return None

    @property
    def peer_catalogs(self) -> FakeUow:
        return self

    @property
    def node_records(self) -> FakeUow:
        return self

    def get(self, subscriber_id: str, provider_id: str | None = None) -> Any:
        if provider_id is None:  # node_records.get: no record held
            return None
        self.store.reads += 1
        return self.store.catalogs.get((subscriber_id, provider_id))

    def all(self) -> list[StoredCatalog]:
        self.store.reads += 1
        return list(self.store.catalogs.values())


def _factory(store: FakeStore) -> Any:
    return lambda read_only=False: FakeUow(store)


def test_a_look_up_is_reused_for_a_second_and_a_new_catalog_is_seen_after(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(held_cache, "time", FakeTime(clock))
    store = FakeStore()
    store.put("Old name", "d1")
    held = CachedHeldListings(_factory(store))
    first = held.get("chuanshan", "shop.test")
    assert first.listing.provider.name.en == "Old name" and first.bpp_id == "shop.test"
    assert held.get("chuanshan", "shop.test") is first and store.reads == 1  # from memory
    clock[0] += 2
    assert held.get("chuanshan", "shop.test").listing is first.listing and store.reads == 2  # same digest: no parse
    store.put("New name", "d2")
    clock[0] += 2
    assert held.get("chuanshan", "shop.test").listing.provider.name.en == "New name"
    with pytest.raises(NotFound):
        held.get("nobody", "shop.test")


def test_places_are_named_by_town_location_name_or_id_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(named_places, "time", FakeTime(clock))
    store = FakeStore()
    places = NamedPlaces(_factory(store))
    assert places.place("Rockville") is None and places.usual_zone() is None
    store.put("Chuan Shan", "d1")
    clock[0] += 2  # the empty answer was kept for a second
    rockville = places.place("rockville")
    assert rockville is not None and (rockville.lat, rockville.lon) == (39.0892, -77.1553)
    assert rockville.time_zone == "America/New_York" and places.usual_zone() == "America/New_York"
    washington = places.place("川陕名吃 DC店")
    assert washington is not None and washington.lat == 38.9163
    assert places.place("Atlantis") is None
