"""Job postings and applications on the Beckn wire, after DSEP/ONEST (docs/JOBS.md).

A posting is an item of the employer's catalog: title, duties and requirements in its descriptor,
the languages and employment type as tags, the openings left as ``quantity.available.count``,
how to apply (the ad's phone numbers) in ``long_desc`` and a ``how_to_apply`` tag group, and an
``ONSITE`` fulfillment at its location. An application is an order on that item: the applicant is
``fulfillments[0].customer`` (``person`` with name, languages, résumé as a credential,
experience and availability as ``emp-details`` tags; ``contact`` with phone/email), and its stage
is the fulfillment's ``state.descriptor.code``.
"""

from __future__ import annotations

from typing import Any

from duijie.domain.applications import Applicant, Application, Stage
from duijie.domain.jobs import JobPosting
from duijie.domain.listing import Listing
from duijie.domain.provider import Contact, ContactKind
from duijie.domain.text import LocalText
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.mapping.catalog import descriptor
from duijie.protocol.mapping.codes import MappingError

JOBS_CATEGORY = "jobs"
ONSITE = "ONSITE"
ITEM_CODE = "JOB"
RESUME = "Resume"
EMP_DETAILS = "emp-details"

ORDER_STATUS = {
    Stage.RECEIVED: "ACTIVE", Stage.SCREENING: "ACTIVE", Stage.INTERVIEW: "ACTIVE",
    Stage.OFFER: "COMPLETE", Stage.REJECTED: "CANCELLED", Stage.WITHDRAWN: "CANCELLED",
}
"""Beckn's three order states for the six stages (the stage itself is the fulfillment state)."""


ITEM_PREFIX = "job-"
"""A posting's item id is ``job-`` + its id: apart from the menu's ids, and every ``job-`` item is
this kind's, so an application to a posting that does not exist is refused by the jobs rules."""


def item_id(posting_id: str) -> str:
    """The catalog item id of a posting."""
    return f"{ITEM_PREFIX}{posting_id}"


def posting_of_item(item: str) -> str | None:
    """The posting id an item id names, or None when it is not a job."""
    return item[len(ITEM_PREFIX):] if item.startswith(ITEM_PREFIX) and len(item) > len(ITEM_PREFIX) else None


def job_fulfillment_id(posting_id: str) -> str:
    return f"onsite-{posting_id}"


def _tags(code: str, values: list[tuple[str, str]]) -> dict[str, Any]:
    return {"descriptor": {"code": code}, "list": [{"descriptor": {"code": k}, "value": v} for k, v in values]}


def _way(contact: Contact) -> str:
    """One way to apply with its label, "+1-202-636-3588 (DC)" (a label alike in both languages once)."""
    label = contact.label
    if label is None:
        return contact.value
    return f"{contact.value} ({label.zh if label.zh == label.en else label.both()})"


def how_to_apply(posting: JobPosting) -> str:
    """The ad's note and every way to apply: "长期诚聘… / Hiring…; please call: +1-202-636-3588 (DC), ..."."""
    lead = posting.how_to_apply.both() if posting.how_to_apply else "How to apply"
    ways = [_way(c) for c in posting.apply_via]
    return f"{lead}: {', '.join(ways)}" if ways else lead


def _locations(posting: JobPosting, listing: Listing) -> list[str]:
    return [posting.location_id] if posting.location_id else [loc.id for loc in listing.provider.locations]


