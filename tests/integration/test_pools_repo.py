"""Pools, pledges and the close schedule on SQLite and PostgreSQL: closed exactly once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

import duijie.demo
from duijie.domain.money import Money
from duijie.domain.offers import PriceTier, ProducerOffer
from duijie.domain.pools import CloseOutcome, Pool, PoolError, PoolRule, PoolState, PoolTerms
from duijie.domain.text import LocalText
from duijie.services.trade.catalog import CatalogService
from duijie.services.trade.pool.closing import PoolCloser
from duijie.services.trade.pool.pools import PledgeRequest, PoolService
from duijie.services.trade.pool.ports import Member, PoolUnitOfWork
from duijie.storage.engine import make_engine
from duijie.storage.uow import SqlUnitOfWorkFactory

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
APPLES = ProducerOffer(
    id="apples", name=LocalText("富士苹果", "Fuji apples"), unit="kg",
    tiers=(PriceTier(1, Money(Decimal("3.00"), "USD")), PriceTier(100, Money(Decimal("2.60"), "USD")),
           PriceTier(500, Money(Decimal("2.20"), "USD"))),
    minimum_batch=200,
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


def terms(maximum: str | None = None, minutes: int = 60) -> PoolTerms:
    return PoolTerms(APPLES, "farm.example", "farm", T0 + timedelta(minutes=minutes), ("hall",),
                     Decimal(maximum) if maximum else None)


def host_organizer(engine: Engine) -> None:
    """The organizer's node hosts a provider (the farm's demo listing will do) to list pools under."""
    path = Path(duijie.demo.__file__).parent / "data" / "farm.json"
    CatalogService(SqlUnitOfWorkFactory(engine), Clock(T0)).import_document(json.loads(path.read_text()))


def request(buyer: str, quantity: str) -> PledgeRequest:
    return PledgeRequest(buyer, f"http://{buyer}/beckn", f"tx-{buyer}", Decimal(quantity))


async def test_a_pool_and_its_pledges_round_trip(engine: Engine) -> None:
    host_organizer(engine)
    clock = Clock(T0)
    service = PoolService(SqlUnitOfWorkFactory(engine), clock, "organizer.example")
    pool = await service.open(terms(maximum="300"), "http://farm/beckn", "pool-a")
    await service.pledge("pool-a", request("b1", "120.5"))
    again = await service.pledge("pool-a", request("b1", "999"))  # a retried confirm: same pledge
    assert again[1].quantity == Decimal("120.5")
    stored = await service.get("pool-a")
    assert stored.pool.terms == pool.terms and stored.producer_uri == "http://farm/beckn"
    assert [(p.buyer_id, p.quantity) for p in stored.pool.pledges] == [("b1", Decimal("120.5"))]
    assert stored.pool.pledges[0].pledged_at == T0
    with pytest.raises(PoolError) as exc:
        await service.pledge("pool-a", request("b2", "180"))
    assert exc.value.rule is PoolRule.BEYOND_MAXIMUM
    assert len((await service.get("pool-a")).pool.pledges) == 1  # nothing written
    with pytest.raises(PoolError) as exc:
        await service.pledge("pool-x", request("b2", "1"))
    assert exc.value.rule is PoolRule.POOL_NOT_FOUND


async def test_the_schedule_holds_deadline_and_maximum(engine: Engine) -> None:
    host_organizer(engine)
    clock = Clock(T0)
    uow = SqlUnitOfWorkFactory(engine)
    service = PoolService(uow, clock, "o")
    await service.open(terms(maximum="250"), "http://farm/beckn", "full")
    await service.open(terms(), "http://farm/beckn", "late")
    with uow(read_only=True) as u:
        assert u.pools.due(T0) == []
    await service.pledge("full", request("b1", "250"))  # the maximum: due at once
    with uow(read_only=True) as u:
        assert u.pools.due(T0) == ["full"]
        assert set(u.pools.due(T0 + timedelta(hours=1))) == {"full", "late"}


async def test_close_succeeds_at_the_tier_and_is_not_repeated(engine: Engine) -> None:
    host_organizer(engine)
    clock = Clock(T0)
    uow = SqlUnitOfWorkFactory(engine)
    service = PoolService(uow, clock, "o")
    await service.open(terms(), "http://farm/beckn", "p")
    for buyer, qty in (("b1", "80"), ("b2", "70"), ("b3", "50")):
        await service.pledge("p", request(buyer, qty))
    told: list[tuple[str, int]] = []

    def notify(u: PoolUnitOfWork, pool: Pool, outcome: CloseOutcome, members: list[Member]) -> None:
        told.append((outcome.state.value, len(members)))

    closer = PoolCloser(uow, clock, notify)
    assert await closer.run_once() == 0  # not yet due
    clock.at = T0 + timedelta(hours=1)
    assert await closer.run_once() == 1
    assert await closer.run_once() == 0
    stored = await service.get("p")
    assert stored.pool.state is PoolState.SUCCEEDED and told == [("SUCCEEDED", 3)]
    assert stored.outcome is not None and stored.outcome["unit_price"] == "2.60"
    assert sum(Decimal(a["quantity"]) for a in stored.outcome["allocations"]) == 200


async def test_close_below_the_minimum_releases_everyone(engine: Engine) -> None:
    host_organizer(engine)
    clock = Clock(T0)
    uow = SqlUnitOfWorkFactory(engine)
    service = PoolService(uow, clock, "o")
    await service.open(terms(), "http://farm/beckn", "p")
    await service.pledge("p", request("b1", "199"))
    told: list[str] = []
    closer = PoolCloser(uow, clock, lambda u, pool, outcome, members: told.extend(m.buyer_id for m in members))
    clock.at = T0 + timedelta(hours=2)
    await closer.run_once()
    assert (await service.get("p")).pool.state is PoolState.FAILED and told == ["b1"]


async def test_two_closers_on_one_database_close_each_pool_once(engine: Engine) -> None:
    """Two processes' closers (two engines, as two `duijie serve` would have) race over 12 due pools."""
    host_organizer(engine)
    clock = Clock(T0)
    service = PoolService(SqlUnitOfWorkFactory(engine), clock, "o")
    ids = [f"p{i}" for i in range(12)]
    for pool_id in ids:
        await service.open(terms(minutes=1), "http://farm/beckn", pool_id)
        await service.pledge(pool_id, request(f"b-{pool_id}", "200"))
    clock.at = T0 + timedelta(minutes=5)
    other = make_engine(engine.url.render_as_string(hide_password=False))
    notified: list[str] = []
    lock = threading.Lock()

    def notify(u: PoolUnitOfWork, pool: Pool, outcome: CloseOutcome, members: list[Member]) -> None:
        with lock:
            notified.append(pool.id)

    closers = [PoolCloser(SqlUnitOfWorkFactory(e), clock, notify) for e in (engine, other)]
    start = threading.Barrier(2)

    def race(closer: PoolCloser) -> None:
        start.wait()
        for pool_id in ids:  # both try every pool, in the same order: maximal contention
            closer.close_one(pool_id)

    threads = [threading.Thread(target=race, args=(c,)) for c in closers]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        other.dispose()
    assert sorted(notified) == sorted(ids)
    assert sum(c.closed for c in closers) == len(ids)
    assert all(p.pool.state is PoolState.SUCCEEDED for p in await service.list())


