"""云拼 pools: scattered demand gathered until it meets a producer's minimum batch.

An organizer opens a :class:`Pool` against a producer's offer (its tiers and minimum batch);
buyers pledge quantities until the deadline (or until the optional maximum is reached); then
the pool closes once, all or nothing: with the minimum met every pledge is allocated in full
at the one unit price of the best tier the total reached, otherwise every pledge is released.

The domain reads no clock: every rule that depends on time takes ``now`` (timezone-aware).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.money import Money
from duijie.domain.offers import PriceTier, ProducerOffer
from duijie.domain.pool_allocation import Allocation, allocate

__all__ = ["Allocation", "CloseOutcome", "Pledge", "Pool", "PoolError", "PoolProgress", "PoolRule",
           "PoolState", "PoolTerms", "quantity_problem"]

DIVISIBLE_UNITS = frozenset({"kg", "g", "lb", "oz", "l", "ml", "m"})
"""Units a buyer may pledge fractions of (1.5 kg of apples); any other unit (a case, a carton)
is pledged in whole units."""

QUANTITY_PLACES = 3
"""A fractional pledge has at most three decimal places (grams of a kilogram)."""


class PoolState(StrEnum):
    """OPEN takes pledges; CLOSING is claimed by one closer; the other three are final."""

    OPEN = "OPEN"
    CLOSING = "CLOSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class PoolRule(StrEnum):
    """The pool rules that can refuse a request; the error names the rule."""

    POOL_CLOSED = "pool_closed"
    BEYOND_MAXIMUM = "beyond_maximum"
    QUANTITY_NOT_POSITIVE = "quantity_not_positive"
    QUANTITY_NOT_DIVISIBLE = "quantity_not_divisible"
    TERMS_FROZEN = "terms_frozen"
    NOT_THE_PLEDGER = "not_the_pledger"
    PLEDGE_NOT_FOUND = "pledge_not_found"
    POOL_NOT_FOUND = "pool_not_found"
    INVALID_TERMS = "invalid_terms"
    NOT_DUE = "not_due"
    TERMS_NOT_VERIFIED = "terms_not_verified"
    NO_PROPOSAL = "no_proposal"


class PoolError(DomainError):
    """A pool rule refused the operation; ``rule`` names it."""

    def __init__(self, rule: PoolRule, message: str) -> None:
        missing = rule in (PoolRule.PLEDGE_NOT_FOUND, PoolRule.POOL_NOT_FOUND, PoolRule.NO_PROPOSAL)
        code = ErrorCode.NOT_FOUND if missing else ErrorCode.INVALID_VALUE
        super().__init__(code, f"{rule.value}: {message}")
        self.rule = rule


@dataclass(frozen=True, slots=True)
class PoolTerms:
    """What buyers pledge under: the producer's offer (tiers, minimum batch, unit), an optional
    maximum, the deadline and the pickup or delivery points. ``producer_id`` is the producer's
    subscriber id and ``provider_id`` its provider on that node."""

    offer: ProducerOffer
    producer_id: str
    provider_id: str
    deadline: datetime
    pickup_points: tuple[str, ...]
    maximum: Decimal | None = None

    def problems(self, now: datetime) -> list[tuple[str, str]]:
        """Rules: the offer is sound; the deadline is timezone-aware and in the future; at least
        one pickup point; a maximum, when given, is at least the offer's minimum batch."""
        out: list[tuple[str, str]] = [(f"offer.{path}", reason) for path, reason in self.offer.problems()]
        if self.deadline.tzinfo is None:
            out.append(("deadline", "must carry a time zone"))
        elif self.deadline <= now:
            out.append(("deadline", "must be in the future"))
        if not self.pickup_points or not all(p.strip() for p in self.pickup_points):
            out.append(("pickup_points", "at least one pickup or delivery point is required"))
        if self.maximum is not None and self.maximum < self.offer.minimum_batch:
            out.append(("maximum", f"must be at least the minimum batch ({self.offer.minimum_batch})"))
        return out


def quantity_problem(quantity: Decimal, unit: str) -> tuple[PoolRule, str] | None:
    """Rule: a pledge is positive, finite, and whole unless its unit is divisible (then at most
    :data:`QUANTITY_PLACES` decimal places)."""
    if not quantity.is_finite() or quantity <= 0:
        return PoolRule.QUANTITY_NOT_POSITIVE, f"quantity must be more than 0, got {quantity}"
    places = -quantity.normalize().as_tuple().exponent  # type: ignore[operator]
    if unit.lower() not in DIVISIBLE_UNITS and places > 0:
        return PoolRule.QUANTITY_NOT_DIVISIBLE, f"a {unit} is pledged in whole units, got {quantity}"
    if places > QUANTITY_PLACES:
        return PoolRule.QUANTITY_NOT_DIVISIBLE, f"at most {QUANTITY_PLACES} decimal places, got {quantity}"
    return None


