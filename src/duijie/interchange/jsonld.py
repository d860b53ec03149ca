"""A listing as schema.org JSON-LD, for search engines and any linked-data consumer.

Only plain schema.org terms under ``"@context": "https://schema.org"`` are used, plus the
standard ``@type``/``@id``/``@graph`` keywords, so the output expands without loss.
"""

from __future__ import annotations

from typing import Any

from duijie.domain.catalog import DietTag, Item
from duijie.domain.jobs import EmploymentType, JobPosting
from duijie.domain.listing import Listing
from duijie.domain.offers import ProducerOffer
from duijie.domain.provider import Location, ProviderKind
from duijie.domain.resources import BookableResource, ResourceKind
from duijie.domain.text import LocalText
from duijie.interchange.wire import compact

_TYPES = {ProviderKind.RESTAURANT: "Restaurant", ProviderKind.SHOP: "Store"}
_DIETS = {
    DietTag.VEGETARIAN: "https://schema.org/VegetarianDiet", DietTag.VEGAN: "https://schema.org/VeganDiet",
    DietTag.HALAL: "https://schema.org/HalalDiet", DietTag.KOSHER: "https://schema.org/KosherDiet",
    DietTag.GLUTEN_FREE: "https://schema.org/GlutenFreeDiet", DietTag.LOW_SALT: "https://schema.org/LowSaltDiet",
}
_EMPLOYMENT = {
    EmploymentType.FULL_TIME: "FULL_TIME", EmploymentType.PART_TIME: "PART_TIME",
    EmploymentType.CONTRACT: "CONTRACTOR", EmploymentType.TEMPORARY: "TEMPORARY",
    EmploymentType.INTERN: "INTERN",
}
_ROOM_TYPES = {ResourceKind.HALL: "EventVenue", ResourceKind.TABLE: "Place"}


def _id(prefix: str, *parts: str) -> str:
    """Child node id: IRI path under a base, or a flat blank-node label (no "/" in N-Quads labels)."""
    return "-".join((prefix, *parts)) if prefix.startswith("_:") else "/".join((prefix, *parts))


def _names(text: LocalText | None) -> list[dict[str, str]] | None:
    """Language-tagged values (JSON-LD value objects) for a bilingual text."""
    if text is None or text.is_empty:
        return None
    return [{"@value": v, "@language": lang} for lang, v in (("zh", text.zh), ("en", text.en)) if v]


def listing_to_jsonld(listing: Listing, base: str | None = None) -> dict[str, Any]:
    """The listing as a schema.org graph: the business, one node per location, menu, jobs, offers.

    ``base`` (e.g. the node's URL) builds ``@id`` IRIs; without it ids are blank-node style
    ``_:chuanshan`` so the document stays self-contained.
    """
    p = listing.provider
    prefix = f"{base.rstrip('/')}/{p.id}" if base else f"_:{p.id}"
    kind = _TYPES.get(p.kind, "LocalBusiness")
    business: dict[str, Any] = compact({
        "@type": kind,
        "@id": prefix,
        "identifier": p.id,
        "name": _names(p.name),
        "description": _names(p.description),
        "telephone": next((c.value for c in p.contacts if c.kind.value == "phone"), None),
        "url": next((c.value for c in p.contacts if c.kind.value == "web"), None),
        "email": next((c.value for c in p.contacts if c.kind.value == "email"), None),
        "department": [_location(loc, kind, prefix, listing) for loc in p.locations],
    })
    if p.kind is ProviderKind.RESTAURANT and listing.catalog.items:
        business["hasMenu"] = _menu(listing, prefix)
    if listing.offers:
        business["makesOffer"] = [_producer_offer(o, prefix) for o in listing.offers]
    graph: list[dict[str, Any]] = [business]
    graph.extend(_job(j, listing, prefix) for j in listing.jobs)
    return {"@context": "https://schema.org", "@graph": graph}


