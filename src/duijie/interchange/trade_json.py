"""The ``resources``, ``jobs`` and ``offers`` parts of the listing document."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from typing import Any

from duijie.domain.hours import TimeWindow
from duijie.domain.jobs import EmploymentType, JobPosting
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.offers import PriceTier, ProducerOffer
from duijie.domain.provenance import Origin
from duijie.domain.resources import ApprovalMode, BookableResource, ResourceKind
from duijie.domain.text import LocalText
from duijie.interchange.reader import Reader
from duijie.interchange.wire import compact, contact_in, contact_out, money_out, text_out

_RESOURCE_KEYS = {"id", "kind", "name", "description", "location_id", "capacity", "min_party",
                  "slot_minutes", "lead_time_minutes", "deposit", "cancellation", "free_cancel_hours",
                  "booking_window", "approval", "buffer_minutes"}
_JOB_KEYS = {"id", "title", "employment_type", "openings", "location_id", "duties", "requirements",
             "languages", "experience_required", "apply_via", "how_to_apply"}
_OFFER_KEYS = {"id", "name", "description", "unit", "tiers", "minimum_batch", "location_id", "category", "origin",
               "source"}


def resource_out(res: BookableResource) -> dict[str, Any]:
    """A bookable resource; durations in whole minutes."""
    w = res.booking_window
    return compact({
        "id": res.id, "kind": res.kind.value, "name": text_out(res.name),
        "description": text_out(res.description), "location_id": res.location_id,
        "capacity": res.capacity, "min_party": res.min_party, "slot_minutes": res.slot_minutes,
        "lead_time_minutes": int(res.lead_time.total_seconds() // 60),
        "deposit": money_out(res.deposit), "cancellation": text_out(res.cancellation),
        "free_cancel_hours": res.free_cancel_hours,
        "booking_window": {"opens": f"{w.opens:%H:%M}", "closes": f"{w.closes:%H:%M}"} if w else None,
        # Written only when not the default, so listings without them export unchanged.
        "approval": res.approval.value if res.approval is not ApprovalMode.INSTANT else None,
        "buffer_minutes": res.buffer_minutes or None,
    })


def resource_in(r: Reader, raw: Any, path: str) -> BookableResource:
    """Read one resource, recording problems in ``r``; a bad field gets a placeholder (recorded, so
    the listing's rules skip it) and the rules about the other fields still run."""
    obj = r.fields(raw, path)
    r.unknown_keys(obj, _RESOURCE_KEYS, path)
    ident = r.get(obj, "id", path, str)
    kind = r.enum(obj, "kind", path, ResourceKind)
    name = r.text(obj, "name", path)
    description = r.text(obj, "description", path, required=False)
    location_id = r.get(obj, "location_id", path, str)
    capacity = r.get(obj, "capacity", path, int)
    min_party = r.get(obj, "min_party", path, int)
    slot = r.get(obj, "slot_minutes", path, int)
    lead = r.get(obj, "lead_time_minutes", path, int)
    deposit = r.money(obj, "deposit", path, required=False)
    cancellation = r.text(obj, "cancellation", path, required=False)
    free_cancel = r.get(obj, "free_cancel_hours", path, int)
    raw_window = obj.get("booking_window")
    window = _window_in(r, raw_window, f"{path}.booking_window") if raw_window is not None else None
    approval = r.enum(obj, "approval", path, ApprovalMode) if "approval" in obj else ApprovalMode.INSTANT
    buffer = r.get(obj, "buffer_minutes", path, int) if "buffer_minutes" in obj else 0
    min_party = 1 if min_party is None else min_party
    capacity = max(min_party, 1) if capacity is None else capacity
    return BookableResource(
        ident or "", kind or next(iter(ResourceKind)), name or LocalText(), location_id or "", capacity, min_party,
        timedelta(minutes=slot or 1), timedelta(minutes=lead or 0), deposit, cancellation, free_cancel or 0, window,
        description, approval or ApprovalMode.INSTANT, timedelta(minutes=buffer or 0),
    )


def _window_in(r: Reader, raw: Any, path: str) -> TimeWindow | None:
    obj = r.obj(raw, path)
    if obj is None:
        return None
    r.unknown_keys(obj, {"opens", "closes"}, path)
    parts: list[time] = []
    for key in ("opens", "closes"):
        value = r.get(obj, key, path, str)
        if value is None:
            continue
        try:
            if len(value) != 5:
                raise ValueError(value)
            parts.append(time.fromisoformat(value))
        except ValueError:
            r.fail(f"{path}.{key}", Reason(P.NOT_HH_MM, value=value))
    return TimeWindow(parts[0], parts[1]) if len(parts) == 2 else None


def job_out(j: JobPosting) -> dict[str, Any]:
    """A job posting."""
    return compact({
        "id": j.id, "title": text_out(j.title), "employment_type": j.employment_type.value,
        "openings": j.openings, "location_id": j.location_id, "duties": text_out(j.duties),
        "requirements": [text_out(t) for t in j.requirements], "languages": list(j.languages),
        "experience_required": j.experience_required,
        "apply_via": [contact_out(c) for c in j.apply_via], "how_to_apply": text_out(j.how_to_apply),
    })


def job_in(r: Reader, raw: Any, path: str) -> JobPosting:
    """Read one job posting (placeholders for bad fields, as :func:`resource_in`)."""
    obj = r.fields(raw, path)
    r.unknown_keys(obj, _JOB_KEYS, path)
    ident = r.get(obj, "id", path, str)
    title = r.text(obj, "title", path)
    etype = r.enum(obj, "employment_type", path, EmploymentType)
    openings = r.get(obj, "openings", path, int)
    location_id = r.get(obj, "location_id", path, str, required=False)
    duties = r.text(obj, "duties", path, required=False)
    requirements = r.items(obj, "requirements", path, lambda v, p: _lt(r, v, p), required=False)
    languages = r.strings(obj, "languages", path)
    experience = r.get(obj, "experience_required", path, bool)
    apply_via = r.items(obj, "apply_via", path, lambda v, p: contact_in(r, v, p), required=False)
    how = r.text(obj, "how_to_apply", path, required=False)
    return JobPosting(ident or "", title or LocalText(), etype or next(iter(EmploymentType)),
                      1 if openings is None else openings, location_id, duties, requirements, languages,
                      bool(experience), apply_via, how)


def _lt(r: Reader, raw: Any, path: str) -> LocalText | None:
    # Array elements have no key of their own, so wrap them to reuse Reader.text with the right path.
    head, _, key = path.rpartition(".")
    return r.text({key: raw}, key, head)


def offer_out(o: ProducerOffer) -> dict[str, Any]:
    """A producer offer; tiers in ascending min_quantity."""
    tiers = [{"min_quantity": t.min_quantity, "unit_price": money_out(t.unit_price)} for t in o.tiers]
    return compact({
        "id": o.id, "name": text_out(o.name), "description": text_out(o.description), "unit": o.unit,
        "minimum_batch": o.minimum_batch, "location_id": o.location_id, "category": o.category,
        "origin": origin_out(o.origin), "source": json.loads(o.source) if o.source is not None else None,
    }) | {"tiers": tiers}  # required, even when empty


def origin_out(origin: Origin | None) -> dict[str, Any] | None:
    """An offer's origin (源头直供): the place, and a harvest date (ISO) or batch."""
    if origin is None:
        return None
    return compact({"place": text_out(origin.place),
                    "harvest_date": origin.harvest_date.isoformat() if origin.harvest_date else None,
                    "batch": origin.batch})


def _origin_in(r: Reader, raw: Any, path: str) -> Origin | None:
    obj = r.obj(raw, path)
    if obj is None:
        return None
    r.unknown_keys(obj, {"place", "harvest_date", "batch"}, path)
    place = r.text(obj, "place", path)
    batch = r.get(obj, "batch", path, str, required=False)
    raw_date = r.get(obj, "harvest_date", path, str, required=False)
    harvest: date | None = None
    if raw_date is not None:
        try:
            harvest = date.fromisoformat(raw_date)
        except ValueError:
            r.fail(f"{path}.harvest_date", Reason(P.NOT_A_DATE, value=raw_date))
    return None if place is None else Origin(place, harvest, batch)


def _source_in(r: Reader, raw: Any, path: str) -> str | None:
    """A relisting's embedded signed offer, kept as canonical JSON text (the signature is checked by
    the protocol layer, which needs its exact content)."""
    if not isinstance(raw, dict):
        r.fail(path, Reason(P.NOT_SIGNED_OFFER))
        return None
    return json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def offer_in(r: Reader, raw: Any, path: str) -> ProducerOffer | None:
    """Read one producer offer."""
    obj = r.obj(raw, path)
    if obj is None:
        return None
    r.unknown_keys(obj, _OFFER_KEYS, path)
    ident = r.get(obj, "id", path, str)
    name = r.text(obj, "name", path)
    description = r.text(obj, "description", path, required=False)
    unit = r.get(obj, "unit", path, str)
    tiers = r.items(obj, "tiers", path, lambda v, p: _tier_in(r, v, p))
    batch = r.get(obj, "minimum_batch", path, int)
    location_id = r.get(obj, "location_id", path, str, required=False)
    category = r.get(obj, "category", path, str, required=False)
    origin = _origin_in(r, obj["origin"], f"{path}.origin") if "origin" in obj else None
    source = _source_in(r, obj["source"], f"{path}.source") if "source" in obj else None
    if ident is None or name is None or unit is None or batch is None:
        return None
    return ProducerOffer(ident, name, unit, tiers, batch, location_id, description, category, origin, source)


def _tier_in(r: Reader, raw: Any, path: str) -> PriceTier | None:
    obj = r.obj(raw, path)
    if obj is None:
        return None
    r.unknown_keys(obj, {"min_quantity", "unit_price"}, path)
    qty = r.get(obj, "min_quantity", path, int)
    price = r.money(obj, "unit_price", path)
    if qty is None or price is None:
        return None
    return PriceTier(qty, price)
