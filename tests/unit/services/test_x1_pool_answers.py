"""A pledger's proposal stays answerable after a decline (the organizer counts the last answer):
``pending_proposal`` gives a declined proposal, marked declined, and accepting it is sent; an
accepted or applied one is no longer pending."""

from __future__ import annotations

import asyncio

import pytest
from tests.unit.services.test_v1_pool_answers import FakeBuyer, FakeVerify, consent_answer, held

from duijie.services.trade.pool.answers import answer_proposal, pending_proposal


def test_a_declined_proposal_may_still_be_accepted() -> None:
    purchase = held(state="declined")
    found = pending_proposal(purchase)
    assert found is not None and found.declined and found.terms_version == 2
    buyer = FakeBuyer(purchase)
    answer = asyncio.run(answer_proposal(buyer, FakeVerify(), "PL-1", True))
    assert answer.accept and consent_answer(buyer.updates[0][2]) == "accept"


def test_an_unanswered_proposal_is_not_marked_declined() -> None:
    found = pending_proposal(held())
    assert found is not None and not found.declined


@pytest.mark.parametrize("state", ["accepted", "in_effect"])
def test_an_accepted_or_applied_proposal_is_not_pending(state: str) -> None:
    assert pending_proposal(held(state=state)) is None
