"""Menus as CSV, for editing in a spreadsheet.

One row per item (a row with an empty ``item_id`` declares a section with no items yet).
Columns, in this order (``COLUMNS``)::

    section_id, section_zh, section_en, item_id, name_zh, name_en, description_zh,
    description_en, price, currency, diet, spice, stock, available_hours, category, add_ons

- ``price``: decimal string ("12.50"); ``currency``: ISO 4217 ("USD").
- ``diet``: tags separated by ``;`` (``vegetarian;halal``); ``spice``: 0-4 or empty;
  ``stock``: whole number, empty = unlimited; ``available_hours``: OSM opening_hours string.
- ``add_ons``: option groups separated by `` | ``; a group is
  ``GROUP_ID[MIN-MAX] 中文名/English name: OPT_ID 中文/English PRICE; OPT_ID 中文/English PRICE``.
  Ids are letters, digits, ``_`` and ``-``; names may not contain ``| : ; /``; the option
  price is in the item's currency. Example:
  ``size[1-1] 份量/Size: small 小份/Small 0.00; large 大份/Large 3.00``.

Errors read ``menu.csv:LINE: column X: reason`` (``Issue(path="menu.csv:LINE", reason="column X: ...")``)
and all of them are reported at once.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from duijie.domain.catalog import Catalog, DietTag, Item, MenuSection, Option, OptionGroup, SpiceLevel
from duijie.domain.errors import DomainError, ErrorCode, Issue, ValidationFailed
from duijie.domain.hours import hours_problem
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.listing_rules import add_on_issues
from duijie.domain.money import Money
from duijie.domain.text import LocalText

COLUMNS = (
    "section_id", "section_zh", "section_en", "item_id", "name_zh", "name_en", "description_zh",
    "description_en", "price", "currency", "diet", "spice", "stock", "available_hours", "category", "add_ons",
)
_GROUP = re.compile(r"^\s*([\w-]+)\[(\d+)-(\d+)\]\s+([^:]*):(.*)$")
_OPTION = re.compile(r"^\s*([\w-]+)\s+(.*?)\s+(-?\d+(?:\.\d+)?)\s*$")
_RESERVED = re.compile(r"[|:;/]")


_WHOLE = re.compile(r"-?\d+")


def _text(zh: str, en: str) -> LocalText:
    return LocalText(zh or None, en or None)


class _Row:
    """Where the row being read is, recording ``menu.csv:LINE: column X: reason`` issues.

    One per file, moved from row to row: most rows are fine, so nothing is formatted for them.
    """

    __slots__ = ("issues", "line", "source")

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source = source
        self.line = 1
        self.issues = issues

    def fail(self, column: str, reason: Reason) -> None:
        self.issues.append(Issue(f"{self.source}:{self.line}", reason.in_column(column)))

    def int_or_none(self, column: str, raw: str, lo: int, hi: int | None = None) -> int | None:
        raw = raw.strip()
        if raw == "":
            return None
        if not _WHOLE.fullmatch(raw):
            self.fail(column, Reason(P.NOT_WHOLE_NUMBER, value=raw))
            return None
        value = int(raw)
        if value < lo or (hi is not None and value > hi):
            self.fail(column, Reason(P.OUT_OF_RANGE, value=value, low=lo, high="" if hi is None else hi))
            return None
        return value


@dataclass(frozen=True, slots=True)
class _AddOns:
    """An ``add_ons`` cell read in one currency: its groups, the reasons it cannot be read
    (``format``), and the listing's add-on rules it breaks (``rules``)."""

    groups: tuple[OptionGroup, ...]
    format: tuple[Reason, ...]
    rules: tuple[Reason, ...]


_NO_ADD_ONS = _AddOns((), (), ())


