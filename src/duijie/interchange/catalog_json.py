"""The ``catalog`` part of the listing document (sections, items, add-ons)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from duijie.domain.catalog import Catalog, DietTag, Item, MenuSection, Option, OptionGroup, SpiceLevel
from duijie.domain.currencies import is_currency
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.money import Money
from duijie.domain.text import LocalText
from duijie.interchange.reader import Reader
from duijie.interchange.wire import compact, money_out, text_out

_ITEM_KEYS = {"id", "section_id", "name", "description", "price", "option_groups", "diet", "spice",
              "available_hours", "stock", "category"}


def catalog_out(c: Catalog) -> dict[str, Any]:
    """Catalog as a document object; sections and items are always present."""
    return {
        "sections": [{"id": s.id, "name": text_out(s.name)} for s in c.sections],
        "items": [item_out(i) for i in c.items],
    }


def item_out(i: Item) -> dict[str, Any]:
    """One item as a document object."""
    return compact({
        "id": i.id,
        "section_id": i.section_id,
        "name": text_out(i.name),
        "description": text_out(i.description),
        "price": money_out(i.price),
        "option_groups": [group_out(g) for g in i.option_groups],
        "diet": [d.value for d in i.diet],
        "spice": int(i.spice) if i.spice is not None else None,
        "available_hours": i.available_hours,
        "stock": i.stock,
        "category": i.category,
    })


def group_out(g: OptionGroup) -> dict[str, Any]:
    """One option group as a document object."""
    return {
        "id": g.id,
        "name": text_out(g.name),
        "min_choices": g.min_choices,
        "max_choices": g.max_choices,
        "options": [{"id": o.id, "name": text_out(o.name), "price": money_out(o.price)} for o in g.options],
    }


def catalog_in(r: Reader, raw: Any, path: str) -> Catalog:
    """Read the catalog object, recording every problem in ``r``.

    Every element that is there is kept, a bad field replaced by a placeholder (recorded, so the
    listing's rules skip it): the rules about the rest of the element, and the paths of the
    elements after it, stay right in the same pass.
    """
    obj = r.fields(raw, path)
    r.unknown_keys(obj, {"sections", "items"}, path)
    sections = r.items(obj, "sections", path, lambda v, p: _section_in(r, v, p))
    currency = _menu_currency(obj.get("items"))
    items = r.items(obj, "items", path, lambda v, p: _item_in(r, v, p, currency))
    return Catalog(sections, items)


def _menu_currency(raw: Any) -> str:
    """The first valid currency the items name: the placeholder price of a bad item is in it, so
    the one-currency rule does not also flag the items after it."""
    for item in raw if isinstance(raw, list) else []:
        price = item.get("price") if isinstance(item, dict) else None
        code = price.get("currency") if isinstance(price, dict) else None
        if isinstance(code, str) and is_currency(code):
            return code
    return "USD"


def _section_in(r: Reader, raw: Any, path: str) -> MenuSection:
    obj = r.fields(raw, path)
    r.unknown_keys(obj, {"id", "name"}, path)
    ident = r.get(obj, "id", path, str)
    name = r.text(obj, "name", path)
    return MenuSection(ident or "", name or LocalText())


def _item_in(r: Reader, raw: Any, path: str, currency: str) -> Item:
    obj = r.fields(raw, path)
    r.unknown_keys(obj, _ITEM_KEYS, path)
    ident = r.get(obj, "id", path, str)
    section_id = r.get(obj, "section_id", path, str)
    name = r.text(obj, "name", path)
    description = r.text(obj, "description", path, required=False)
    price = r.money(obj, "price", path) or Money(Decimal(0), currency)
    groups = r.items(obj, "option_groups", path, lambda v, p: _group_in(r, v, p, price.currency), required=False)
    diet = tuple(
        d for d in (r.enum({"v": v}, "v", f"{path}.diet[{n}]", DietTag) for n, v in
                    enumerate(r.get(obj, "diet", path, list, required=False) or []))
        if d is not None
    )
    spice_raw = r.get(obj, "spice", path, int, required=False)
    spice: SpiceLevel | None = None
    if spice_raw is not None:
        try:
            spice = SpiceLevel(spice_raw)
        except ValueError:
            r.fail(f"{path}.spice", Reason(P.SPICE_RANGE))
    hours = r.get(obj, "available_hours", path, str, required=False)
    stock = r.get(obj, "stock", path, int, required=False)
    category = r.get(obj, "category", path, str, required=False)
    return Item(ident or "", section_id or "", name or LocalText(), price, description, groups, diet, spice, hours,
                stock, category)


def _group_in(r: Reader, raw: Any, path: str, currency: str) -> OptionGroup:
    obj = r.fields(raw, path)
    r.unknown_keys(obj, {"id", "name", "min_choices", "max_choices", "options"}, path)
    ident = r.get(obj, "id", path, str)
    name = r.text(obj, "name", path)
    lo = r.get(obj, "min_choices", path, int)
    hi = r.get(obj, "max_choices", path, int)
    options = r.items(obj, "options", path, lambda v, p: _option_in(r, v, p, currency))
    lo = 0 if lo is None else lo
    return OptionGroup(ident or "", name or LocalText(), lo, max(lo, len(options)) if hi is None else hi, options)


def _option_in(r: Reader, raw: Any, path: str, currency: str) -> Option:
    obj = r.fields(raw, path)
    r.unknown_keys(obj, {"id", "name", "price"}, path)
    ident = r.get(obj, "id", path, str)
    name = r.text(obj, "name", path)
    price = r.money(obj, "price", path) or Money(Decimal(0), currency)
    return Option(ident or "", name or LocalText(), price)
