"""The provider (a business) and its physical locations."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from duijie.domain.hours import OpeningHours
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.text import LocalText


class ProviderKind(StrEnum):
    """What sort of business publishes the listing (drives the schema.org type)."""

    RESTAURANT = "restaurant"
    FARM = "farm"
    FACTORY = "factory"
    SHOP = "shop"
    OTHER = "other"


class ContactKind(StrEnum):
    """How to reach someone."""

    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    WECHAT = "wechat"


@dataclass(frozen=True, slots=True)
class Contact:
    """A way to reach the business, with an optional label ("DC", "订餐")."""

    kind: ContactKind
    value: str
    label: LocalText | None = None


class AmenityKind(StrEnum):
    """Physical facilities a guest may care about (schema.org amenityFeature)."""

    PARKING = "parking"
    BAR = "bar"
    KARAOKE = "karaoke"
    BANQUET = "banquet"
    PRIVATE_ROOMS = "private_rooms"
    WIFI = "wifi"
    WHEELCHAIR_ACCESS = "wheelchair_access"
    DELIVERY = "delivery"
    TAKEOUT = "takeout"
    LOADING_DOCK = "loading_dock"
    PICKUP = "pickup"


@dataclass(frozen=True, slots=True)
class Amenity:
    """A facility; ``quantity`` counts it where a number matters (parking spaces)."""

    kind: AmenityKind
    quantity: int | None = None
    note: LocalText | None = None


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; ``country`` is an ISO 3166-1 alpha-2 code."""

    street: str
    locality: str
    region: str | None = None
    postal_code: str | None = None
    country: str = "US"


#: Mean Earth radius (IUGG), for great-circle distances.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS 84 points (the one haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """WGS 84 coordinates. Rule: -90 <= lat <= 90 and -180 <= lon <= 180."""

    lat: float
    lon: float

    @property
    def problem(self) -> Reason | None:
        """Why the point is impossible, or None."""
        if not -90.0 <= self.lat <= 90.0:
            return Reason(P.LATITUDE_RANGE, lat=self.lat)
        if not -180.0 <= self.lon <= 180.0:
            return Reason(P.LONGITUDE_RANGE, lon=self.lon)
        return None


@dataclass(frozen=True, slots=True)
class Location:
    """One physical site of the provider.

    ``opening_hours`` is an OSM string read in ``time_zone`` (IANA). Both are kept as text
    so that a listing with a bad value can still be built and *reported* by
    ``Listing.validate``; use ``hours`` to evaluate them.
    """

    id: str
    name: LocalText
    address: Address
    time_zone: str
    opening_hours: str | None = None
    geo: GeoPoint | None = None
    phones: tuple[str, ...] = ()
    directions: LocalText | None = None
    amenities: tuple[Amenity, ...] = ()

    @property
    def hours(self) -> OpeningHours | None:
        """The evaluable hours (raises ``DomainError`` if the zone or string is invalid)."""
        if self.opening_hours is None:
            return None
        return OpeningHours(self.opening_hours, self.time_zone)


@dataclass(frozen=True, slots=True)
class Provider:
    """The business: identity, bilingual names, contacts and its locations.

    ``id`` is the provider's key inside its node (e.g. "chuanshan"); it does not name the
    node or subscriber, so the same listing can move to another node unchanged.
    ``team`` describes the people behind the product (chefs, master craftsmen).
    """

    id: str
    kind: ProviderKind
    name: LocalText
    description: LocalText | None = None
    team: LocalText | None = None
    contacts: tuple[Contact, ...] = ()
    locations: tuple[Location, ...] = field(default_factory=tuple)

    def location(self, location_id: str) -> Location | None:
        """The location with ``location_id``, or None."""
        return next((loc for loc in self.locations if loc.id == location_id), None)
