"""The inbox refuses what none of the node's roles receives, before any check or storage."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from duijie.services.beckn_inbox import BecknInbox


class _Clock:
    def now(self) -> datetime:
        return datetime(2026, 12, 1, tzinfo=UTC)


class _Pipeline:
    """Stands in for the inbound pipeline: records that it ran."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    async def run(self, inbound: Any) -> Any:
        self.ran.append(inbound.path_action)
        raise RuntimeError("stop here: only reaching the pipeline is observed")


def _receive(roles: tuple[str, ...] | None, action: str) -> tuple[Any, _Pipeline]:
    pipeline = _Pipeline()
    inbox = BecknInbox(pipeline, _Clock(), roles=roles)  # type: ignore[arg-type]
    try:
        reply = asyncio.run(inbox.receive(b"{}", {}, action))
    except RuntimeError:
        reply = None
    return reply, pipeline


def test_a_buyer_only_node_nacks_confirm_naming_its_role_without_running_the_pipeline() -> None:
    reply, pipeline = _receive(("BAP",), "confirm")
    assert reply is not None and reply.status == 400
    assert reply.body["message"]["ack"]["status"] == "NACK"
    assert reply.body["error"]["code"] == "40001" and "plays BAP" in reply.body["error"]["message"]
    assert pipeline.ran == []


def test_a_seller_only_node_nacks_every_callback() -> None:
    reply, _ = _receive(("BPP",), "on_confirm")
    assert reply is not None and "plays BPP" in reply.body["error"]["message"]


def test_an_action_of_one_of_the_roles_goes_on_to_the_checks() -> None:
    assert _receive(("BAP", "BG"), "search")[1].ran == ["search"]
    assert _receive(("BAP",), "on_search")[1].ran == ["on_search"]


def test_an_unknown_action_is_left_to_the_pipeline_and_no_roles_means_everything() -> None:
    assert _receive(("BAP",), "teleport")[1].ran == ["teleport"]
    assert _receive(None, "confirm")[1].ran == ["confirm"]
