"""A menu CSV import over real storage (SQLite and PostgreSQL): what is stored, its digest, a
refused file storing nothing, and the cycle collector resumed afterwards."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime
from importlib import resources

import pytest
from sqlalchemy import Engine

from duijie.domain.errors import ValidationFailed
from duijie.domain.listing import Listing
from duijie.interchange.listing_json import listing_from_document, listing_to_document
from duijie.interchange.menu_csv import COLUMNS
from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.signing import body_digest
from duijie.services.trade.catalog import CatalogService, ImportResult, canonical_document
from duijie.storage.uow import SqlUnitOfWorkFactory

HEADER = ",".join(COLUMNS)


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 12, 2, 5, tzinfo=UTC)


def _demo(name: str) -> dict[str, object]:
    text = resources.files("duijie.demo").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    document: dict[str, object] = json.loads(text)
    return document


@pytest.fixture
def catalog(engine: Engine) -> CatalogService:
    service = CatalogService(SqlUnitOfWorkFactory(engine), Clock())
    service.import_document(_demo("chuanshan"))
    return service


def _menu(rows: int, *, bad_line: int | None = None) -> str:
    lines = [HEADER]
    for n in range(rows):
        price = "-1.00" if n + 2 == bad_line else f"{n % 90}.50"
        lines.append(f"s{n % 7},分区{n % 7},Section {n % 7},item-{n},菜{n},Dish {n},,,{price},USD,vegan,1,,"
                     f"Mo-Fr 11:00-14:00,food,size[1-1] 份量/Size: s 小/Small 0.00; l 大/Large {n % 5}.00")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", ["chuanshan", "farm", "factory"])
def test_the_member_by_member_encoding_is_the_canonical_one(name: str) -> None:
    # The demo listings hold coordinates (floats), which take the checked path of canonical_bytes.
    document = listing_to_document(listing_from_document(_demo(name)))
    expected = canonical_bytes(document)
    assert canonical_document(document) == expected
    assert expected == json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def test_an_imported_menu_is_stored_as_its_canonical_text_under_its_digest(catalog: CatalogService) -> None:
    result = catalog.import_menu_csv("chuanshan", _menu(2_000))
    stored = catalog.listing("chuanshan")
    document = listing_to_document(stored.listing)
    assert len(stored.listing.catalog.items) == 2_000
    # The stored text is what the compact sorted encoder wrote before, and the digest is the one
    # peers compute over the canonical bytes of the document.
    assert stored.document == json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert json.loads(stored.document) == document
    assert result.digest == stored.digest == body_digest(canonical_bytes(document))
    assert (result.version, result.changed) == (2, True)


def test_the_same_menu_again_keeps_the_version(catalog: CatalogService) -> None:
    first = catalog.import_menu_csv("chuanshan", _menu(300))
    again = catalog.import_menu_csv("chuanshan", _menu(300))
    assert (again.version, again.digest, again.changed) == (first.version, first.digest, False)


def test_a_refused_menu_stores_nothing_and_names_its_line(catalog: CatalogService) -> None:
    before = catalog.listing("chuanshan")
    with pytest.raises(ValidationFailed) as exc:
        catalog.import_menu_csv("chuanshan", _menu(3_000, bad_line=2_500), source="big.csv")
    assert [str(i) for i in exc.value.issues] == ["big.csv:2500: column price: must not be negative"]
    after = catalog.listing("chuanshan")
    assert (after.version, after.digest, after.document) == (before.version, before.digest, before.document)


def test_the_collector_runs_again_after_an_import_whether_stored_or_refused(catalog: CatalogService) -> None:
    seen: list[bool] = []
    real = catalog.save_listing

    def save_listing(listing: Listing, *, expected_version: int | None = None) -> ImportResult:
        seen.append(gc.isenabled())  # paused while the big menu is built and encoded
        return real(listing, expected_version=expected_version)

    catalog.save_listing = save_listing  # type: ignore[method-assign]
    assert gc.isenabled()
    catalog.import_menu_csv("chuanshan", _menu(50))
    assert seen == [False] and gc.isenabled()
    with pytest.raises(ValidationFailed):
        catalog.import_menu_csv("chuanshan", _menu(50, bad_line=3))
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_process_stays_off(catalog: CatalogService) -> None:
    gc.disable()
    try:
        catalog.import_menu_csv("chuanshan", _menu(50))
        assert not gc.isenabled()
    finally:
        gc.enable()