def _add_ons(raw: str, currency: str) -> _AddOns:
    if not raw or raw.isspace():
        return _NO_ADD_ONS
    groups: list[OptionGroup] = []
    problems: list[Reason] = []
    for part in (p for p in raw.split("|") if p.strip()):
        g = _GROUP.match(part)
        if not g:
            problems.append(Reason(P.ADD_ON_GROUP_FORMAT, group=part.strip()))
            continue
        options: list[Option] = []
        for opt in (o for o in g[5].split(";") if o.strip()):
            m = _OPTION.match(opt)
            if not m:
                problems.append(Reason(P.ADD_ON_OPTION_FORMAT, option=opt.strip()))
                continue
            try:
                options.append(Option(m[1], _names(m[2]), Money.parse(m[3], currency)))
            except DomainError as exc:
                problems.append(Reason.of(exc.message))
        groups.append(OptionGroup(g[1], _names(g[4]), int(g[2]), int(g[3]), tuple(options)))
    # The listing's add-on rules (a group that can never be satisfied, ...) are checked with the
    # row's other problems, not only later when the menu is saved.
    rules = tuple(Reason.of(i.reason).at(i.path) for i in add_on_issues(groups, currency))
    return _AddOns(tuple(groups), tuple(problems), rules)


def _names(raw: str) -> LocalText:
    zh, _, en = raw.strip().partition("/")
    return _text(zh.strip(), en.strip())


class _Menu:
    """What the rows of one file share: the sections and item ids so far, and the hours and
    add-ons cells already checked. A menu repeats those cells from row to row; each distinct one
    is read once per file, and its problems are still reported on every row that has it."""

    __slots__ = ("add_ons", "hours", "item_ids", "sections")

    def __init__(self) -> None:
        self.sections: dict[str, tuple[str, str]] = {}  # id -> its (zh, en) cells on its first line
        self.item_ids: set[str] = set()
        self.hours: dict[str, Reason | None] = {}
        self.add_ons: dict[tuple[str, str], _AddOns] = {}


def read_menu_csv(text: str, *, source: str = "menu.csv") -> Catalog:
    """Parse a menu CSV into a Catalog; raise ``ValidationFailed`` listing every bad cell.

    Cross-row rules: every row of a section repeats the same section names; item ids are
    unique. Linear in the number of rows (sets and dicts, hours and add-ons cells read once each).
    """
    issues: list[Issue] = []
    # Excel's "CSV UTF-8" starts with a byte-order mark, which would otherwise glue onto the
    # first column's name and make a correct header look wrong.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        expected = Reason(P.CSV_HEADER, columns=",".join(COLUMNS)).in_column("header")
        raise ValidationFailed([Issue(f"{source}:1", expected)])
    menu = _Menu()
    items: list[Item] = []
    row = _Row(source, issues)
    width = len(COLUMNS)
    line = reader.line_num + 1
    for values in reader:
        row.line = line
        line = reader.line_num + 1  # the next record starts after this one's last physical line
        if len(values) != width:
            if any(v.strip() for v in values):
                row.fail("*", Reason(P.CSV_COLUMN_COUNT, expected=width, got=len(values)))
            continue
        item = _item(row, values, menu)
        if item is not None:
            if items and item.price.currency != items[0].price.currency:
                row.fail("currency", Reason(P.MENU_CURRENCY_ROW, menu=items[0].price.currency,
                                                   got=item.price.currency))
            items.append(item)
    if issues:
        raise ValidationFailed(issues)
    sections = tuple(MenuSection(section_id, _text(*names)) for section_id, names in menu.sections.items())
    return Catalog(sections, tuple(items))


