from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import pytest

from duijie.domain.catalog import Catalog
from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.hours import HoursState, TimeWindow
from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.offers import PriceTier
from duijie.domain.resources import ResourceKind


def paths(listing: Listing) -> set[str]:
    return {i.path for i in listing.validate()}


def with_item(listing: Listing, index: int, **changes: object) -> Listing:
    items = list(listing.catalog.items)
    items[index] = replace(items[index], **changes)  # type: ignore[arg-type]
    return listing.with_catalog(Catalog(listing.catalog.sections, tuple(items)))


def with_location(listing: Listing, index: int, **changes: object) -> Listing:
    locs = list(listing.provider.locations)
    locs[index] = replace(locs[index], **changes)  # type: ignore[arg-type]
    return replace(listing, provider=replace(listing.provider, locations=tuple(locs)))


def with_resource(listing: Listing, index: int, **changes: object) -> Listing:
    res = list(listing.resources)
    res[index] = replace(res[index], **changes)  # type: ignore[arg-type]
    return replace(listing, resources=tuple(res))


def test_demo_listing_is_valid(chuanshan: Listing) -> None:
    assert chuanshan.validate() == []


def test_negative_price_names_the_item_price(chuanshan: Listing) -> None:
    bad = with_item(chuanshan, 2, price=Money.parse("-1.00", "USD"))
    assert paths(bad) == {"$.catalog.items[2].price"}


def test_item_in_unknown_section_names_section_id(chuanshan: Listing) -> None:
    assert paths(with_item(chuanshan, 0, section_id="desserts")) == {"$.catalog.items[0].section_id"}


def test_duplicate_item_id_names_the_second_item(chuanshan: Listing) -> None:
    assert paths(with_item(chuanshan, 1, id="roujiamo")) == {"$.catalog.items[1].id"}


def test_unparsable_item_hours_are_reported(chuanshan: Listing) -> None:
    bad = with_item(chuanshan, 3, available_hours="lunch only")
    assert paths(bad) == {"$.catalog.items[3].available_hours"}


def test_unknown_time_zone_names_the_location(chuanshan: Listing) -> None:
    bad = with_location(chuanshan, 1, time_zone="Mars/Olympus")
    assert paths(bad) == {"$.provider.locations[1].time_zone"}


def test_unparsable_opening_hours_names_the_location(chuanshan: Listing) -> None:
    bad = with_location(chuanshan, 0, opening_hours="11am-10pm daily")
    assert paths(bad) == {"$.provider.locations[0].opening_hours"}


def test_overnight_osm_hours_are_legitimate(chuanshan: Listing) -> None:
    assert paths(with_location(chuanshan, 0, opening_hours="Mo 22:00-11:00")) == set()


def test_explicit_booking_window_closing_before_opening_is_reported(chuanshan: Listing) -> None:
    bad = with_resource(chuanshan, 0, booking_window=TimeWindow(time(22), time(11)))
    assert paths(bad) == {"$.resources[0].booking_window"}


def test_capacity_zero_is_reported(chuanshan: Listing) -> None:
    bad = with_resource(chuanshan, 1, capacity=0)
    assert paths(bad) == {"$.resources[1].capacity"}


def test_min_party_above_capacity_is_reported(chuanshan: Listing) -> None:
    bad = with_resource(chuanshan, 0, min_party=61)
    issues = bad.validate()
    assert [i.path for i in issues] == ["$.resources[0].min_party"]
    assert "60" in issues[0].reason


def test_resource_at_unknown_location_is_reported(chuanshan: Listing) -> None:
    assert paths(with_resource(chuanshan, 2, location_id="baltimore")) == {"$.resources[2].location_id"}


def test_job_at_unknown_location_is_reported(chuanshan: Listing) -> None:
    jobs = (replace(chuanshan.jobs[0], location_id="nowhere"), *chuanshan.jobs[1:])
    assert paths(replace(chuanshan, jobs=jobs)) == {"$.jobs[0].location_id"}


def test_tier_rising_with_quantity_is_reported(farm: Listing) -> None:
    apples = farm.offers[0]
    tiers = (apples.tiers[0], PriceTier(100, Money.parse("3.50", "USD")), *apples.tiers[2:])
    bad = replace(farm, offers=(replace(apples, tiers=tiers), *farm.offers[1:]))
    assert paths(bad) == {"$.offers[0].tiers[1].unit_price"}


def test_several_problems_are_all_reported(chuanshan: Listing) -> None:
    bad = with_item(chuanshan, 0, price=Money.parse("-2", "USD"))
    bad = with_resource(bad, 0, capacity=0, kind=ResourceKind.HALL)
    bad = with_location(bad, 1, time_zone="Nowhere/Town")
    assert paths(bad) == {
        "$.catalog.items[0].price", "$.resources[0].capacity", "$.provider.locations[1].time_zone",
    }


def test_lookup_helpers_find_and_refuse(chuanshan: Listing) -> None:
    assert chuanshan.item("liangpi").name.zh == "凉皮"
    assert chuanshan.location("rockville").address.postal_code == "20850"
    with pytest.raises(DomainError) as exc:
        chuanshan.item("pizza")
    assert exc.value.code is ErrorCode.NOT_FOUND


def test_location_without_hours_is_unknown_not_open(chuanshan: Listing) -> None:
    bad = with_location(chuanshan, 0, opening_hours=None)
    status = bad.open_status("dc", datetime(2026, 5, 15, 18, tzinfo=UTC))
    assert status.state is HoursState.UNKNOWN


def test_demo_facts_from_the_ad_are_present(chuanshan: Listing) -> None:
    dc, md = chuanshan.provider.locations
    assert dc.phones == ("+1-202-636-3588", "+1-202-534-1620")
    assert md.phones == ("+1-301-875-5144",)
    assert {i.name.zh for i in chuanshan.catalog.items} >= {"肉夹馍", "凉皮", "羊肉泡馍", "夫妻肺片"}
    capacities = {r.id: r.capacity for r in chuanshan.resources}
    assert capacities["diaoyutai"] == 60 and capacities["banquet-hall"] >= 300
    assert {j.title.en for j in chuanshan.jobs} == {"Cashier", "Lobby (front-of-house) manager"}
    assert all("en" in j.languages and j.experience_required for j in chuanshan.jobs)
    assert "$.provider.locations[*].geo" in chuanshan.provenance.illustrative


def test_a_menu_priced_in_two_currencies_names_the_odd_item(chuanshan: Listing) -> None:
    odd = with_item(chuanshan, 2, price=Money.parse("9.00", "CNY"))
    assert "$.catalog.items[2].price.currency" in paths(odd)
    assert paths(chuanshan) == set()
