"""A pledger's answer to proposed pool terms (the pledger's side of re-consent).

The organizer proposes new terms to every pledger (a signed ``on_status``: the pledge's order then
carries a ``duijie.pool.proposal`` group in state ``proposed`` and the new signed terms). The
pledger's node answers with a Beckn ``update`` (target ``terms``). Accepting first checks the
organizer's signature on the proposed terms, and that they are the proposal's version: nobody
accepts terms the organizer has not signed. Declining needs no check (it commits to nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from duijie.protocol.mapping.pools import CONSENT_TARGET, consent_order, proposal_of, signed_terms_of
from duijie.services.errors import Conflict
from duijie.services.trade.pool.buying import VerifyTerms
from duijie.services.trade.pool.steps import DECLINED  # the state the organizer gives a declined proposal

PROPOSED = "proposed"
IN_EFFECT = "in_effect"
ANSWERABLE = frozenset({PROPOSED, DECLINED})
"""The states of a pledge's proposal that its pledger may (still) answer."""


class PledgerBuyer(Protocol):
    """What answering needs of the buyer role (:class:`~duijie.services.buyer.BuyerService`)."""

    def purchase(self, order_id: str) -> dict[str, Any]: ...

    async def update(self, order_id: str, update_target: str, order: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Proposal:
    """Proposed terms a pledge may answer: its pool, the version and what the organizer sent."""

    order_id: str
    pool_id: str
    terms_version: int
    entries: dict[str, str]  # the duijie.pool.proposal group (deadline, minimum_batch, tiers, ...)
    signed_terms: dict[str, Any] | None
    organizer_id: str | None  # the node that holds the pledge (the organizer that proposed)
    state: str = PROPOSED  # PROPOSED (not answered yet) or DECLINED (answered no; the last answer counts)

    @property
    def declined(self) -> bool:
        """This pledger declined the proposal, and may still accept it while it is open."""
        return self.state == DECLINED


@dataclass(frozen=True, slots=True)
class Answer:
    """What was answered, and the pledge as the organizer returned it."""

    proposal: Proposal
    accept: bool
    pledge: dict[str, Any]

    @property
    def in_effect(self) -> bool:
        """This answer made the proposed terms take effect (the organizer's ``on_update`` says so)."""
        return (proposal_of((self.pledge.get("order") or {}).get("tags")) or {}).get("state") == IN_EFFECT


def pending_proposal(held: dict[str, Any]) -> Proposal | None:
    """The proposal a purchase (:meth:`BuyerService.purchase`) may answer now: one not answered
    yet (``proposed``), or one this pledger declined (``declined``: the organizer counts a
    pledger's last answer, so a decliner may still accept while the proposal is open). None when
    there is none (never proposed, accepted, already in effect)."""
    tags = (held.get("order") or {}).get("tags")
    found = proposal_of(tags) or {}
    version = found.get("terms_version", "")
    state = found.get("state")
    if state not in ANSWERABLE or not version.isdigit() or not found.get("pool_id"):
        return None
    return Proposal(str(held.get("order_id") or ""), found["pool_id"], int(version), found,
                    signed_terms_of(tags), held.get("bpp_id"), str(state))


async def answer_proposal(buyer: PledgerBuyer, verify: VerifyTerms, order_id: str, accept: bool) -> Answer:
    """Rule: a pledger answers only proposed terms pending on its own pledge (``no_proposal``
    otherwise); accepting first verifies the organizer's signature on them, by the node holding the
    pledge (``terms_not_verified``), and that they are the proposal's version. Then the answer goes
    to the organizer over Beckn, which may still refuse it (closed pool, stale version)."""
    held = buyer.purchase(order_id)
    proposal = pending_proposal(held)
    if proposal is None:
        raise Conflict(f"no_proposal: pledge {order_id} has no proposed terms to answer", field="order_id")
    if accept:
        check = verify(proposal.signed_terms, proposal.pool_id, proposal.organizer_id)
        if check.terms_version != proposal.terms_version:
            raise Conflict(f"terms_not_verified: the signed terms are version {check.terms_version}, "
                           f"the proposal {proposal.terms_version}", field="order_id")
    await buyer.update(order_id, CONSENT_TARGET, consent_order(proposal.pool_id, proposal.terms_version, accept))
    return Answer(proposal, accept, buyer.purchase(order_id))
