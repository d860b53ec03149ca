"""Job postings: an employer hiring at one of its locations."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from duijie.domain.provider import Contact
from duijie.domain.text import LocalText


class EmploymentType(StrEnum):
    """schema.org employmentType values, lower-cased."""

    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    CONTRACT = "contract"
    TEMPORARY = "temporary"
    INTERN = "intern"


@dataclass(frozen=True, slots=True)
class JobPosting:
    """An opening. Rules: openings >= 1; ``location_id`` (when given) names a location.

    ``location_id`` None means "any of the provider's locations" (the ad does not say).
    ``languages`` are BCP 47 codes the applicant must speak fluently ("en").
    ``apply_via`` lists how to apply (e.g. phone numbers); applications through duijie go
    to the employer only.
    """

    id: str
    title: LocalText
    employment_type: EmploymentType
    openings: int = 1
    location_id: str | None = None
    duties: LocalText | None = None
    requirements: tuple[LocalText, ...] = ()
    languages: tuple[str, ...] = ()
    experience_required: bool = False
    apply_via: tuple[Contact, ...] = ()
    how_to_apply: LocalText | None = None