@dataclass(frozen=True, slots=True)
class Pledge:
    """One buyer's commitment: ``buyer_id`` is the authenticated subscriber that made it."""

    id: str
    buyer_id: str
    quantity: Decimal
    pledged_at: datetime


@dataclass(frozen=True, slots=True)
class PoolProgress:
    """What anyone may read about a pool at ``now``."""

    state: PoolState
    pledged: Decimal
    buyers: int
    tier: PriceTier | None  # None until the total reaches the first tier
    unit_price: Money | None
    to_next_tier: Decimal | None  # None at the best tier
    to_minimum: Decimal
    remaining: Decimal | None  # up to the maximum; None without one
    time_left: timedelta


@dataclass(frozen=True, slots=True)
class CloseOutcome:
    """A close: SUCCEEDED with allocations at one ``unit_price``, or FAILED with none."""

    state: PoolState
    total: Decimal
    unit_price: Money | None
    batch_total: Money | None
    allocations: tuple[Allocation, ...]


@dataclass(frozen=True, slots=True)
class Pool:
    """A pool and its pledges. ``terms_version`` counts the changes of terms: each pledger
    consented to the version under which it pledged (or re-consented)."""

    id: str
    organizer_id: str
    terms: PoolTerms
    opened_at: datetime
    state: PoolState = PoolState.OPEN
    pledges: tuple[Pledge, ...] = ()
    terms_version: int = 1
    #: What pledges not loaded add up to: a pool read for one pledge's sake (a new pledge, a
    #: change, a withdrawal) carries only that pledge and the rest's sum, so taking the 2,000th
    #: pledge does not read the 1,999 before it. Rules that need every pledge (progress's buyer
    #: count, the close) are given a pool read whole (``prior`` 0).
    prior: Decimal = Decimal(0)

    @classmethod
    def open(cls, pool_id: str, organizer_id: str, terms: PoolTerms, now: datetime) -> Pool:
        """Rule: a pool opens only on sound terms (see :meth:`PoolTerms.problems`)."""
        problems = terms.problems(now)
        if problems:
            raise PoolError(PoolRule.INVALID_TERMS, "; ".join(f"{p}: {r}" for p, r in problems))
        return cls(pool_id, organizer_id, terms, now)

    @property
    def total(self) -> Decimal:
        """The quantity pledged so far."""
        return sum((p.quantity for p in self.pledges), self.prior)

    @property
    def pledgers(self) -> frozenset[str]:
        """The buyers with a pledge loaded (every pledger of a pool read whole)."""
        return frozenset(p.buyer_id for p in self.pledges)

    def consented(self, accepted: frozenset[str]) -> bool:
        """Rule: a change of terms takes effect only once every pledger has accepted it (a pool
        without pledges needs nobody's consent). Needs the pool read whole."""
        if self.prior:
            raise ValueError("consent is judged with every pledge loaded")
        return self.pledgers <= accepted

    def tier_reached(self, quantity: Decimal | None = None) -> PriceTier | None:
        """The best tier ``quantity`` (default: the total) reaches; tiers start at whole units,
        so the whole part of a fractional total decides."""
        q = self.total if quantity is None else quantity
        reached = [t for t in self.terms.offer.tiers if t.min_quantity <= q]
        return reached[-1] if reached else None

    def progress(self, now: datetime) -> PoolProgress:
        """Pledged total, buyers, current tier and price, what is missing to the next tier and
        to the minimum, what is left up to the maximum, and the time left (never negative)."""
        total = self.total
        tier = self.tier_reached(total)
        above = [t for t in self.terms.offer.tiers if t.min_quantity > total]
        maximum = self.terms.maximum
        return PoolProgress(
            state=self.state,
            pledged=total,
            buyers=len({p.buyer_id for p in self.pledges}),
            tier=tier,
            unit_price=tier.unit_price if tier else None,
            to_next_tier=(above[0].min_quantity - total) if above else None,
            to_minimum=max(Decimal(self.terms.offer.minimum_batch) - total, Decimal(0)),
            remaining=(maximum - total) if maximum is not None else None,
            time_left=max(self.terms.deadline - now, timedelta(0)),
        )

    def _require_open(self, now: datetime) -> None:
        if self.state is not PoolState.OPEN or now >= self.terms.deadline:
            raise PoolError(PoolRule.POOL_CLOSED, f"pool {self.id} is closed ({self.state.value})")

    def _check_quantity(self, quantity: Decimal, others: Decimal) -> None:
        problem = quantity_problem(quantity, self.terms.offer.unit)
        if problem is not None:
            raise PoolError(*problem)
        maximum = self.terms.maximum
        if maximum is not None and others + quantity > maximum:
            raise PoolError(PoolRule.BEYOND_MAXIMUM,
                            f"{quantity} exceeds the {maximum - others} {self.terms.offer.unit} left under the maximum")

    def pledge(self, pledge_id: str, buyer_id: str, quantity: Decimal, now: datetime) -> Pool:
        """Rule: a pledge is taken only while the pool is open and before its deadline, for a
        valid quantity (:func:`quantity_problem`) that fits under the maximum."""
        self._require_open(now)
        self._check_quantity(quantity, self.total)
        return replace(self, pledges=(*self.pledges, Pledge(pledge_id, buyer_id, quantity, now)))

    def _own(self, pledge_id: str, buyer_id: str) -> Pledge:
        for p in self.pledges:
            if p.id == pledge_id:
                if p.buyer_id != buyer_id:
                    raise PoolError(PoolRule.NOT_THE_PLEDGER, f"pledge {pledge_id} belongs to another buyer")
                return p
        raise PoolError(PoolRule.PLEDGE_NOT_FOUND, f"no pledge {pledge_id} in pool {self.id}")

    def change(self, pledge_id: str, buyer_id: str, quantity: Decimal, now: datetime) -> Pool:
        """Rule: only the pledge's own buyer changes it, while the pool is open; the new
        quantity obeys the pledge rules."""
        self._require_open(now)
        old = self._own(pledge_id, buyer_id)
        self._check_quantity(quantity, self.total - old.quantity)
        return replace(self, pledges=tuple(replace(p, quantity=quantity) if p.id == pledge_id else p
                                           for p in self.pledges))

    def withdraw(self, pledge_id: str, buyer_id: str, now: datetime) -> Pool:
        """Rule: only the pledge's own buyer withdraws it, while the pool is open."""
        self._require_open(now)
        self._own(pledge_id, buyer_id)
        return replace(self, pledges=tuple(p for p in self.pledges if p.id != pledge_id))

    def amend(self, terms: PoolTerms, consents: frozenset[str], now: datetime) -> Pool:
        """Rule: terms cannot change under the buyers: after the first pledge, only with every
        pledger's re-consent (``consents``: buyer ids); the new terms must be sound and hold
        the pledges already made."""
        self._require_open(now)
        missing = sorted({p.buyer_id for p in self.pledges} - consents)
        if missing:
            raise PoolError(PoolRule.TERMS_FROZEN,
                            f"terms are frozen after pledges; no consent from {', '.join(missing)}")
        problems = terms.problems(now)
        if terms.maximum is not None and terms.maximum < self.total:
            problems.append(("maximum", f"below the {self.total} already pledged"))
        if problems:
            raise PoolError(PoolRule.INVALID_TERMS, "; ".join(f"{p}: {r}" for p, r in problems))
        return replace(self, terms=terms, terms_version=self.terms_version + 1)

    def cancel(self) -> Pool:
        """Rule: the organizer may cancel an open pool; every pledge is released."""
        if self.state is not PoolState.OPEN:
            raise PoolError(PoolRule.POOL_CLOSED, f"pool {self.id} is {self.state.value}")
        return replace(self, state=PoolState.CANCELLED)

    def is_due(self, now: datetime) -> bool:
        """Rule: an open pool falls due at its deadline, or as soon as the maximum is reached."""
        if self.state is not PoolState.OPEN:
            return False
        maximum = self.terms.maximum
        return now >= self.terms.deadline or (maximum is not None and self.total >= maximum)

    def settle(self) -> CloseOutcome:
        """Rule, all or nothing: with the minimum batch met every pledge is allocated in full at
        the unit price of the best tier the total reached (the same for all); otherwise every
        pledge is released. Money is rounded as :func:`duijie.domain.pool_allocation.allocate` says.
        Pure: the same pledges always settle the same way (a closed pool's allocations are re-read so).
        """
        total = self.total
        tier = self.tier_reached(total)
        if total < self.terms.offer.minimum_batch or tier is None:
            return CloseOutcome(PoolState.FAILED, total, None, None, ())
        batch_total, allocations = allocate(self.pledges, tier.unit_price)
        return CloseOutcome(PoolState.SUCCEEDED, total, tier.unit_price, batch_total, allocations)

    def close(self) -> tuple[Pool, CloseOutcome]:
        """Rule: a pool closes once, from OPEN (or CLOSING, claimed by the storage's closer), into
        SUCCEEDED or FAILED as :meth:`settle` decides."""
        if self.state not in (PoolState.OPEN, PoolState.CLOSING):
            raise PoolError(PoolRule.POOL_CLOSED, f"pool {self.id} is already {self.state.value}")
        if self.prior:
            raise ValueError("a pool is closed with every pledge loaded")
        outcome = self.settle()
        return replace(self, state=outcome.state), outcome
