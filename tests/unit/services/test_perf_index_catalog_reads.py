"""The local index reads a hit's held catalog once a second, not once a search: a catalog it
indexes itself is seen at once, one written elsewhere within the second; a removed one is gone."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any

import pytest

from duijie.services import index as index_module
from duijie.services.discovery_ports import StoredCatalog
from duijie.services.index import LocalIndex, index_key

LISTING = json.loads((Path(__file__).resolve().parents[3] / "src/duijie/demo/data/chuanshan.json").read_text())
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
KEY = index_key("shop.test", "chuanshan")


@dataclass
class Store:
    catalogs: dict[tuple[str, str], StoredCatalog] = field(default_factory=dict)
    reads: int = 0

    def put(self, name_en: str, digest: str) -> StoredCatalog:
        doc = json.loads(json.dumps(LISTING))
        doc["provider"]["name"]["en"] = name_en
        catalog = StoredCatalog("shop.test", "chuanshan", 1, digest, json.dumps({"listing": doc}), NOW)
        self.catalogs[("shop.test", "chuanshan")] = catalog
        return catalog


@dataclass
class Uow:
    store: Store

    def __enter__(self) -> Uow:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        return None

    @property
    def peer_catalogs(self) -> Uow:
        return self

    @property
    def node_records(self) -> Uow:
        return self

    def get(self, subscriber_id: str, provider_id: str | None = None) -> Any:
        if provider_id is None:  # node_records.get: no record held
            return None
        self.store.reads += 1
        return self.store.catalogs.get((subscriber_id, provider_id))


class Index:
    """A text index that finds 川陕名吃 itself (at Rockville) for every query."""

    def add(self, docs: Any) -> int:
        return len(list(docs))

    def remove_provider(self, provider_id: str) -> int:
        return 0

    def query(self, q: Any) -> list[Any]:
        return [SimpleNamespace(provider_id=KEY, doc_id=f"{KEY}/provider@rockville", kind="provider",
                                node_url=None, title="川陕名吃 / Chuan Shan", score=1.0, why=(), price=None,
                                currency=None, distance_km=None)]

    def written_elsewhere(self) -> None:
        return None

    quick = True


@dataclass
class Clock:
    seconds: list[float]

    def monotonic(self) -> float:
        return self.seconds[0]

    def now(self) -> datetime:
        return NOW


def test_a_hits_catalog_is_read_once_a_second_and_a_change_indexed_here_is_seen_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock([100.0])
    monkeypatch.setattr(index_module, "time", clock)
    store = Store()
    store.put("Old name", "d1")
    local = LocalIndex(lambda read_only=False: Uow(store), clock, Index(), lambda **kw: kw, lambda **kw: kw)
    [first] = local.search(text="x")
    assert first["provider_name"]["en"] == "Old name" and first["location"]["id"] == "rockville"
    local.search(text="x")
    assert store.reads == 1  # the second search read no row
    local.on_catalog(store.put("New name", "d2"), "shop.test", "chuanshan")  # indexed here: forgotten at once
    [second] = local.search(text="x")
    assert second["provider_name"]["en"] == "New name" and store.reads == 2


def test_a_catalog_written_elsewhere_is_seen_after_a_second_and_a_removed_one_is_no_result(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock([100.0])
    monkeypatch.setattr(index_module, "time", clock)
    store = Store()
    store.put("Old name", "d1")
    local = LocalIndex(lambda read_only=False: Uow(store), clock, Index(), lambda **kw: kw, lambda **kw: kw)
    local.search(text="x")
    store.put("Elsewhere", "d3")
    assert local.search(text="x")[0]["provider_name"]["en"] == "Old name"  # within the second
    clock.seconds[0] += 1.5
    assert local.search(text="x")[0]["provider_name"]["en"] == "Elsewhere"
    store.catalogs.clear()
    clock.seconds[0] += 1.5
    assert local.search(text="x") == []  # a stale index row of a catalog since removed
