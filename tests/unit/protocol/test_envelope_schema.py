import pytest

from duijie.protocol.context import Action
from duijie.protocol.envelope_schema import envelope_schema, validate_envelope

CTX = {
    "action": "search",
    "transaction_id": "t",
    "message_id": "m",
    "timestamp": "2026-05-01T12:00:00.000Z",
    "bap_id": "bap.test",
    "bap_uri": "http://bap.test/beckn",
}
BPP = {"bpp_id": "bpp.test", "bpp_uri": "http://bpp.test/beckn"}

VALID = {
    "search": {"intent": {}},
    "select": {"order": {}},
    "init": {"order": {}},
    "confirm": {"order": {}},
    "status": {"order_id": "o1"},
    "track": {"order_id": "o1"},
    "cancel": {"order_id": "o1"},
    "update": {"update_target": "item", "order": {}},
    "rating": {"ratings": [{"id": "o1", "value": "5"}]},
    "support": {"support": {}},
    "on_search": {"catalog": {}},
    "on_select": {"order": {}},
    "on_init": {"order": {}},
    "on_confirm": {"order": {}},
    "on_status": {"order": {}},
    "on_track": {"tracking": {}},
    "on_cancel": {"order": {}},
    "on_update": {"order": {}},
    "on_rating": {},
    "on_support": {"support": {}},
}


def _doc(action: str, message: dict | None) -> dict:
    ctx = CTX | {"action": action} | ({} if action == "search" else BPP)
    return {"context": ctx} | ({} if message is None else {"message": message})


@pytest.mark.parametrize("action", list(VALID))
def test_minimal_message_of_each_action_is_valid(action: str) -> None:
    assert validate_envelope(_doc(action, VALID[action]), action) == []


@pytest.mark.parametrize("action", [a for a, m in VALID.items() if m])
def test_missing_the_per_action_key_is_reported(action: str) -> None:
    problems = validate_envelope(_doc(action, {}), action)
    assert len(problems) == 1 and problems[0].startswith("$.message")


def test_update_needs_update_target_too() -> None:
    assert "update_target" in validate_envelope(_doc("update", {"order": {}}), "update")[0]


def test_search_may_omit_the_bpp_but_select_may_not() -> None:
    assert validate_envelope(_doc("search", {"intent": {}}), "search") == []
    doc = {"context": CTX | {"action": "select"}, "message": {"order": {}}}
    assert "bpp_id" in validate_envelope(doc, "select")[0]


def test_callback_may_carry_an_error_instead_of_a_message() -> None:
    assert (
        validate_envelope(
            _doc("on_confirm", None) | {"error": {"code": "30010", "message": "x"}}, "on_confirm"
        )
        == []
    )
    assert validate_envelope(_doc("on_confirm", None), "on_confirm") != []


def test_request_needs_a_message_even_with_an_error() -> None:
    assert validate_envelope(_doc("search", None) | {"error": {"code": "1"}}, "search") != []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"timestamp": "yesterday"}, "$.context.timestamp"),
        ({"bap_uri": "not a uri"}, "$.context.bap_uri"),
        ({"message_id": ""}, "$.context.message_id"),
        ({"transaction_id": 7}, "$.context.transaction_id"),
    ],
)
def test_bad_context_fields_are_named(change: dict, fragment: str) -> None:
    doc = _doc("search", {"intent": {}})
    doc["context"] |= change
    problems = validate_envelope(doc, "search")
    assert problems and problems[0].startswith(fragment)


def test_action_mismatch_and_unknown_action_and_non_object() -> None:
    assert validate_envelope(_doc("search", {"intent": {}}), "select") == [
        "$.context.action: context.action 'search' does not match path 'select'"
    ]
    assert validate_envelope({}, "dance") == ["$: unknown action 'dance'"]
    assert validate_envelope([], "search") == ["$: must be a JSON object"]


def test_schema_is_our_own_draft07_document() -> None:
    schema = envelope_schema(Action.ON_SEARCH)
    assert schema["$schema"].startswith("http://json-schema.org/draft-07")
    assert schema["properties"]["context"]["properties"]["action"] == {"const": "on_search"}
