"""Delivering persisted outgoing messages: sign on send, retry with backoff until ACK or expiry."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta

import anyio.to_thread

from duijie.services.ports import Clock, OutboxMessage, OutboxState, Signer, Transport, UnitOfWorkFactory

log = logging.getLogger("duijie.outbox")

MAX_BACKOFF = timedelta(seconds=60)


def backoff(attempts: int) -> timedelta:
    """0.5 s, 1 s, 2 s, ... capped at a minute, so a returning peer is reached soon."""
    exponent = min(max(attempts - 1, 0), 16)  # beyond 2**16 the cap applies anyway
    return min(timedelta(seconds=0.5 * (2**exponent)), MAX_BACKOFF)


def is_ack(status: int, body: bytes) -> bool:
    """A delivery counts only when the peer answered 2xx with ``message.ack.status == ACK``."""
    if not 200 <= status < 300:
        return False
    try:
        return bool(json.loads(body)["message"]["ack"]["status"] == "ACK")
    except (ValueError, KeyError, TypeError):
        return False


class OutboxSender:
    """Runs for the life of the server; a restart picks up whatever was still pending."""

    def __init__(self, uow: UnitOfWorkFactory, transport: Transport, signer: Signer, clock: Clock,
                 concurrency: int = 16) -> None:
        self._uow = uow
        self._transport = transport
        self._signer = signer
        self._clock = clock
        self._wake = asyncio.Event()
        self._concurrency = concurrency

    def wake(self) -> None:
        """Called after a commit that added messages, so they go out at once, not on the next poll."""
        self._wake.set()

    async def run(self, poll_seconds: float = 0.5) -> None:
        while True:
            sent = await self.deliver_due()
            if sent == 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
                except TimeoutError:
                    pass
                self._wake.clear()

    async def deliver_due(self, limit: int = 64) -> int:
        """Try every due message once; returns how many were attempted."""
        now = self._clock.now()
        due = await anyio.to_thread.run_sync(self._due, now, limit)
        if not due:
            return 0
        sem = asyncio.Semaphore(self._concurrency)

        async def one(msg: OutboxMessage) -> None:
            async with sem:
                await self._deliver(msg)

        await asyncio.gather(*(one(m) for m in due))
        return len(due)

    def _due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        with self._uow(read_only=True) as uow:
            return uow.outbox.due(now, limit)

    async def _deliver(self, msg: OutboxMessage) -> None:
        now = self._clock.now()
        attempts = msg.attempts + 1
        if now > msg.expires_at:
            await anyio.to_thread.run_sync(self._mark, msg.id, OutboxState.EXPIRED, attempts, now, "expired")
            log.warning("outbox %s %s to %s expired after %d attempts", msg.id, msg.action, msg.url, msg.attempts)
            return
        try:
            headers = self._signer.headers_for(msg.body, now)
            resp = await asyncio.wait_for(self._transport.send(msg.url, msg.body, headers), timeout=10)
        except Exception as exc:  # noqa: BLE001 - any failure is retried later
            error = f"{type(exc).__name__}: {exc}"
            await anyio.to_thread.run_sync(
                self._mark, msg.id, OutboxState.PENDING, attempts, now + backoff(attempts), error
            )
            log.info("outbox %s %s to %s failed (%s); retrying", msg.id, msg.action, msg.url, error)
            return
        if is_ack(resp.status, resp.body):
            await anyio.to_thread.run_sync(self._mark, msg.id, OutboxState.SENT, attempts, now, None)
            return
        error = f"HTTP {resp.status}: {resp.body[:200].decode(errors='replace')}"
        if resp.status == 409:
            # The peer already has this message_id: an earlier attempt got through.
            await anyio.to_thread.run_sync(self._mark, msg.id, OutboxState.SENT, attempts, now, error)
            return
        if 400 <= resp.status < 500 and resp.status not in (401, 408, 429):
            await anyio.to_thread.run_sync(self._mark, msg.id, OutboxState.REFUSED, attempts, now, error)
            log.warning("outbox %s %s refused by %s: %s", msg.id, msg.action, msg.url, error)
            return
        await anyio.to_thread.run_sync(
            self._mark, msg.id, OutboxState.PENDING, attempts, now + backoff(attempts), error
        )

    def _mark(self, message_id: int, state: OutboxState, attempts: int, next_at: datetime, error: str | None) -> None:
        with self._uow() as uow:
            uow.outbox.mark(message_id, state, attempts=attempts, next_attempt_at=next_at, error=error)
            uow.commit()