def posting_to_beckn(posting: JobPosting, listing: Listing, openings_left: int) -> dict[str, Any]:
    """The catalog item of ``posting`` with ``openings_left`` as its available count."""
    text = [posting.duties.both()] if posting.duties else []
    requirements = "; ".join(r.both() for r in posting.requirements)
    long_desc = "\n".join([*text, *([f"Requirements / 要求: {requirements}"] if requirements else []),
                           how_to_apply(posting)])
    facts = [("employment-type", posting.employment_type.value),
             ("languages", ",".join(posting.languages)),
             ("experience-required", "yes" if posting.experience_required else "no"),
             ("openings", str(posting.openings))]
    tags = [_tags("listing-details", [(k, v) for k, v in facts if v])]
    if posting.requirements:
        tags.append(_tags("job-requirements", [("requirement", r.both()) for r in posting.requirements]))
    how = [(c.kind.value, _way(c)) for c in posting.apply_via]
    if posting.how_to_apply:
        how.insert(0, ("note", posting.how_to_apply.both()))
    if how:
        tags.append(_tags("how-to-apply", how))
    extra = {"code": ITEM_CODE, "long_desc": long_desc}
    if posting.duties:
        extra["short_desc"] = posting.duties.both()
    return {
        "id": item_id(posting.id),
        "descriptor": descriptor(posting.title, **extra),
        "category_ids": [JOBS_CATEGORY],
        "location_ids": _locations(posting, listing),
        "fulfillment_ids": [job_fulfillment_id(posting.id)],
        "quantity": {"available": {"count": openings_left}, "maximum": {"count": 1}},
        "tags": tags,
    }


def job_fulfillment(posting: JobPosting, listing: Listing) -> dict[str, Any]:
    """The ``ONSITE`` fulfillment a posting refers to: its place of work and the first phone of the ad."""
    out: dict[str, Any] = {"id": job_fulfillment_id(posting.id), "type": ONSITE,
                           "stops": [{"location": {"id": loc}} for loc in _locations(posting, listing)]}
    phones = [c.value for c in posting.apply_via if c.kind is ContactKind.PHONE]
    if phones:
        out["contact"] = {"phone": phones[0]}
    return out


JOBS_CATEGORY_DOC = {"id": JOBS_CATEGORY, "descriptor": descriptor(LocalText("招聘", "Jobs"), code="JOBS")}


def add_postings(provider: dict[str, Any], listing: Listing, postings: list[tuple[JobPosting, int]]) -> None:
    """Put ``postings`` (each with its openings left) into the mapped ``provider`` of ``listing``."""
    if not postings:
        return
    provider.setdefault("items", []).extend(posting_to_beckn(p, listing, left) for p, left in postings)
    provider.setdefault("fulfillments", []).extend(job_fulfillment(p, listing) for p, _ in postings)
    categories = provider.setdefault("categories", [])
    if not any(c.get("id") == JOBS_CATEGORY for c in categories):
        categories.append(JOBS_CATEGORY_DOC)


# ---- the application --------------------------------------------------------------------------


def _text(doc: Any, key: str) -> str | None:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def posting_id_of(order: dict[str, Any]) -> str:
    """The posting an application names: its one item (``job-`` + the posting id)."""
    items = order.get("items")
    first = items[0] if isinstance(items, list) and items else None
    posting = posting_of_item(_text(first, "id") or "")
    if posting is None:
        raise MappingError(BecknErrorCode.ITEM_NOT_FOUND, "an application names the job posting as its item "
                           "(job-<posting id>)", "order.items")
    return posting


