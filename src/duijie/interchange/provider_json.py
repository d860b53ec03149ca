"""The ``provider`` part of the listing document (identity, contacts, locations)."""

from __future__ import annotations

from typing import Any

from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.provider import (
    Address,
    Amenity,
    AmenityKind,
    GeoPoint,
    Location,
    Provider,
    ProviderKind,
)
from duijie.domain.text import LocalText
from duijie.interchange.reader import Reader
from duijie.interchange.wire import compact, contact_in, contact_out, text_out

_ADDRESS_KEYS = {"street", "locality", "region", "postal_code", "country"}
_LOCATION_KEYS = {"id", "name", "address", "time_zone", "opening_hours", "geo", "phones", "directions",
                  "amenities"}
_PROVIDER_KEYS = {"id", "kind", "name", "description", "team", "contacts", "locations"}


def provider_out(p: Provider) -> dict[str, Any]:
    """Provider as a document object."""
    return compact({
        "id": p.id,
        "kind": p.kind.value,
        "name": text_out(p.name),
        "description": text_out(p.description),
        "team": text_out(p.team),
        "contacts": [contact_out(c) for c in p.contacts],
    }) | {"locations": [_location_out(loc) for loc in p.locations]}  # required, even when empty


def _location_out(loc: Location) -> dict[str, Any]:
    a = loc.address
    return compact({
        "id": loc.id,
        "name": text_out(loc.name),
        "address": compact({"street": a.street, "locality": a.locality, "region": a.region,
                            "postal_code": a.postal_code, "country": a.country}),
        "time_zone": loc.time_zone,
        "opening_hours": loc.opening_hours,
        "geo": {"lat": loc.geo.lat, "lon": loc.geo.lon} if loc.geo else None,
        "phones": list(loc.phones),
        "directions": text_out(loc.directions),
        "amenities": [compact({"kind": am.kind.value, "quantity": am.quantity, "note": text_out(am.note)})
                      for am in loc.amenities],
    })


def provider_in(r: Reader, raw: Any, path: str) -> Provider:
    """Read the provider object, recording every problem in ``r``.

    A bad or missing field gets a placeholder (recorded, so the listing's rules skip it) and the
    provider is still built: the rules about everything else are reported in the same pass.
    """
    obj = r.fields(raw, path)
    r.unknown_keys(obj, _PROVIDER_KEYS, path)
    ident = r.get(obj, "id", path, str)
    kind = r.enum(obj, "kind", path, ProviderKind)
    name = r.text(obj, "name", path)
    description = r.text(obj, "description", path, required=False)
    team = r.text(obj, "team", path, required=False)
    contacts = r.items(obj, "contacts", path, lambda v, p: contact_in(r, v, p), required=False)
    locations = r.items(obj, "locations", path, lambda v, p: _location_in(r, v, p))
    return Provider(ident or "", kind or next(iter(ProviderKind)), name or LocalText(), description, team,
                    contacts, locations)


def _location_in(r: Reader, raw: Any, path: str) -> Location:
    # Kept with placeholders even when broken, so a resource naming it is not "unknown" too.
    obj = r.fields(raw, path)
    r.unknown_keys(obj, _LOCATION_KEYS, path)
    ident = r.get(obj, "id", path, str)
    name = r.text(obj, "name", path)
    address = _address_in(r, obj.get("address"), f"{path}.address") if "address" in obj else None
    if "address" not in obj:
        r.fail(f"{path}.address", Reason(P.MISSING_FIELD))
    time_zone = r.get(obj, "time_zone", path, str)
    hours = r.get(obj, "opening_hours", path, str, required=False)
    geo = _geo_in(r, obj["geo"], f"{path}.geo") if obj.get("geo") is not None else None
    phones = r.strings(obj, "phones", path)
    directions = r.text(obj, "directions", path, required=False)
    amenities = r.items(obj, "amenities", path, lambda v, p: _amenity_in(r, v, p), required=False)
    return Location(ident or "", name or LocalText(), address or Address("", "", None, None, ""), time_zone or "",
                    hours, geo, phones, directions, amenities)


def _address_in(r: Reader, raw: Any, path: str) -> Address | None:
    obj = r.obj(raw, path)
    if obj is None:
        return None
    r.unknown_keys(obj, _ADDRESS_KEYS, path)
    street = r.get(obj, "street", path, str)
    locality = r.get(obj, "locality", path, str)
    region = r.get(obj, "region", path, str, required=False)
    postal = r.get(obj, "postal_code", path, str, required=False)
    country = r.get(obj, "country", path, str)
    if street is None or locality is None or country is None:
        return None
    return Address(street, locality, region, postal, country)


def _geo_in(r: Reader, raw: Any, path: str) -> GeoPoint | None:
    obj = r.obj(raw, path)
    if obj is None:
        return None
    r.unknown_keys(obj, {"lat", "lon"}, path)
    lat = r.get(obj, "lat", path, float)
    lon = r.get(obj, "lon", path, float)
    if lat is None or lon is None:
        return None
    return GeoPoint(lat, lon)


def _amenity_in(r: Reader, raw: Any, path: str) -> Amenity | None:
    obj = r.obj(raw, path)
    if obj is None:
        return None
    r.unknown_keys(obj, {"kind", "quantity", "note"}, path)
    kind = r.enum(obj, "kind", path, AmenityKind)
    quantity = r.get(obj, "quantity", path, int, required=False)
    note: LocalText | None = r.text(obj, "note", path, required=False)
    if kind is None:
        return None
    return Amenity(kind, quantity, note)
