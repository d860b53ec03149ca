"""The validation rules of a Listing, each reporting a JSON path.

Every rule is applied and every problem collected, so a merchant fixes a document in one go.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from duijie.domain.catalog import Catalog, OptionGroup
from duijie.domain.errors import Issue
from duijie.domain.hours import hours_problem, zone_problem
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.money import Money
from duijie.domain.text import LocalText

if TYPE_CHECKING:
    from duijie.domain.listing import Listing


def _duplicates(ids: Iterable[str], path: str, out: list[Issue]) -> None:
    """Rule: ids are unique within their collection (they are the keys of orders)."""
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if not ident.strip():
            out.append(Issue(f"{path}[{i}].id", Reason(P.ID_EMPTY)))
        elif ident in seen:
            out.append(Issue(f"{path}[{i}].id", Reason(P.DUPLICATE_ID, id=ident)))
        seen.add(ident)


def _text(text: LocalText | None, path: str, out: list[Issue]) -> None:
    """Rule: a required name carries zh or en."""
    if text is None or text.is_empty:
        out.append(Issue(path, Reason(P.TEXT_MISSING)))


def _price(money: Money | None, path: str, out: list[Issue]) -> None:
    """Rule: prices and deposits are never negative."""
    if money is not None and money.is_negative:
        out.append(Issue(path, Reason(P.NEGATIVE_PRICE, amount=money.to_wire())))


def _provider_issues(listing: Listing, out: list[Issue]) -> dict[str, str]:
    """Provider and locations; returns location id -> time zone for later rules."""
    p = listing.provider
    if not p.id.strip():
        out.append(Issue("$.provider.id", Reason(P.ID_EMPTY)))
    _text(p.name, "$.provider.name", out)
    if not p.locations:
        out.append(Issue("$.provider.locations", Reason(P.LOCATION_REQUIRED)))
    _duplicates((loc.id for loc in p.locations), "$.provider.locations", out)
    zones: dict[str, str] = {}
    for i, loc in enumerate(p.locations):
        here = f"$.provider.locations[{i}]"
        zones[loc.id] = loc.time_zone
        _text(loc.name, f"{here}.name", out)
        zp = zone_problem(loc.time_zone)
        if zp:
            out.append(Issue(f"{here}.time_zone", zp))
        if loc.opening_hours is not None:
            hp = hours_problem(loc.opening_hours)
            if hp:
                out.append(Issue(f"{here}.opening_hours", hp))
        if loc.geo is not None and loc.geo.problem:
            out.append(Issue(f"{here}.geo", loc.geo.problem))
        for j, a in enumerate(loc.amenities):
            if a.quantity is not None and a.quantity < 0:
                out.append(Issue(f"{here}.amenities[{j}].quantity", Reason(P.NEGATIVE)))
    return zones


def _catalog_issues(catalog: Catalog, out: list[Issue]) -> None:
    _duplicates((s.id for s in catalog.sections), "$.catalog.sections", out)
    _duplicates((it.id for it in catalog.items), "$.catalog.items", out)
    section_ids = {s.id for s in catalog.sections}
    for i, s in enumerate(catalog.sections):
        _text(s.name, f"$.catalog.sections[{i}].name", out)
    for i, it in enumerate(catalog.items):
        here = f"$.catalog.items[{i}]"
        _text(it.name, f"{here}.name", out)
        if it.section_id not in section_ids:
            out.append(Issue(f"{here}.section_id", Reason(P.UNKNOWN_SECTION, section=it.section_id)))
        _price(it.price, f"{here}.price", out)
        # Rule: one currency per menu: a cart adds item prices, and USD plus CNY has no total.
        if it.price.currency != catalog.items[0].price.currency:
            out.append(Issue(f"{here}.price.currency", Reason(
                P.MENU_CURRENCY, menu=catalog.items[0].price.currency, got=it.price.currency)))
        if it.stock is not None and it.stock < 0:
            out.append(Issue(f"{here}.stock", Reason(P.NEGATIVE_STOCK)))
        if it.available_hours is not None:
            hp = hours_problem(it.available_hours)
            if hp:
                out.append(Issue(f"{here}.available_hours", hp))
        out.extend(add_on_issues(it.option_groups, it.price.currency, f"{here}."))


def add_on_issues(groups: Iterable[OptionGroup], currency: str, here: str = "") -> list[Issue]:
    """The rules of an item's add-ons (item price in ``currency``); paths start ``{here}option_groups``.
    Public for the menu CSV, which checks them with the rest of a row."""
    out: list[Issue] = []
    groups = tuple(groups)
    _duplicates((g.id for g in groups), f"{here}option_groups", out)
    for j, g in enumerate(groups):
        gp = f"{here}option_groups[{j}]"
        _duplicates((o.id for o in g.options), f"{gp}.options", out)
        # Rule: 0 <= min <= max <= number of options, else the group can never be satisfied.
        if g.min_choices < 0:
            out.append(Issue(f"{gp}.min_choices", Reason(P.NEGATIVE)))
        if g.max_choices < g.min_choices:
            out.append(Issue(f"{gp}.max_choices", Reason(P.MAX_BELOW_MIN)))
        if g.max_choices > len(g.options):
            out.append(Issue(f"{gp}.max_choices", Reason(P.MAX_ABOVE_OPTIONS, options=len(g.options))))
        for k, o in enumerate(g.options):
            _price(o.price, f"{gp}.options[{k}].price", out)
            if o.price.currency != currency:
                out.append(Issue(f"{gp}.options[{k}].price", Reason(P.OPTION_CURRENCY)))
    return out


def listing_issues(listing: Listing) -> list[Issue]:
    """Apply every rule of the listing; see each dataclass docstring for the rules."""
    out: list[Issue] = []
    zones = _provider_issues(listing, out)
    _catalog_issues(listing.catalog, out)

    _duplicates((r.id for r in listing.resources), "$.resources", out)
    for i, r in enumerate(listing.resources):
        here = f"$.resources[{i}]"
        _text(r.name, f"{here}.name", out)
        if r.location_id not in zones:
            out.append(Issue(f"{here}.location_id", Reason(P.UNKNOWN_LOCATION, location=r.location_id)))
        if r.capacity < 1:
            out.append(Issue(f"{here}.capacity", Reason(P.AT_LEAST_ONE)))
        if r.min_party < 1:
            out.append(Issue(f"{here}.min_party", Reason(P.AT_LEAST_ONE)))
        elif r.capacity >= 1 and r.min_party > r.capacity:
            out.append(Issue(f"{here}.min_party",
                             Reason(P.MIN_PARTY_ABOVE_CAPACITY, min_party=r.min_party, capacity=r.capacity)))
        if r.slot_minutes < 1:
            out.append(Issue(f"{here}.slot_minutes", Reason(P.AT_LEAST_ONE_MINUTE)))
        if r.lead_time.total_seconds() < 0:
            out.append(Issue(f"{here}.lead_time_minutes", Reason(P.NEGATIVE)))
        if r.free_cancel_hours < 0:
            out.append(Issue(f"{here}.free_cancel_hours", Reason(P.NEGATIVE)))
        if r.buffer.total_seconds() < 0:
            out.append(Issue(f"{here}.buffer_minutes", Reason(P.NEGATIVE)))
        _price(r.deposit, f"{here}.deposit", out)
        if r.booking_window is not None and r.booking_window.problem:
            out.append(Issue(f"{here}.booking_window", r.booking_window.problem))

    _duplicates((j.id for j in listing.jobs), "$.jobs", out)
    for i, job in enumerate(listing.jobs):
        here = f"$.jobs[{i}]"
        _text(job.title, f"{here}.title", out)
        if job.location_id is not None and job.location_id not in zones:
            out.append(Issue(f"{here}.location_id", Reason(P.UNKNOWN_LOCATION, location=job.location_id)))
        if job.openings < 1:
            out.append(Issue(f"{here}.openings", Reason(P.AT_LEAST_ONE)))

    _duplicates((o.id for o in listing.offers), "$.offers", out)
    for i, offer in enumerate(listing.offers):
        here = f"$.offers[{i}]"
        _text(offer.name, f"{here}.name", out)
        if offer.location_id is not None and offer.location_id not in zones:
            out.append(Issue(f"{here}.location_id", Reason(P.UNKNOWN_LOCATION, location=offer.location_id)))
        out.extend(Issue(f"{here}.{rel}", why) for rel, why in offer.problems())

    for i, path in enumerate(listing.provenance.illustrative):
        if not path.startswith("$"):
            out.append(Issue(f"$.provenance.illustrative[{i}]", Reason(P.NOT_A_JSON_PATH)))
    return out
