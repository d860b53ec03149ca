from __future__ import annotations

import json
from importlib import resources
from typing import Any

from tests.support.json_tree import objects

from duijie.interchange.jsonld import listing_to_jsonld
from duijie.interchange.listing_json import listing_from_document

JSONLD_KEYWORDS = {"@context", "@graph", "@type", "@id", "@value", "@language"}


def jsonld(name: str) -> dict[str, Any]:
    text = resources.files("duijie.demo").joinpath("data", name).read_text(encoding="utf-8")
    return listing_to_jsonld(listing_from_document(json.loads(text)))


def test_restaurant_has_two_locations_with_address_and_hours() -> None:
    doc = jsonld("chuanshan.json")
    assert doc["@context"] == "https://schema.org"
    business = doc["@graph"][0]
    assert business["@type"] == "Restaurant"
    dc, md = business["department"]
    assert dc["address"]["@type"] == "PostalAddress"
    assert md["address"]["postalCode"] == "20850"
    assert md["telephone"] == ["+1-301-875-5144"]
    spec = dc["openingHoursSpecification"]
    assert {s["closes"] for s in spec} == {"22:00", "23:00"}
    assert all(s["@type"] == "OpeningHoursSpecification" for s in spec)


def test_rooms_carry_maximum_attendee_capacity() -> None:
    dc = jsonld("chuanshan.json")["@graph"][0]["department"][0]
    capacities = {r["identifier"]: r["maximumAttendeeCapacity"] for r in dc["containsPlace"]}
    assert capacities["diaoyutai"] == 60
    assert capacities["banquet-hall"] == 300


def test_menu_items_have_offers_with_price_strings_and_diets() -> None:
    menu = jsonld("chuanshan.json")["@graph"][0]["hasMenu"]
    assert menu["@type"] == "Menu"
    items = [i for s in menu["hasMenuSection"] for i in s["hasMenuItem"]]
    liangpi = next(i for i in items if i["identifier"] == "liangpi")
    assert liangpi["offers"] == {"@type": "Offer", "price": "8.95", "priceCurrency": "USD"}
    assert liangpi["suitableForDiet"] == [{"@id": "https://schema.org/VeganDiet"}]


def test_jobs_are_job_postings_of_the_restaurant() -> None:
    graph = jsonld("chuanshan.json")["@graph"]
    jobs = [n for n in graph if n["@type"] == "JobPosting"]
    assert len(jobs) == 2
    assert all(j["hiringOrganization"] == {"@id": graph[0]["@id"]} for j in jobs)
    assert {c["telephone"] for c in jobs[0]["applicationContact"]} >= {"+1-202-636-3588"}


def test_farm_is_a_local_business_with_tiered_offers() -> None:
    business = jsonld("farm.json")["@graph"][0]
    assert business["@type"] == "LocalBusiness"
    apples = business["makesOffer"][0]
    assert [p["price"] for p in apples["priceSpecification"]] == ["3.00", "2.60", "2.20"]


def test_only_known_jsonld_keywords_are_used() -> None:
    for name in ("chuanshan.json", "farm.json", "factory.json"):
        for node in objects(jsonld(name)):
            used = {k for k in node if k.startswith("@")}
            assert used <= JSONLD_KEYWORDS, used
            assert None not in node.values()
