"""The pledger's rules of re-consent and of pledging (services/trade/pool: answers, buying), with a
fake buyer role and a fake terms check: only pending proposals are answered, accepting checks the
organizer's signed terms (by the node holding the pledge, and of the proposal's version) and
declining commits to nothing; a pledge checks the terms as signed by the node that answered."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from duijie.domain.pools import PoolError, PoolRule
from duijie.protocol.pool_terms import TermsCheck
from duijie.services.errors import Conflict
from duijie.services.trade.kinds import AnswerChecked
from duijie.services.trade.pool.answers import answer_proposal, pending_proposal
from duijie.services.trade.pool.buying import PledgeOrder, PoolPledge

SIGNED = {"statement": {"format": "duijie.pool/1"}, "signature": {"subscriber_id": "club.test"}}


def held(state: str = "proposed", version: str = "2") -> dict[str, Any]:
    proposal = {"descriptor": {"code": "duijie.pool.proposal"}, "list": [
        {"descriptor": {"code": k}, "value": v} for k, v in
        {"pool_id": "pool-1", "terms_version": version, "state": state, "minimum_batch": "150"}.items()]}
    terms = {"descriptor": {"code": "duijie.pool.terms"}, "list": [
        {"descriptor": {"code": "signed_terms"}, "value": '{"statement": {"format": "duijie.pool/1"}, '
                                                          '"signature": {"subscriber_id": "club.test"}}'}]}
    return {"order_id": "PL-1", "bpp_id": "club.test", "order": {"id": "PL-1", "tags": [proposal, terms]}}


class FakeBuyer:
    def __init__(self, purchase: dict[str, Any]) -> None:
        self.held = purchase
        self.updates: list[tuple[str, str, dict[str, Any]]] = []

    def purchase(self, order_id: str) -> dict[str, Any]:
        return self.held

    async def update(self, order_id: str, update_target: str, order: dict[str, Any]) -> dict[str, Any]:
        self.updates.append((order_id, update_target, order))
        return {}


class FakeVerify:
    def __init__(self, version: int | None = 2, refuse: bool = False) -> None:
        self.version, self.refuse = version, refuse
        self.calls: list[tuple[Any, str, str | None]] = []

    def __call__(self, doc: Any, pool_id: str, organizer_id: str | None) -> TermsCheck:
        self.calls.append((doc, pool_id, organizer_id))
        if self.refuse:
            raise PoolError(PoolRule.TERMS_NOT_VERIFIED, "bad signature")
        return TermsCheck(pool_id, organizer_id, self.version, None, None)


def consent_answer(order: dict[str, Any]) -> str | None:
    group = next(t for t in order["tags"] if t["descriptor"]["code"] == "duijie.pool.consent")
    return {e["descriptor"]["code"]: e["value"] for e in group["list"]}.get("answer")


def test_accepting_checks_the_signed_terms_by_the_pledges_node_then_answers_over_beckn() -> None:
    buyer, verify = FakeBuyer(held()), FakeVerify()
    answer = asyncio.run(answer_proposal(buyer, verify, "PL-1", True))
    assert verify.calls == [(SIGNED, "pool-1", "club.test")]
    assert answer.accept and answer.proposal.terms_version == 2 and answer.proposal.entries["minimum_batch"] == "150"
    [(order_id, target, order)] = buyer.updates
    assert order_id == "PL-1" and target == "terms" and consent_answer(order) == "accept"


def test_accepting_terms_that_do_not_verify_sends_nothing() -> None:
    buyer = FakeBuyer(held())
    with pytest.raises(PoolError) as refused:
        asyncio.run(answer_proposal(buyer, FakeVerify(refuse=True), "PL-1", True))
    assert refused.value.rule is PoolRule.TERMS_NOT_VERIFIED and buyer.updates == []


def test_accepting_signed_terms_of_another_version_than_proposed_is_refused() -> None:
    buyer = FakeBuyer(held())
    with pytest.raises(Conflict) as refused:
        asyncio.run(answer_proposal(buyer, FakeVerify(version=1), "PL-1", True))
    assert refused.value.message.startswith("terms_not_verified:") and "version 1" in refused.value.message
    assert buyer.updates == []


def test_declining_needs_no_check() -> None:
    buyer, verify = FakeBuyer(held()), FakeVerify(refuse=True)
    answer = asyncio.run(answer_proposal(buyer, verify, "PL-1", False))
    assert not answer.accept and verify.calls == [] and consent_answer(buyer.updates[0][2]) == "decline"


@pytest.mark.parametrize("purchase", [held(state="in_effect"), held(version="x"),
                                      {"order_id": "PL-1", "order": {"id": "PL-1"}}])
def test_only_a_pending_proposal_is_answered(purchase: dict[str, Any]) -> None:
    buyer = FakeBuyer(purchase)
    assert pending_proposal(purchase) is None
    with pytest.raises(Conflict) as refused:
        asyncio.run(answer_proposal(buyer, FakeVerify(), "PL-1", True))
    assert refused.value.message.startswith("no_proposal:") and buyer.updates == []


ORDER = PledgeOrder("http://relay.test/beckn", "chuanshan", "pool-1", Decimal(5), "kg")


def test_a_pledge_checks_the_terms_as_signed_by_the_node_that_answered() -> None:
    verify = FakeVerify()
    kind = PoolPledge(verify)
    assert isinstance(kind, AnswerChecked)  # the buyer service calls check_answer before init
    kind.check_answer(ORDER, "relay.test", {"tags": held()["order"]["tags"]})
    assert verify.calls == [(SIGNED, "pool-1", "relay.test")]


def test_a_pledge_answered_by_no_named_node_is_refused() -> None:
    with pytest.raises(PoolError) as refused:
        PoolPledge(FakeVerify()).check_answer(ORDER, None, {})
    assert refused.value.rule is PoolRule.TERMS_NOT_VERIFIED and "names no node" in refused.value.message
