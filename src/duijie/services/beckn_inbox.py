"""Receiving Beckn messages: run the inbound pipeline, then hand the message to its handler.

A handler runs synchronously before the ACK and writes its state change and its callback to
the outbox in one transaction, so an ACK always means the callback is safely on its way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from duijie.protocol.context import Action
from duijie.protocol.errors import BecknErrorCode, ack_body, nack_body
from duijie.protocol.pipeline import Inbound, InboundPipeline, Rejection, Verified
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
    """Records (message_id, action) in its own short transaction."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def _record(self, message_id: str, action: str) -> bool:
        with self._uow() as uow:
            fresh = uow.messages.record(message_id, action, self._clock.now())
            uow.commit()
        return not fresh

    async def seen_before(self, message_id: str, action: str) -> bool:
        return await anyio.to_thread.run_sync(self._record, message_id, action)


class BecknInbox:
    """Where ``POST /beckn/{action}`` lands; handlers are registered per action by role."""

    def __init__(self, pipeline: InboundPipeline, clock: Clock) -> None:
        self._pipeline = pipeline
        self._clock = clock
        self._handlers: dict[Action, Handler] = {}
        self.after_handling: list[Callable[[], None]] = []

    def register(self, action: Action, handler: Handler) -> None:
        self._handlers[action] = handler

    def handler_for(self, action: Action) -> Handler | None:
        """The handler registered for ``action`` (so a role can wrap another's), or None."""
        return self._handlers.get(action)

    def handles(self, action: Action) -> bool:
        return action in self._handlers

    async def receive(self, raw_body: bytes, headers: dict[str, str], path_action: str) -> Reply:
        inbound = Inbound(raw_body, headers, path_action, self._clock.now())
        result = await self._pipeline.run(inbound)
        if isinstance(result, Rejection):
            log.info("refused %s: %s %s", path_action, result.status, result.body.get("error", {}).get("message"))
            return Reply(result.status, result.body, dict(result.headers))
        handler = self._handlers.get(result.context.action)
        if handler is None:
            return Reply(400, nack_body(BecknErrorCode.ACTION_NOT_APPLICABLE,
                                        f"this node does not handle {path_action}"), {})
        try:
            refusal = await handler(result)
        except Exception:
            log.exception("handler for %s failed", path_action)
            return Reply(500, nack_body(BecknErrorCode.INVALID_REQUEST, "internal error"), {})
        for hook in self.after_handling:
            hook()
        if refusal is not None:
            return Reply(refusal.status, nack_body(refusal.code, refusal.message), {})
        return Reply(200, ack_body(), {})