def applicant_from_order(order: dict[str, Any]) -> Applicant:
    """The applicant of ``init``/``confirm``: ``fulfillments[0].customer`` (person and contact)."""
    fulfillments = order.get("fulfillments")
    first = fulfillments[0] if isinstance(fulfillments, list) and fulfillments else None
    customer = first.get("customer") if isinstance(first, dict) else None
    if not isinstance(customer, dict) or not isinstance(customer.get("person"), dict):
        raise MappingError(BecknErrorCode.INVALID_REQUEST, "an application carries the applicant in "
                           "fulfillments[0].customer.person (name) and .contact (phone or email)",
                           "order.fulfillments[0].customer")
    person: dict[str, Any] = customer["person"]
    contact = customer.get("contact") if isinstance(customer.get("contact"), dict) else {}
    languages = tuple(
        code for code in (_text(x, "code") or (x.strip() if isinstance(x, str) else None)
                          for x in person.get("languages") or [] if isinstance(x, dict | str))
        if code
    )
    details: dict[str, str] = {}
    for group in person.get("tags") or []:
        if isinstance(group, dict) and _text(group.get("descriptor"), "code") == EMP_DETAILS:
            for tag in group.get("list") or []:
                code = _text((tag or {}).get("descriptor"), "code") if isinstance(tag, dict) else None
                value = _text(tag, "value")
                if code and value:
                    details[code] = value
    resume = next((_text(c, "url") for c in person.get("creds") or []
                   if isinstance(c, dict) and _text(c, "type") == RESUME), None)
    return Applicant(
        name=_text(person, "name") or "", phone=_text(contact, "phone"), email=_text(contact, "email"),
        languages=languages, experience=details.get("experience"), availability=details.get("availability"),
        resume_url=resume,
    )


def customer_to_beckn(a: Applicant) -> dict[str, Any]:
    """The applicant as a Beckn ``Customer`` (the inverse of :func:`applicant_from_order`)."""
    person: dict[str, Any] = {"name": a.name}
    if a.languages:
        person["languages"] = [{"code": code} for code in a.languages]
    if a.resume_url:
        person["creds"] = [{"id": "resume", "type": RESUME, "url": a.resume_url}]
    details = [(k, v) for k, v in (("experience", a.experience), ("availability", a.availability)) if v]
    if details:
        person["tags"] = [_tags(EMP_DETAILS, details)]
    contact = {k: v for k, v in (("phone", a.phone), ("email", a.email)) if v}
    return {"person": person, "contact": contact}


def application_order(provider_id: str, posting: JobPosting, applicant: Applicant | None) -> dict[str, Any]:
    """The order of ``on_select``/``on_init`` (before there is an application): the item, the
    applicant when given, and a zero quote (applying is free)."""
    fulfillment: dict[str, Any] = {"id": job_fulfillment_id(posting.id), "type": ONSITE}
    if applicant is not None:
        fulfillment["customer"] = customer_to_beckn(applicant)
    zero = {"currency": "USD", "value": "0.00"}
    return {
        "provider": {"id": provider_id},
        "items": [{"id": item_id(posting.id), "descriptor": descriptor(posting.title),
                   "quantity": {"selected": {"count": 1}}}],
        "fulfillments": [fulfillment],
        "quote": {"price": zero, "breakup": [{"item": {"id": item_id(posting.id)}, "title": "application (free)",
                                              "price": zero}]},
    }


def application_to_beckn(app: Application, posting: JobPosting | None) -> dict[str, Any]:
    """An application as the Beckn order of ``on_confirm``/``on_status``/``on_cancel``: its stage is
    the fulfillment state and the history the order's ``stage-history`` tags."""
    item: dict[str, Any] = {"id": item_id(app.posting_id), "quantity": {"selected": {"count": 1}}}
    if posting is not None:
        item["descriptor"] = descriptor(posting.title)
    return {
        "id": app.id,
        "status": ORDER_STATUS[app.stage],
        "provider": {"id": app.provider_id},
        "items": [item],
        "fulfillments": [{
            "id": job_fulfillment_id(app.posting_id), "type": ONSITE,
            "state": {"descriptor": {"code": app.stage.value}, "updated_at": _z(app.updated_at.isoformat())},
            "customer": customer_to_beckn(app.applicant),
        }],
        "quote": {"price": {"currency": "USD", "value": "0.00"}},
        "created_at": _z(app.created_at.isoformat()),
        "updated_at": _z(app.updated_at.isoformat()),
        "tags": [_tags("stage-history", [(h.stage.value, f"{_z(h.at.isoformat())} by {h.by}") for h in app.history])],
    }


def _z(iso: str) -> str:
    return iso.replace("+00:00", "Z")
