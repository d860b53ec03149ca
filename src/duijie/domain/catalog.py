"""The catalog: menu sections and items with prices, add-ons, diet and stock."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from duijie.domain.money import Money
from duijie.domain.text import LocalText


class DietTag(StrEnum):
    """Diet suitability claims; map onto schema.org RestrictedDiet where one exists."""

    VEGETARIAN = "vegetarian"
    VEGAN = "vegan"
    HALAL = "halal"
    KOSHER = "kosher"
    GLUTEN_FREE = "gluten_free"
    LOW_SALT = "low_salt"
    CONTAINS_PEANUTS = "contains_peanuts"


class SpiceLevel(IntEnum):
    """How hot a dish is, 0 (not spicy) to 4 (very hot)."""

    NONE = 0
    MILD = 1
    MEDIUM = 2
    HOT = 3
    VERY_HOT = 4


@dataclass(frozen=True, slots=True)
class Option:
    """One choice inside an option group; ``price`` is added to the item price."""

    id: str
    name: LocalText
    price: Money


@dataclass(frozen=True, slots=True)
class OptionGroup:
    """Add-ons a buyer picks from. Rule: 0 <= min_choices <= max_choices <= len(options)."""

    id: str
    name: LocalText
    min_choices: int
    max_choices: int
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class MenuSection:
    """A heading of the menu (e.g. 陕西名吃 / Shaanxi specialities)."""

    id: str
    name: LocalText


@dataclass(frozen=True, slots=True)
class Item:
    """Something sold from the catalog.

    ``available_hours`` (OSM string, location time zone) limits when it can be ordered,
    ``stock`` None means unlimited, ``category`` is a free search facet ("noodles").
    """

    id: str
    section_id: str
    name: LocalText
    price: Money
    description: LocalText | None = None
    option_groups: tuple[OptionGroup, ...] = ()
    diet: tuple[DietTag, ...] = ()
    spice: SpiceLevel | None = None
    available_hours: str | None = None
    stock: int | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    """Sections and items, in the merchant's order."""

    sections: tuple[MenuSection, ...] = ()
    items: tuple[Item, ...] = ()

    def item(self, item_id: str) -> Item | None:
        """The item with ``item_id``, or None."""
        return next((i for i in self.items if i.id == item_id), None)

    def section(self, section_id: str) -> MenuSection | None:
        """The section with ``section_id``, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    def items_in(self, section_id: str) -> tuple[Item, ...]:
        """Items of one section, in order."""
        return tuple(i for i in self.items if i.section_id == section_id)
