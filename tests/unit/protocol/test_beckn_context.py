from datetime import UTC, datetime, timedelta, timezone

import pytest

from duijie.protocol.context import Action, Context, callback_action, format_timestamp, reply_context

WIRE = {
    "domain": "retail",
    "location": {"city": {"code": "std:029"}, "country": {"code": "CHN"}},
    "action": "search",
    "version": "1.1.0",
    "bap_id": "bap.test",
    "bap_uri": "http://bap.test/beckn",
    "transaction_id": "t-1",
    "message_id": "m-1",
    "timestamp": "2026-05-01T12:00:00.000Z",
    "ttl": "PT30S",
}


def test_context_round_trips_through_its_wire_form() -> None:
    ctx = Context.from_dict(WIRE)
    assert ctx.city_code == "std:029" and ctx.action is Action.SEARCH and ctx.bpp_id is None
    assert ctx.to_dict() == WIRE


def test_there_are_ten_requests_and_ten_callbacks() -> None:
    assert len([a for a in Action if a.is_callback]) == 10
    assert len([a for a in Action if not a.is_callback]) == 10


@pytest.mark.parametrize("action", [a for a in Action if not a.is_callback])
def test_every_request_has_its_callback(action: Action) -> None:
    assert callback_action(action) == f"on_{action.value}"


def test_a_callback_has_no_callback() -> None:
    with pytest.raises(ValueError):
        callback_action("on_search")


def test_reply_context_keeps_transaction_and_message_id_and_names_the_bpp() -> None:
    now = datetime(2026, 5, 1, 12, 0, 1, 250000, tzinfo=UTC)
    reply = reply_context(
        Context.from_dict(WIRE), timestamp=now, bpp_id="bpp.test", bpp_uri="http://bpp.test/beckn"
    )
    assert reply.action is Action.ON_SEARCH
    assert (reply.transaction_id, reply.message_id) == ("t-1", "m-1")
    assert (reply.bpp_id, reply.timestamp) == ("bpp.test", "2026-05-01T12:00:01.250Z")


def test_unsolicited_callback_takes_a_new_message_id() -> None:
    ctx = Context.from_dict(WIRE | {"action": "confirm", "bpp_id": "b", "bpp_uri": "http://b/"})
    reply = reply_context(
        ctx, timestamp=datetime(2026, 5, 1, tzinfo=UTC), action=Action.ON_STATUS, message_id="m-9"
    )
    assert (reply.action, reply.message_id, reply.bpp_id) == (Action.ON_STATUS, "m-9", "b")


def test_timestamps_are_utc_with_milliseconds_and_naive_ones_are_refused() -> None:
    shanghai = timezone(timedelta(hours=8))
    assert format_timestamp(datetime(2026, 5, 1, 20, 0, tzinfo=shanghai)) == "2026-05-01T12:00:00.000Z"
    with pytest.raises(ValueError):
        format_timestamp(datetime(2026, 5, 1))


@pytest.mark.parametrize(
    ("timestamp", "ttl", "until"),
    [
        ("2026-11-27T12:00:00.000Z", "PT30S", datetime(2026, 11, 27, 12, 0, 30, tzinfo=UTC)),
        ("2026-11-27T12:00:00Z", "P1DT2H", datetime(2026, 11, 28, 14, tzinfo=UTC)),
        ("2026-11-27T20:00:00+08:00", "PT1M", datetime(2026, 11, 27, 12, 1, tzinfo=UTC)),
        ("2026-11-27T12:00:00", "PT1M", datetime(2026, 11, 27, 12, 1, tzinfo=UTC)),  # no offset: UTC
        ("2026-11-27T12:00:00Z", None, None),  # no ttl: no limit
        ("2026-11-27T12:00:00Z", "30 seconds", None),  # unreadable ttl: no limit rather than a refusal
        ("yesterday", "PT30S", None),
    ],
)
def test_valid_until_is_timestamp_plus_ttl(timestamp: str, ttl: str | None, until: datetime | None) -> None:
    ctx = Context.from_dict({**WIRE, "timestamp": timestamp, "ttl": ttl})
    assert ctx.valid_until() == until