async def test_a_closer_that_dies_before_its_commit_leaves_the_pool_due(engine: Engine) -> None:
    host_organizer(engine)
    clock = Clock(T0 + timedelta(hours=2))
    uow = SqlUnitOfWorkFactory(engine)
    await PoolService(uow, Clock(T0), "o").open(terms(), "http://farm/beckn", "p")

    def crash(u: PoolUnitOfWork, pool: Pool, outcome: CloseOutcome, members: list[Member]) -> None:
        raise RuntimeError("killed mid-close")

    with pytest.raises(RuntimeError):
        PoolCloser(uow, clock, crash).close_one("p")
    with uow(read_only=True) as u:
        assert u.pools.due(clock.now()) == ["p"]
    assert PoolCloser(uow, clock).close_one("p") is not None  # after the restart


async def test_a_pool_against_a_signed_offer_that_does_not_verify_is_refused_and_nothing_is_written(
        engine: Engine) -> None:
    from duijie.interchange.listing_json import listing_from_document
    from duijie.protocol.keys import SigningKey
    from duijie.protocol.provenance import sign_offer
    from duijie.services.errors import Conflict

    host_organizer(engine)
    farm = listing_from_document(json.loads((Path(duijie.demo.__file__).parent / "data" / "farm.json").read_text()))
    signed = sign_offer(farm.offers[0], producer_id="farm.example", provider_id=farm.id, key=SigningKey.generate(),
                        unique_key_id="k1", signed_at=T0)
    service = PoolService(SqlUnitOfWorkFactory(engine), Clock(T0), "o")
    altered = json.loads(json.dumps(signed))
    altered["statement"]["offer"]["minimum_batch"] = 20
    with pytest.raises(Conflict, match="offer_not_verified"):
        await service.open(terms(), "http://farm/beckn", "pool-altered", signed_offer=altered)
    with pytest.raises(Conflict, match="offer_not_verified: no key source confirms"):  # a key nobody vouches for
        await service.open(terms(), "http://farm/beckn", "pool-unknown-key", signed_offer=signed)
    assert await service.list() == []


async def test_one_process_places_the_batch_order_and_a_dead_placers_claim_is_taken_over(engine: Engine) -> None:
    """Two closers (two engines, as two `duijie serve` would have) both see the pending batch:
    one places it; a claim older than the lease (its process died mid-order) is taken over."""
    host_organizer(engine)
    clock = Clock(T0)
    uow = SqlUnitOfWorkFactory(engine)
    service = PoolService(uow, clock, "o")
    await service.open(terms(minutes=1), "http://farm/beckn", "p")
    await service.pledge("p", request("b1", "200"))
    clock.at = T0 + timedelta(minutes=5)
    placed: list[str] = []

    async def place(stored: Any) -> str:
        placed.append(stored.pool.id)
        return "confirmed"

    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        closers = [PoolCloser(SqlUnitOfWorkFactory(e), clock, place_batch=place) for e in (engine, other)]
        assert closers[0].close_one("p") is not None
        assert closers[0].claim_batch("p") and not closers[1].claim_batch("p")  # held by the first
        clock.at += timedelta(minutes=3)  # the first died: its claim is stale, the second takes over
        assert closers[1].claim_batch("p") and not closers[0].claim_batch("p")
        closers[1].batch_answered("p", "confirmed")
        assert await closers[0].run_once() == 0 and await closers[1].run_once() == 0
    finally:
        other.dispose()
    assert placed == [] and (await service.get("p")).batch_state == "confirmed"

    await service.open(terms(minutes=10), "http://farm/beckn", "q")
    await service.pledge("q", request("b2", "250"))
    clock.at += timedelta(minutes=10)
    closer = PoolCloser(uow, clock, place_batch=place)
    assert await closer.run_once() == 1 and await closer.run_once() == 0
    assert placed == ["q"] and (await service.get("q")).batch_state == "confirmed"
