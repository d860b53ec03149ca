"""Receiving Beckn messages: run the inbound pipeline, journal the message, ACK, then handle it.

A verified request is written to the inbound journal (with its replay record) before it is
ACKed, so an ACK means the message is durable; a journal worker then hands it to the handler
registered for its action (:meth:`BecknInbox.dispatch`), which writes its state change and its
callback to the outbox in one transaction. ``search`` and ``on_search`` (:data:`INLINE_ACTIONS`)
are handled before the ACK instead, and so is everything when the node runs without a journal
(tests): then a handler's :class:`Nack` becomes the HTTP answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from duijie.protocol.context import Action
from duijie.protocol.errors import BecknErrorCode, ack_body, nack_body
from duijie.protocol.pipeline import REPLAY_STATUS, Inbound, InboundPipeline, Rejection, Verified, replay_message
from duijie.protocol.roles import accepted_actions, role_refusal
from duijie.services.inbound_journal import InboundJournal, JournalFull
from duijie.services.ports import Clock, UnitOfWorkFactory

log = logging.getLogger("duijie.beckn")


@dataclass(frozen=True, slots=True)
class Nack:
    """A handler's refusal: it will not call back, and says why."""

    code: BecknErrorCode
    message: str
    status: int = 400


Handler = Callable[[Verified], Awaitable[Nack | None]]


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class SqlReplayGuard:
    """Records (sender_id, message_id, action) in its own short transaction."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def _record(self, sender_id: str, message_id: str, action: str) -> bool:
        with self._uow() as uow:
            fresh = uow.messages.record(sender_id, message_id, action, self._clock.now())
            uow.commit()
        return not fresh

    async def seen_before(self, sender_id: str, message_id: str, action: str) -> bool:
        return await self._uow.run(self._record, sender_id, message_id, action)


INLINE_ACTIONS = frozenset({Action.SEARCH, Action.ON_SEARCH})
"""Handled before the ACK even with a journal: discovery is best-effort, and a gateway forwards
these with the sender's raw bytes and signature, which only the live request carries."""


class JournalingReplayGuard:
    """Replay guard for a node with an inbound journal.

    Journaled actions are recorded by the journal itself, in the transaction that stores the
    message (so a message is never "seen" without being kept); the others (``search``, handled
    inline) are recorded here.
    """

    def __init__(self, inline: SqlReplayGuard, journal: InboundJournal) -> None:
        self._inline = inline
        self._journal = journal

    async def seen_before(self, sender_id: str, message_id: str, action: str) -> bool:
        if Action(action) in INLINE_ACTIONS or not self._journal.running:
            return await self._inline.seen_before(sender_id, message_id, action)
        return False


class BecknInbox:
    """Where ``POST /beckn/{action}`` lands; handlers are registered per action by role.

    With a journal, a message is ACKed once it is durably journaled and handled right after
    (see :mod:`duijie.services.inbound_journal`); without one, it is handled before the ACK.
    """

    def __init__(self, pipeline: InboundPipeline, clock: Clock, journal: InboundJournal | None = None,
                 roles: Collection[str] | None = None) -> None:
        self._pipeline = pipeline
        self._clock = clock
        self._journal = journal
        self._handlers: dict[Action, Handler] = {}
        # The node's roles decide what it accepts at all (None: every action it has a handler for).
        self.roles = tuple(roles) if roles is not None else None
        self._accepted = accepted_actions(roles) if roles is not None else frozenset(Action)

    def register(self, action: Action, handler: Handler) -> None:
        self._handlers[action] = handler

    def journal_stats(self) -> dict[str, int] | None:
        """The inbound journal's counts (see :meth:`InboundJournal.stats`), or None without one."""
        return None if self._journal is None else self._journal.stats()

    def handler_for(self, action: Action) -> Handler | None:
        """The handler registered for ``action`` (so a role can wrap another's), or None."""
        return self._handlers.get(action)

    def _role_refusal(self, path_action: str) -> Reply | None:
        """A NACK for an action none of this node's roles receives, before anything is checked or kept:
        its roles are public (node record, lookup), and refusing early costs no key lookup."""
        try:
            action = Action(path_action)
        except ValueError:
            return None  # the pipeline answers an unknown action
        if action in self._accepted:
            return None
        return Reply(400, nack_body(BecknErrorCode.ACTION_NOT_APPLICABLE, role_refusal(action, self.roles or ())), {})

    async def receive(self, raw_body: bytes, headers: dict[str, str], path_action: str) -> Reply:
        refused = self._role_refusal(path_action)
        if refused is not None:
            return refused
        inbound = Inbound(raw_body, headers, path_action, self._clock.now())
        result = await self._pipeline.run(inbound)
        if isinstance(result, Rejection):
            log.info("refused %s: %s %s", path_action, result.status, result.body.get("error", {}).get("message"))
            return Reply(result.status, result.body, dict(result.headers))
        handler = self._handlers.get(result.context.action)
        if handler is None:
            return Reply(400, nack_body(BecknErrorCode.ACTION_NOT_APPLICABLE,
                                        f"this node does not handle {path_action}"), {})
        journal = self._journal
        if journal is not None and journal.running and result.context.action not in INLINE_ACTIONS:
            try:
                fresh = await journal.append(result, raw_body)
            except JournalFull as full:
                log.warning("refused %s: %s", path_action, full)
                return Reply(503, nack_body(BecknErrorCode.INVALID_REQUEST, f"node busy: {full}"),
                             {"Retry-After": "5"})
            if not fresh:
                return Reply(REPLAY_STATUS, nack_body(BecknErrorCode.INVALID_REQUEST, replay_message(
                    result.signer_subscriber_id, result.context.message_id, path_action)), {})
            return Reply(200, ack_body(), {})
        try:
            refusal = await handler(result)
        except Exception:
            log.exception("handler for %s failed", path_action)
            return Reply(500, nack_body(BecknErrorCode.INVALID_REQUEST, "internal error"), {})
        if refusal is not None:
            return Reply(refusal.status, nack_body(refusal.code, refusal.message), {})
        return Reply(200, ack_body(), {})

    async def dispatch(self, verified: Verified) -> None:
        """Handle a journaled message (after its ACK); a refusal can only be logged now."""
        handler = self._handlers.get(verified.context.action)
        if handler is None:
            log.warning("no handler for journaled %s", verified.context.action.value)
            return
        refusal = await handler(verified)
        if refusal is not None:
            log.warning("%s %s refused after ACK: %s", verified.context.action.value,
                        verified.context.message_id, refusal.message)

