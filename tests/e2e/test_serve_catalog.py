"""`duijie serve` as a real process: the listing endpoints over HTTP."""

from __future__ import annotations

import json

import httpx
from pyld import jsonld
from tests.support.json_tree import objects
from tests.support.processes import ServerProcess


def test_health_and_provider_index(restaurant: ServerProcess) -> None:
    assert httpx.get(f"{restaurant.base}/healthz").json()["status"] == "ok"
    providers = httpx.get(f"{restaurant.base}/api/providers").json()["providers"]
    assert [p["id"] for p in providers] == ["chuanshan"]
    assert providers[0]["version"] == 1


def test_listing_has_catalog_rooms_and_jobs(restaurant: ServerProcess) -> None:
    resp = httpx.get(f"{restaurant.base}/api/providers/chuanshan")
    assert resp.status_code == 200
    listing = resp.json()["listing"]
    text = resp.text
    for dish in ("肉夹馍", "凉皮", "羊肉泡馍", "夫妻肺片"):
        assert dish in text
    assert "钓鱼台" in text
    assert len(listing["provider"]["locations"]) == 2
    assert listing["resources"] and listing["jobs"]


def test_unknown_provider_is_a_json_404_naming_the_field(restaurant: ServerProcess) -> None:
    resp = httpx.get(f"{restaurant.base}/api/providers/nope")
    assert resp.status_code == 404
    assert resp.json()["error"]["field"] == "provider_id"


def test_open_at_answers_per_location_in_new_york_time(restaurant: ServerProcess) -> None:
    # Friday 2026-11-27 22:30 in New York (EST, UTC-5): open until 23:00.
    resp = httpx.get(f"{restaurant.base}/api/providers/chuanshan/open", params={"at": "2026-11-27T22:30:00-05:00"})
    assert resp.status_code == 200
    locations = resp.json()["locations"]
    assert len(locations) == 2 and all(loc["open"] for loc in locations)
    assert all(loc["next_change"].startswith("2026-11-27T23:00") for loc in locations)
    # Sunday 2026-11-29 22:30: closed since 22:00.
    sunday = httpx.get(f"{restaurant.base}/api/providers/chuanshan/open", params={"at": "2026-11-30T03:30:00Z"})
    assert not any(loc["open"] for loc in sunday.json()["locations"])


def test_open_at_rejects_a_bad_time_naming_the_field(restaurant: ServerProcess) -> None:
    for bad in ("yesterday", "2026-11-27T22:30"):
        resp = httpx.get(f"{restaurant.base}/api/providers/chuanshan/open", params={"at": bad})
        assert resp.status_code == 400
        assert resp.json()["error"]["field"] == "at"


def _schema_org_loader(url: str, options: dict[str, object] | None = None) -> dict[str, object]:
    """schema.org's context maps every term into its vocabulary; no network is used here."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": "https://schema.org/"}}}


def test_jsonld_is_valid_schema_org_json_ld(restaurant: ServerProcess) -> None:
    resp = httpx.get(f"{restaurant.base}/providers/chuanshan.jsonld")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/ld+json")
    doc = resp.json()
    assert doc["@context"] == "https://schema.org"
    # A JSON-LD processor accepts it (invalid keywords or shapes raise) and keeps the facts.
    expanded = jsonld.expand(doc, {"documentLoader": _schema_org_loader})
    flat = json.dumps(expanded, ensure_ascii=False)
    assert "https://schema.org/Restaurant" in flat
    for term in ("OpeningHoursSpecification", "JobPosting", "MenuItem", "maximumAttendeeCapacity",
                 "amenityFeature", "PostalAddress"):
        assert f"https://schema.org/{term}" in flat, term
    assert "钓鱼台" in flat and "肉夹馍" in flat
    capacities = [n["https://schema.org/maximumAttendeeCapacity"][0]["@value"]
                  for n in objects(expanded) if "https://schema.org/maximumAttendeeCapacity" in n]
    assert 60 in capacities and max(capacities) >= 300

