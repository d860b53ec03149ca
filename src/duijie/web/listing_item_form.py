"""The form of one menu item: names, price, diet, spice, stock, hours, and its add-on groups.

Add-on groups and their options are rows of numbered fields (``g0_id``, ``g0_o1_price``...):
every group the item has, then one empty group, each with its options and two empty option rows,
so a merchant adds a group or an option by filling an empty row and saving. A row left empty is
ignored; a row ticked "remove" is dropped. "Must choose at least 1" makes a choice required
(凉皮's heat level); 0 makes it optional.
"""

from __future__ import annotations

import re
from typing import Any

from duijie.domain.catalog import DietTag
from duijie.web.listing_form import Draft, FormValues, compact, text_values

DIETS = tuple(DietTag)
SPICES = (0, 1, 2, 3, 4)
_ROW = re.compile(r"g(\d+)_(?:o(\d+)_)?(?:id|name_zh|name_en|min|max|price|remove)")
_RESERVED = re.compile(r"[|:;/]")
_GROUP_FIELDS = ("id", "name_zh", "name_en", "min", "max")
_OPTION_FIELDS = ("id", "name_zh", "name_en", "price")


def item_values(item: dict[str, Any]) -> dict[str, str]:
    """The form's values for an item of the document."""
    values = {
        "id": item["id"], "section_id": item["section_id"], "price": item["price"]["amount"],
        "spice": str(item.get("spice", "")), "stock": str(item.get("stock", "")),
        "available_hours": item.get("available_hours", ""), "category": item.get("category", ""),
        **text_values("name", item["name"]), **text_values("description", item.get("description")),
    }
    for tag in item.get("diet", []):
        values[f"diet_{tag}"] = "on"
    for i, group in enumerate(item.get("option_groups", [])):
        values |= {f"g{i}_id": group["id"], f"g{i}_min": str(group["min_choices"]),
                   f"g{i}_max": str(group["max_choices"]), **text_values(f"g{i}_name", group["name"])}
        for j, option in enumerate(group["options"]):
            values |= {f"g{i}_o{j}_id": option["id"], f"g{i}_o{j}_price": option["price"]["amount"],
                       **text_values(f"g{i}_o{j}_name", option["name"])}
    return values


def _rows(values: FormValues) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for key in values:
        m = _ROW.fullmatch(key)
        if m:
            options = found.setdefault(int(m[1]), set())
            if m[2] is not None:
                options.add(int(m[2]))
    return found


def _blank(values: FormValues, prefix: str, names: tuple[str, ...]) -> bool:
    return not any((values.get(f"{prefix}{n}") or "").strip() for n in names)


def layout(values: FormValues) -> list[tuple[int, list[int]]]:
    """The group rows and their option rows to show: those in ``values``, an empty group after
    them, and two empty option rows in each group."""
    rows = _rows(values)
    groups = sorted(rows)
    next_group = (groups[-1] + 1) if groups else 0
    if not groups or not _blank(values, f"g{groups[-1]}_", _GROUP_FIELDS):
        groups.append(next_group)
    out: list[tuple[int, list[int]]] = []
    for i in groups:
        options = sorted(rows.get(i, set()))
        blanks = sum(1 for j in options if _blank(values, f"g{i}_o{j}_", _OPTION_FIELDS))
        top = (options[-1] + 1) if options else 0
        options += list(range(top, top + max(0, 2 - blanks)))
        out.append((i, options))
    return out


def read_item(d: Draft, *, item_id: str | None, currency: str, taken: set[str]) -> dict[str, Any]:
    """The item the form describes (``item_id`` None: a new item, whose id the form may give)."""
    _ = d._
    if item_id is None:
        d.at(".id", "id")
        item_id = d.ident("id", taken, suggest=d.raw("name_en") or "dish")
    else:
        d.at(".id", "name_zh")  # an existing item keeps its id: orders name it
    d.at(".section_id", "section_id")
    spice = d.whole(".spice", "spice")
    if spice is not None and spice > 4:
        d.fail("spice", _("must be 0 to 4"))
    hours = d.raw("available_hours")
    d.at(".available_hours", "available_hours")
    return compact({
        "id": item_id,
        "section_id": d.raw("section_id"),
        "name": d.text(".name", "name", required=True),
        "description": d.text(".description", "description"),
        "price": d.amount(".price", "price", currency, required=True),
        "option_groups": _groups(d, currency),
        "diet": [tag.value for tag in DIETS if d.values.get(f"diet_{tag.value}")],
        "spice": spice,
        "available_hours": hours or None,
        "stock": d.whole(".stock", "stock"),
        "category": d.raw("category") or None,
    })


def _groups(d: Draft, currency: str) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    group_ids: set[str] = set()
    rows = _rows(d.values)
    for i in sorted(rows):
        head = f"g{i}_"
        options = sorted(rows[i])
        if d.values.get(f"{head}remove") or (_blank(d.values, head, _GROUP_FIELDS) and all(
                _blank(d.values, f"{head}o{j}_", _OPTION_FIELDS) for j in options)):
            continue
        here = f".option_groups[{len(groups)}]"
        d.at(here, f"{head}id")
        group_id = d.ident(f"{head}id", group_ids, suggest=d.raw(f"{head}name_en") or "choice")
        group_ids.add(group_id)
        name = d.text(f"{here}.name", f"{head}name", required=True)
        _csv_safe(d, f"{head}name")
        low = d.whole(f"{here}.min_choices", f"{head}min", default=0)
        high = d.whole(f"{here}.max_choices", f"{head}max", default=1)
        groups.append({"id": group_id, "name": name, "min_choices": low, "max_choices": high,
                       "options": _options(d, i, options, here, currency)})
    return groups


def _options(d: Draft, i: int, rows: list[int], here: str, currency: str) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = []
    option_ids: set[str] = set()
    for j in rows:
        head = f"g{i}_o{j}_"
        if d.values.get(f"{head}remove") or _blank(d.values, head, _OPTION_FIELDS):
            continue
        there = f"{here}.options[{len(options)}]"
        d.at(there, f"{head}id")
        option_id = d.ident(f"{head}id", option_ids, suggest=d.raw(f"{head}name_en") or "option")
        option_ids.add(option_id)
        name = d.text(f"{there}.name", f"{head}name", required=True)
        _csv_safe(d, f"{head}name")
        price = d.amount(f"{there}.price", f"{head}price", currency, required=False)
        options.append({"id": option_id, "name": name, "price": price or {"amount": "0.00", "currency": currency}})
    return options



def _csv_safe(d: Draft, name: str) -> None:
    """Add-on names may not hold ``| : ; /``: the menu's CSV form writes its add-ons with them."""
    for lang in ("zh", "en"):
        if _RESERVED.search(d.raw(f"{name}_{lang}")):
            d.fail(f"{name}_{lang}", d._("may not hold | : ; or / (the menu's spreadsheet form uses them)"))