def _location(loc: Location, kind: str, prefix: str, listing: Listing) -> dict[str, Any]:
    a = loc.address
    hours = loc.hours
    rows = hours.to_schema_org() if hours is not None else None
    rooms = [r for r in listing.resources if r.location_id == loc.id]
    return compact({
        "@type": kind,
        "@id": _id(prefix, "locations", loc.id),
        "name": _names(loc.name),
        "address": compact({
            "@type": "PostalAddress", "streetAddress": a.street, "addressLocality": a.locality,
            "addressRegion": a.region, "postalCode": a.postal_code, "addressCountry": a.country,
        }),
        "geo": {"@type": "GeoCoordinates", "latitude": loc.geo.lat, "longitude": loc.geo.lon}
        if loc.geo else None,
        "telephone": list(loc.phones) or None,
        # Rows when the rule is simple; otherwise the OSM text, which schema.org openingHours
        # shares for plain cases, so consumers still get something faithful.
        "openingHours": loc.opening_hours if rows is None else None,
        "openingHoursSpecification": [
            {"@type": "OpeningHoursSpecification",
             "dayOfWeek": [f"https://schema.org/{d}" for d in row.days],
             "opens": row.opens, "closes": row.closes}
            for row in rows or ()
        ],
        "description": _names(loc.directions),
        "amenityFeature": [
            compact({"@type": "LocationFeatureSpecification", "name": am.kind.value,
                     "value": am.quantity if am.quantity is not None else True,
                     "description": _names(am.note)})
            for am in loc.amenities
        ],
        # schema.org has no "parking spaces" property on a business: the count travels in
        # amenityFeature (name "parking", value 100) rather than in an invented term.
        "containsPlace": [_room(r, prefix) for r in rooms],
    })


def _room(r: BookableResource, prefix: str) -> dict[str, Any]:
    return compact({
        "@type": _ROOM_TYPES.get(r.kind, "Room"),
        "@id": _id(prefix, "resources", r.id),
        "identifier": r.id,
        "additionalType": r.kind.value,
        "name": _names(r.name),
        "description": _names(r.description),
        "maximumAttendeeCapacity": r.capacity,
    })


def _menu(listing: Listing, prefix: str) -> dict[str, Any]:
    cat = listing.catalog
    return {
        "@type": "Menu",
        "@id": _id(prefix, "menu"),
        "hasMenuSection": [
            {"@type": "MenuSection", "name": _names(s.name),
             "hasMenuItem": [_menu_item(i) for i in cat.items_in(s.id)]}
            for s in cat.sections
        ],
    }


def _menu_item(i: Item) -> dict[str, Any]:
    return compact({
        "@type": "MenuItem",
        "identifier": i.id,
        "name": _names(i.name),
        "description": _names(i.description),
        "offers": {"@type": "Offer", "price": i.price.to_wire(), "priceCurrency": i.price.currency},
        "suitableForDiet": [{"@id": _DIETS[d]} for d in i.diet if d in _DIETS],
        "menuAddOn": [
            {"@type": "MenuSection", "name": _names(g.name), "hasMenuItem": [
                {"@type": "MenuItem", "identifier": o.id, "name": _names(o.name),
                 "offers": {"@type": "Offer", "price": o.price.to_wire(), "priceCurrency": o.price.currency}}
                for o in g.options]}
            for g in i.option_groups
        ],
    })


def _producer_offer(o: ProducerOffer, prefix: str) -> dict[str, Any]:
    return compact({
        "@type": "Offer",
        "@id": _id(prefix, "offers", o.id),
        "identifier": o.id,
        "itemOffered": compact({"@type": "Product", "name": _names(o.name),
                                "description": _names(o.description), "category": o.category}),
        "eligibleQuantity": {"@type": "QuantitativeValue", "minValue": o.minimum_batch, "unitText": o.unit},
        "priceSpecification": [
            {"@type": "UnitPriceSpecification", "price": t.unit_price.to_wire(),
             "priceCurrency": t.unit_price.currency, "unitText": o.unit,
             "eligibleQuantity": {"@type": "QuantitativeValue", "minValue": t.min_quantity,
                                  "unitText": o.unit}}
            for t in o.tiers
        ],
    })


def _job(j: JobPosting, listing: Listing, prefix: str) -> dict[str, Any]:
    locs = [listing.location(j.location_id)] if j.location_id else list(listing.provider.locations)
    return compact({
        "@type": "JobPosting",
        "@id": _id(prefix, "jobs", j.id),
        "identifier": j.id,
        "title": _names(j.title),
        "description": _names(j.duties) or _names(j.title),
        "employmentType": _EMPLOYMENT[j.employment_type],
        "totalJobOpenings": j.openings,
        "hiringOrganization": {"@id": prefix},
        "jobLocation": [{"@id": _id(prefix, "locations", loc.id)} for loc in locs],
        "qualifications": [v for q in j.requirements for v in _names(q) or []],
        "experienceRequirements": "required" if j.experience_required else None,
        "applicationContact": [{"@type": "ContactPoint", "telephone": c.value} for c in j.apply_via
                               if c.kind.value == "phone"],
    })