def _item(row: _Row, values: list[str], menu: _Menu) -> Item | None:
    (section_id, section_zh, section_en, item_id, name_zh, name_en, description_zh, description_en,
     price_cell, currency_cell, diet_cell, spice_cell, stock_cell, hours, category, add_ons_cell) = values
    section_id = section_id.strip()
    ok = bool(section_id)  # without it the row's item is still checked, cell by cell
    if not section_id:
        if not any(v.strip() for v in values):
            return None  # a blank line
        row.fail("section_id", Reason(P.EMPTY))
    else:
        if menu.sections.setdefault(section_id, (section_zh, section_en)) != (section_zh, section_en):
            row.fail("section_zh", Reason(P.SECTION_NAMES_DIFFER, section=section_id))
        if not (section_zh and section_zh.strip()) and not (section_en and section_en.strip()):
            row.fail("section_zh", Reason(P.SECTION_NAME_MISSING))
    item_id = item_id.strip()
    if not item_id:
        return None  # a section-only row
    if item_id in menu.item_ids:
        row.fail("item_id", Reason(P.DUPLICATE_ITEM_ID, id=item_id))
        ok = False
    menu.item_ids.add(item_id)
    name = _text(name_zh, name_en)
    if name.is_empty:
        row.fail("name_zh", Reason(P.ITEM_NAME_MISSING))
        ok = False
    price: Money | None = None
    try:
        price = Money.parse(price_cell, currency_cell.strip())
        if price.is_negative:
            row.fail("price", Reason(P.NEGATIVE))
            ok = False
    except DomainError as exc:
        reason = Reason.of(exc.message)
        row.fail("currency" if reason.code is P.NOT_A_CURRENCY else "price", reason)
        ok = False
    diet: list[DietTag] = []
    for cell in diet_cell.split(";") if diet_cell else ():  # most rows have no diet tag
        tag = cell.strip()
        if not tag:
            continue
        try:
            diet.append(DietTag(tag))
        except ValueError:
            row.fail("diet", Reason(P.UNKNOWN_DIET_TAG, tag=tag))
            ok = False
    spice = row.int_or_none("spice", spice_cell, 0, 4)
    stock = row.int_or_none("stock", stock_cell, 0)
    if hours:
        if hours not in menu.hours:
            menu.hours[hours] = hours_problem(hours)
        problem = menu.hours[hours]
        if problem:
            row.fail("available_hours", problem)
            ok = False
    # A bad price does not hide the add-ons' problems (their prices are read in a stand-in currency).
    currency = price.currency if price is not None else "USD"
    add_ons = menu.add_ons.get((add_ons_cell, currency))
    if add_ons is None:
        add_ons = menu.add_ons[add_ons_cell, currency] = _add_ons(add_ons_cell, currency)
    for reason in add_ons.format:
        row.fail("add_ons", reason)
    for reason in add_ons.rules:
        row.fail("add_ons", reason)
        ok = False
    if not ok or price is None:
        return None
    description = _text(description_zh, description_en)
    return Item(
        item_id, section_id, name, price, None if description.is_empty else description, add_ons.groups,
        tuple(diet), SpiceLevel(spice) if spice is not None else None, hours or None, stock, category or None,
    )


def _add_ons_out(item: Item) -> str:
    parts = []
    for g in item.option_groups:
        opts = "; ".join(f"{o.id} {o.name.zh or ''}/{o.name.en or ''} {o.price.to_wire()}" for o in g.options)
        parts.append(f"{g.id}[{g.min_choices}-{g.max_choices}] {g.name.zh or ''}/{g.name.en or ''}: {opts}")
    return " | ".join(parts)


def write_menu_csv(catalog: Catalog) -> str:
    """The catalog as CSV (header + one row per item; empty sections get a section-only row).

    Raises ``DomainError`` when a name holds a character the add_ons encoding reserves.
    """
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for section in catalog.sections:
        head = [section.id, section.name.zh or "", section.name.en or ""]
        rows = catalog.items_in(section.id)
        if not rows:
            w.writerow(head + [""] * (len(COLUMNS) - 3))
        for it in rows:
            for g in it.option_groups:
                for name in (g.name, *(o.name for o in g.options)):
                    if _RESERVED.search(name.both("")):
                        raise DomainError(ErrorCode.INVALID_VALUE, f"add-on name {name} uses | : ; /")
            d = it.description or LocalText()
            w.writerow(head + [
                it.id, it.name.zh or "", it.name.en or "", d.zh or "", d.en or "", it.price.to_wire(),
                it.price.currency, ";".join(t.value for t in it.diet),
                "" if it.spice is None else str(int(it.spice)), "" if it.stock is None else str(it.stock),
                it.available_hours or "", it.category or "", _add_ons_out(it),
            ])
    return out.getvalue()
