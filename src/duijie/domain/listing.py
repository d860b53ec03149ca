"""The Listing aggregate: everything one provider publishes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from duijie.domain.catalog import Catalog, Item
from duijie.domain.errors import DomainError, ErrorCode, Issue
from duijie.domain.hours import HoursState
from duijie.domain.jobs import JobPosting
from duijie.domain.offers import ProducerOffer
from duijie.domain.provider import Location, Provider
from duijie.domain.resources import BookableResource


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where the data comes from, and which parts are not facts.

    ``source`` says in words where the facts come from; ``synthetic`` marks a made-up
    participant; ``illustrative`` lists JSON paths (``[*]`` allowed, e.g.
    ``$.catalog.items[*].price``) whose values were added for the demo and are not facts.
    """

    source: str | None = None
    synthetic: bool = False
    illustrative: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenStatus:
    """Whether a location is open at an instant, and when that changes next."""

    state: HoursState
    next_change: datetime | None
    next_state: HoursState | None


@dataclass(frozen=True, slots=True)
class Listing:
    """The aggregate a node publishes per provider; ``provider.id`` is its key."""

    provider: Provider
    catalog: Catalog
    resources: tuple[BookableResource, ...] = ()
    jobs: tuple[JobPosting, ...] = ()
    offers: tuple[ProducerOffer, ...] = ()
    provenance: Provenance = Provenance()

    @property
    def id(self) -> str:
        """The provider id, the listing's key."""
        return self.provider.id

    def validate(self) -> list[Issue]:
        """Every broken domain rule, each with a JSON path; empty when the listing is valid."""
        from duijie.domain.listing_rules import listing_issues  # split out to keep modules small

        return listing_issues(self)

    def with_catalog(self, catalog: Catalog) -> Listing:
        """A copy of this listing with ``catalog`` replacing the current one (e.g. a CSV import)."""
        return replace(self, catalog=catalog)

    def item(self, item_id: str) -> Item:
        """The catalog item ``item_id``; raises ``DomainError(NOT_FOUND)``."""
        found = self.catalog.item(item_id)
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"no item {item_id!r} in {self.id}")
        return found

    def location(self, location_id: str) -> Location:
        """The location ``location_id``; raises ``DomainError(NOT_FOUND)``."""
        found = self.provider.location(location_id)
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"no location {location_id!r} in {self.id}")
        return found

    def resource(self, resource_id: str) -> BookableResource:
        """The bookable resource ``resource_id``; raises ``DomainError(NOT_FOUND)``."""
        for r in self.resources:
            if r.id == resource_id:
                return r
        raise DomainError(ErrorCode.NOT_FOUND, f"no resource {resource_id!r} in {self.id}")

    def job(self, job_id: str) -> JobPosting:
        """The job posting ``job_id``; raises ``DomainError(NOT_FOUND)``."""
        for j in self.jobs:
            if j.id == job_id:
                return j
        raise DomainError(ErrorCode.NOT_FOUND, f"no job {job_id!r} in {self.id}")

    def offer(self, offer_id: str) -> ProducerOffer:
        """The producer offer ``offer_id``; raises ``DomainError(NOT_FOUND)``."""
        for o in self.offers:
            if o.id == offer_id:
                return o
        raise DomainError(ErrorCode.NOT_FOUND, f"no offer {offer_id!r} in {self.id}")

    def open_status(self, location_id: str, now: datetime) -> OpenStatus:
        """Open/closed state of a location at ``now`` (aware) and its next change.

        A location without hours is UNKNOWN (the merchant has not said), never "open".
        """
        hours = self.location(location_id).hours
        if hours is None:
            return OpenStatus(HoursState.UNKNOWN, None, None)
        change = hours.next_change(now)
        return OpenStatus(
            hours.state(now), change[0] if change else None, change[1] if change else None
        )
